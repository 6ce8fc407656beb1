// The dashboard's size budget (issue 11): at most 150 KB of JavaScript and CSS, compressed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUDGET_BYTES, bundleWeb } from '../../../src/web/build.ts';

void describe('the dashboard bundle', () => {
  void it('is one script and one stylesheet within 150 KB compressed, with nothing loaded from elsewhere', async () => {
    const bundle = await bundleWeb();
    assert.deepEqual([...bundle.files.keys()].sort(), ['app.css', 'app.js']);
    assert.equal(BUDGET_BYTES, 150 * 1024);
    assert.ok(bundle.compressedBytes <= BUDGET_BYTES, `${bundle.compressedBytes} bytes`);
    const text = Buffer.concat([...bundle.files.values()]).toString('utf8');
    assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\/[^\s"')]*\.(js|css|woff2?|ttf)/i, 'no script, style or font URL');
    assert.doesNotMatch(text, /@import|@font-face/);
  });
});
