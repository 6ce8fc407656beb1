// The API's read-only ClickHouse user as the infrastructure declares it (issue 12 item 7): one
// users.d file for the native stack and compose, and compose's application services pointed at
// it. Compose cannot run here (no Docker engine); test/integration/api/read-only-user.test.ts
// checks the user itself against the real server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CLICKHOUSE_READER_USER } from '../../../src/platform/config.ts';
import { repoRoot } from '../../support/paths.ts';

interface Service {
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
}

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');
const compose = parse(read('infra/compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const reader = read('infra/clickhouse/users.d/reader.xml');
const readerCompose = read('infra/clickhouse/reader-compose.xml');

/** The text of each <tag> in an XML text (these files are flat enough for that). */
const values = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);

describe('the read-only ClickHouse user of the infrastructure', () => {
  it("defines the config's reader with a readonly=1 profile that carries the API's limits", () => {
    assert.match(reader, new RegExp(`<${CLICKHOUSE_READER_USER}>[\\s\\S]*<profile>reader</profile>[\\s\\S]*</${CLICKHOUSE_READER_USER}>`));
    assert.deepEqual(values(reader, 'readonly'), ['1']);
    assert.ok(Number(values(reader, 'max_execution_time')[0]) > 0);
    assert.match(reader, /<password from_env="CLICKHOUSE_READER_PASSWORD">/);
  });

  it("points every API service of compose at it, and mounts it into the ClickHouse container", () => {
    const apps = Object.entries(compose.services).filter(([, s]) => s.command?.[0] === 'serve');
    assert.ok(apps.length >= 2, 'the api and the cluster profile\'s API services');
    const databases = new Set<string>();
    for (const [name, service] of apps) {
      // Compose fills in the password; the URL's text before that is what can be checked.
      assert.match(String(service.environment?.CLICKHOUSE_READ_URL), new RegExp(`^http://${CLICKHOUSE_READER_USER}:\\$\\{CLICKHOUSE_READER_PASSWORD:\\?[^}]*\\}@clickhouse:8123$`), name);
      databases.add(String(service.environment?.CLICKHOUSE_DATABASE));
    }
    // It may read exactly the databases the API services use.
    assert.deepEqual(values(readerCompose, 'database').sort(), [...databases].sort());
    const clickhouse = compose.services.clickhouse!;
    assert.ok(clickhouse.volumes?.includes('./clickhouse/users.d/reader.xml:/etc/clickhouse-server/users.d/reader.xml:ro'));
    assert.ok(clickhouse.volumes?.includes('./clickhouse/reader-compose.xml:/etc/clickhouse-server/users.d/reader-compose.xml:ro'));
    assert.match(String(clickhouse.environment?.CLICKHOUSE_READER_PASSWORD), /^\$\{CLICKHOUSE_READER_PASSWORD:\?/);
    assert.match(read('infra/compose.sh'), /for name in [A-Z_ ]*CLICKHOUSE_READER_PASSWORD[A-Z_ ]*; do/);
  });
});
