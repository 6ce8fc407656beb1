// axe-core in the page, and where the browser tests leave their screenshots (dist/screenshots,
// not committed; docs/img/ holds the copies the README shows).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const SCREENSHOTS = fileURLToPath(new URL('../../../dist/screenshots', import.meta.url));

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
}

/**
 * Serious and critical axe-core violations of the page as it is now, one line each. axe is
 * evaluated through the browser's devtools protocol, which the page's own policy (script-src
 * 'self') does not govern, so the page keeps its real policy while it is checked.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(await axeSource);
  const result = await page.evaluate(() => (window as unknown as { axe: { run(): Promise<AxeResult> } }).axe.run());
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')}`);
}
