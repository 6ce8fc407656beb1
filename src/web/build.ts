// Builds the dashboard (runs in Node, not in the browser): esbuild bundles main.ts and its CSS
// into app.js and app.css, next to index.html and the icon, in dist/web/ (not committed), which
// the API serves at /app/. The build fails when the JavaScript and CSS, gzip-compressed, pass
// the budget of 150 KB. `npm run build:web`; `make up` and `make test` run it.
import { build } from 'esbuild';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const WEB_SOURCE = fileURLToPath(new URL('.', import.meta.url));
export const WEB_OUTPUT = fileURLToPath(new URL('../../dist/web/', import.meta.url));
export const BUDGET_BYTES = 150 * 1024;
const STATIC_FILES = ['index.html', 'icon.svg'];

export interface WebBuild {
  /** The bundled files by name (app.js, app.css). */
  files: Map<string, Uint8Array>;
  /** gzip-compressed bytes of the JavaScript and CSS together. */
  compressedBytes: number;
}

export async function bundleWeb(): Promise<WebBuild> {
  const result = await build({
    entryPoints: { app: `${WEB_SOURCE}main.ts` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    write: false,
    outdir: '/',
    logLevel: 'silent',
  });
  const files = new Map(result.outputFiles.map((file) => [file.path.slice(1), file.contents]));
  let compressedBytes = 0;
  for (const contents of files.values()) compressedBytes += gzipSync(contents, { level: 9 }).length;
  return { files, compressedBytes };
}

/** Writes the dashboard into `outDir` whole: a new folder renamed over the old one. */
export async function buildWeb(outDir = WEB_OUTPUT): Promise<WebBuild> {
  const bundle = await bundleWeb();
  if (bundle.compressedBytes > BUDGET_BYTES) {
    throw new Error(`the dashboard is ${bundle.compressedBytes} bytes compressed, over its budget of ${BUDGET_BYTES}`);
  }
  const staging = `${outDir.replace(/\/$/, '')}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  for (const [name, contents] of bundle.files) await writeFile(`${staging}/${name}`, contents);
  for (const name of STATIC_FILES) await copyFile(`${WEB_SOURCE}${name}`, `${staging}/${name}`);
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
  return bundle;
}

if (import.meta.main) {
  const bundle = await buildWeb();
  const sizes = [...bundle.files].map(([name, contents]) => `${name} ${contents.length} B`).join(', ');
  console.log(`dashboard built in ${WEB_OUTPUT}: ${sizes}; ${bundle.compressedBytes} B gzip-compressed (budget ${BUDGET_BYTES})`);
}
