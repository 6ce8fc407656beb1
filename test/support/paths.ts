// Where tests find the real source copies: ../shared/data beside the repository
// (CI lays shared/ next to the clone). COVID_DATA_DIR overrides it.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const sharedDataDir = process.env.COVID_DATA_DIR ?? path.resolve(repoRoot, '../shared/data');

export function dataFile(relative: string): string {
  return path.join(sharedDataDir, relative);
}
