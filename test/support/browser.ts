// Headless Chromium from Debian (installed by infra/chromium.sh, which `make test` runs), driven
// by playwright-core: browsers cannot be downloaded here, so Playwright's own builds are never
// used. Every page records what a person would never want to see: console errors, uncaught
// exceptions, and requests that left the server's origin.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchOptions {
  /** Host names the browser resolves to 127.0.0.1, to open the server under a name other than localhost. */
  hostAliases?: readonly string[];
}

/** A fresh browser; playwright gives each launch a new temporary profile (user data dir). */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run infra/chromium.sh (apt-get install chromium)`);
  const rules = (options.hostAliases ?? []).map((host) => `MAP ${host} 127.0.0.1`).join(', ');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: rules ? [...ARGS, `--host-resolver-rules=${rules}`] : ARGS,
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  /**
   * URLs of requests whose origin is not `origin` that were sent (data: and blob: URLs are local;
   * a request the page's Content-Security-Policy refused never leaves the browser).
   */
  foreignRequests: string[];
  failedRequests: string[];
}

export async function openWatchedPage(browser: Browser, origin: string, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  // Fail within seconds, not Playwright's default 30 s: every page here is local.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const watched: WatchedPage = { context, page, consoleErrors: [], foreignRequests: [], failedRequests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watched.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => watched.consoleErrors.push(`uncaught: ${error.message}`));
  context.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== origin) watched.foreignRequests.push(url);
  });
  context.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    watched.failedRequests.push(`${request.url()}: ${reason}`);
    const foreign = watched.foreignRequests.indexOf(request.url());
    if (reason === 'csp' && foreign >= 0) watched.foreignRequests.splice(foreign, 1);
  });
  return watched;
}
