import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import { createExportFiles, removeOrphanedExportDirs } from '../../../src/api/services/export-files.ts';

async function* lines(count: number) {
  for (let i = 0; i < count; i++) {
    await sleep(1);
    yield `line ${i}\n`;
  }
}

void describe('export files', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(path.join(tmpdir(), 'export-files-test-'));
    dirs.push(made);
    return made;
  };
  afterEach(() => {
    for (const made of dirs.splice(0)) rmSync(made, { recursive: true, force: true });
  });

  void it('renders a key once, for every request that asks while it renders and after', async () => {
    const files = createExportFiles({ dir: dir() });
    let renders = 0;
    const render = () => {
      renders++;
      return Promise.resolve(lines(20));
    };
    const [a, b] = await Promise.all([files.get('v1|daily', render), files.get('v1|daily', render)]);
    const c = await files.get('v1|daily', render);
    assert.equal(renders, 1);
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    const text = readFileSync(a.path, 'utf8');
    assert.equal(text, Array.from({ length: 20 }, (_, i) => `line ${i}\n`).join(''));
    assert.equal(a.size, Buffer.byteLength(text));
    // A buffer is written as it is.
    assert.equal(readFileSync((await files.get('v1|small', () => Promise.resolve(Buffer.from('small')))).path, 'utf8'), 'small');
  });

  void it('forgets a failed render, so the next request tries again, and leaves no file', async () => {
    const root = dir();
    const files = createExportFiles({ dir: root });
    async function* broken() {
      yield 'half';
      await sleep(1);
      throw new Error('ClickHouse went away');
    }
    await assert.rejects(files.get('k', () => Promise.resolve(broken())), /ClickHouse went away/);
    await assert.rejects(files.get('k', () => Promise.reject(new Error('unavailable'))), /unavailable/);
    const file = await files.get('k', () => Promise.resolve(Buffer.from('whole')));
    assert.equal(readFileSync(file.path, 'utf8'), 'whole');
    await sleep(10);
    assert.equal(files.size(), 1);
  });

  void it('keeps the most recently used files and deletes the others a while after', async () => {
    const files = createExportFiles({ dir: dir(), maxFiles: 2, deleteAfterMs: 30 });
    const make = (key: string) => files.get(key, () => Promise.resolve(Buffer.from(key)));
    const v1 = await make('v1');
    await make('v2');
    await make('v1'); // used again: v2 is now the oldest
    const v3 = await make('v3');
    assert.equal(files.size(), 2);
    const v2 = await files.get('v2', () => Promise.resolve(Buffer.from('v2 again'))); // rendered anew
    assert.equal(readFileSync(v2.path, 'utf8'), 'v2 again');
    // v1 was evicted by v2's return; its file lives on a little for requests that just got it.
    assert.ok(existsSync(v1.path));
    for (let waited = 0; existsSync(v1.path) && waited < 5_000; waited += 10) await sleep(10);
    assert.ok(!existsSync(v1.path), 'deleted after deleteAfterMs');
    assert.ok(existsSync(v3.path));
  });

  void it('makes its own directory under the temporary directory, with the first file only', async () => {
    const temporary = dir();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = temporary;
    try {
      createExportFiles().close();
      assert.deepEqual(readdirSync(temporary), [], 'nothing made without a file');
      const files = createExportFiles();
      await files.get('k', () => Promise.resolve(Buffer.from('x')));
      assert.equal(readdirSync(temporary).filter((name) => name.startsWith('covid-etl-exports-')).length, 1);
      files.close();
      assert.deepEqual(readdirSync(temporary), []);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  void it("removes the directories of processes that are gone, never a live process's", () => {
    const root = dir();
    const exited = spawnSync(process.execPath, ['-e', '0']).pid; // a process id no longer in use
    const parentPid = process.ppid; // alive: the test runner
    for (const name of [`covid-etl-exports-${exited}-aaaaaa`, `covid-etl-exports-${parentPid}-bbbbbb`, `covid-etl-exports-${process.pid}-cccccc`, 'covid-etl-exports-dddddd', 'other-1-x']) {
      mkdirSync(path.join(root, name));
    }
    assert.deepEqual(removeOrphanedExportDirs(root), [`covid-etl-exports-${exited}-aaaaaa`]);
    assert.deepEqual(readdirSync(root).sort(), [`covid-etl-exports-${parentPid}-bbbbbb`, `covid-etl-exports-${process.pid}-cccccc`, 'covid-etl-exports-dddddd', 'other-1-x'].sort());
    assert.deepEqual(removeOrphanedExportDirs(path.join(root, 'missing')), []);
  });
});
