// The data version probe follows @clickhouse/client's connection rules (issue 12 item 5): an
// https:// URL is spoken over TLS, so its credentials never travel in clear; the port is the
// URL's; a path prefix is kept. Against local fake servers: no ClickHouse needed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createClickHouseProbe } from '../../../src/api/repositories/clickhouse-probe.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url));

interface Seen {
  secure: boolean;
  authorization: string | undefined;
  url: string;
}

void describe('ClickHouse probe', () => {
  const seen: Seen[] = [];
  const answer = (secure: boolean) => (request: http.IncomingMessage, response: http.ServerResponse) => {
    seen.push({ secure, authorization: request.headers.authorization, url: request.url ?? '' });
    response.end('partition\t1\n');
  };
  const tlsServer = https.createServer({ key: fixture('localhost.key'), cert: fixture('localhost.crt') }, answer(true));
  const plainServer = http.createServer(answer(false));
  let tlsPort = 0;
  let plainPort = 0;
  before(async () => {
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve));
    tlsPort = (tlsServer.address() as AddressInfo).port;
    plainPort = (plainServer.address() as AddressInfo).port;
  });
  after(() => {
    tlsServer.closeAllConnections();
    plainServer.closeAllConnections();
    tlsServer.close();
    plainServer.close();
  });

  void it('speaks TLS to an https:// URL, credentials inside it, at the URL port and path', async () => {
    seen.length = 0;
    const probe = createClickHouseProbe(`https://reader:s3cret@127.0.0.1:${tlsPort}/clickhouse`, 2_000, { caCert: fixture('localhost.crt') });
    assert.equal(await probe.query('SELECT 1'), 'partition\t1\n');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.secure, true);
    assert.equal(seen[0]!.authorization, `Basic ${Buffer.from('reader:s3cret').toString('base64')}`);
    // No settings in the URL: the user's read-only profile holds them (readonly=1 refuses any).
    assert.match(seen[0]!.url, /^\/clickhouse\/\?query=SELECT%201%20FORMAT%20TabSeparated$/);
  });

  void it('refuses a server whose certificate it cannot verify, before sending anything', async () => {
    seen.length = 0;
    const probe = createClickHouseProbe(`https://reader:s3cret@127.0.0.1:${tlsPort}`, 2_000);
    await assert.rejects(probe.query('SELECT 1'), /self-signed|certificate/i);
    assert.equal(seen.length, 0);
  });

  void it('never sends cleartext to an https:// URL: a plain-HTTP listener gets only a TLS handshake', async () => {
    const received: Buffer[] = [];
    const raw = net.createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const probe = createClickHouseProbe(`https://reader:s3cret@127.0.0.1:${(raw.address() as AddressInfo).port}`, 2_000);
      await assert.rejects(probe.query('SELECT 1'));
      const bytes = Buffer.concat(received);
      assert.equal(bytes[0], 0x16, 'a TLS handshake record');
      assert.ok(!bytes.toString('latin1').includes('s3cret') && !bytes.toString('latin1').includes('Basic'));
    } finally {
      raw.close();
    }
  });

  void it('http:// stays plain HTTP at the URL port', async () => {
    seen.length = 0;
    const probe = createClickHouseProbe(`http://default:@127.0.0.1:${plainPort}`, 2_000);
    await probe.query('SELECT 1');
    assert.equal(seen[0]!.secure, false);
    assert.match(seen[0]!.url, /^\/\?query=/);
  });

  void it('takes the protocol default port when the URL has none, as the client does (not 8123)', () => {
    const requests: (string | number | null | undefined)[] = [];
    const original = https.request;
    (https as unknown as { request: typeof https.request }).request = ((options: https.RequestOptions) => {
      requests.push(options.port);
      throw new Error('not sent');
    }) as typeof https.request;
    try {
      void createClickHouseProbe('https://example.invalid', 1_000).query('SELECT 1').catch(() => undefined);
    } finally {
      (https as unknown as { request: typeof https.request }).request = original;
    }
    assert.deepEqual(requests, [443]);
  });
});
