import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvContentMismatch } from '../../../src/pipeline/sources/content.ts';

const EXPECTED = 'a CSV file with columns Date_reported,Country_code';
const bytes = (text: string) => Buffer.from(text, 'utf8');

test('a CSV file (with or without BOM, any text type) is CSV', () => {
  assert.equal(csvContentMismatch(bytes('\uFEFFDate_reported,Country_code\n2020-01-03,AF\n'), 'text/csv', EXPECTED), null);
  assert.equal(csvContentMismatch(bytes('Date_reported,Country_code\n'), 'application/octet-stream', EXPECTED), null);
  assert.equal(csvContentMismatch(bytes('Date_reported,Country_code\n'), undefined, EXPECTED), null);
});

test('an HTML page is named as such, with its title and declared type', () => {
  const page = '\n  <!DOCTYPE html>\n<html><head><title>Service\n Unavailable</title></head><body>down</body></html>';
  assert.deepEqual(csvContentMismatch(bytes(page), 'text/html; charset=utf-8', EXPECTED), {
    expected: EXPECTED,
    found: 'an HTML page (Content-Type text/html; charset=utf-8, title "Service Unavailable")',
  });
  // Even when served as CSV.
  assert.match(csvContentMismatch(bytes('<html><body>Access denied</body></html>'), 'text/csv', EXPECTED)!.found, /^an HTML page \(Content-Type text\/csv\)$/);
});

test('JSON, XML, or a declared non-CSV type are not CSV', () => {
  assert.match(csvContentMismatch(bytes('{"error":"quota"}'), 'application/json', EXPECTED)!.found, /^a JSON document \(Content-Type application\/json\), starting "\{\\"error/);
  assert.match(csvContentMismatch(bytes('<?xml version="1.0"?><Error/>'), 'application/xml', EXPECTED)!.found, /^an XML\/markup document/);
  assert.match(csvContentMismatch(bytes('Date_reported,Country_code\n'), 'text/html', EXPECTED)!.found, /^Content-Type text\/html, starting "Date_reported/);
});
