// Whole-table exports rendered once per data version into files, then served from them (issue 12:
// an export flood made every request run its own FINAL scan of the table and render megabytes of
// JSON on the event loop, which pushed honest clients' latency up 5-400x on a 2-core machine).
//
// One render per key at a time: requests for an export being rendered wait for that render
// (single flight). The key holds the data version, so new data makes new files; the oldest beyond
// `maxFiles` are deleted, a minute later so that a request that just got one can still open it
// (an open file outlives its deletion). A failed render (ClickHouse gone) is forgotten, and the
// request that waited gets its error before any byte was sent. Files live in a directory of
// their own under the system's temporary directory, made with the first and removed by close().
import { createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ExportFile {
  path: string;
  size: number;
}

export type ExportBody = Buffer | AsyncIterable<string | Buffer>;

export interface ExportFiles {
  /** The file of `key`, made by `render` unless it exists or is being made. */
  get(key: string, render: () => Promise<ExportBody>): Promise<ExportFile>;
  /** Files kept now (made or being made). */
  size(): number;
  close(): void;
}

export interface ExportFilesOptions {
  maxFiles?: number;
  /** How long a file outlives its eviction (ms). */
  deleteAfterMs?: number;
  dir?: string;
}

// The directory's name carries its process id: a process killed before close() (SIGKILL, a crash)
// leaves its files behind, and the next process to make a directory removes them.
const PREFIX = 'covid-etl-exports-';
const OWNED = new RegExp(`^${PREFIX}(\\d+)-`);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, someone else's
  }
}

/** Removes the export directories under `root` whose process is gone; returns their names. */
export function removeOrphanedExportDirs(root: string, alive: (pid: number) => boolean = processAlive): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const orphans = names.filter((name) => {
    const pid = OWNED.exec(name)?.[1];
    return pid !== undefined && Number(pid) !== process.pid && !alive(Number(pid));
  });
  for (const name of orphans) rmSync(path.join(root, name), { recursive: true, force: true });
  return orphans;
}

export function createExportFiles({ maxFiles = 16, deleteAfterMs = 60_000, dir }: ExportFilesOptions = {}): ExportFiles {
  // Made with the first file: a process (or a test's app) that never exports leaves nothing.
  let root = dir;
  const directory = () => {
    if (root === undefined) {
      removeOrphanedExportDirs(tmpdir());
      root = mkdtempSync(path.join(tmpdir(), `${PREFIX}${process.pid}-`));
    }
    return root;
  };
  // In use order, the least recently used first.
  const files = new Map<string, Promise<ExportFile>>();
  let made = 0;
  const remove = (file: string) => void rm(file, { force: true }).catch(() => {});

  const evict = () => {
    for (const [key, file] of files) {
      if (files.size <= maxFiles) return;
      files.delete(key);
      file.then((f) => setTimeout(() => remove(f.path), deleteAfterMs).unref(), () => {});
    }
  };

  return {
    get(key, render) {
      const known = files.get(key);
      if (known) {
        files.delete(key);
        files.set(key, known);
        return known;
      }
      const file = path.join(directory(), String(++made));
      const making = (async () => {
        const body = await render();
        await pipeline(Buffer.isBuffer(body) ? Readable.from([body]) : Readable.from(body), createWriteStream(file, { flags: 'wx' }));
        return { path: file, size: statSync(file).size };
      })();
      files.set(key, making);
      making.catch(() => {
        if (files.get(key) === making) files.delete(key);
        remove(file);
      });
      evict();
      return making;
    },
    size: () => files.size,
    close() {
      files.clear();
      if (root) rmSync(root, { recursive: true, force: true });
    },
  };
}
