import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Browser,
  chromium,
  type ConsoleMessage,
  type Locator,
  type Page,
} from 'playwright-core';

/**
 * Debian's chromium, installed by `.ci/run` (apt-get install chromium).
 * Playwright's own browser downloads are never used: playwright-core is
 * pinned to the release whose Chromium matches Debian's.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** CI uploads this folder as artifacts; it is git-ignored (under test-results/). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');

/**
 * Without the background-networking switches, Chromium's own connections
 * (component updates, sync, field trials) get refused in bursts in a
 * sandboxed network and slow or break page loads.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Debian's chromium. A missing browser is a failure, never a skip,
 * on CI and on a developer's machine alike, with the command that fixes it.
 * `extraArgs` are added to the switches above (e.g. `--host-resolver-rules`).
 */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    const where = process.env.CI === 'true' ? 'CI (CI=true)' : 'this machine';
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH} on ${where}: the Swagger UI browser test needs it. ` +
        'Install Debian\'s package ("apt-get update && apt-get install -y --no-install-recommends chromium"; ' +
        '.ci/run does this) or point CHROMIUM_PATH at a Chromium binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 30_000,
  });
}

export interface BrowserLog {
  /** Console messages and uncaught page errors, in order, as `type: text`. */
  readonly lines: string[];
  /** Lines that are errors or mention a Content Security Policy. */
  problems(): string[];
}

/** Records what the page says on its console, so a CSP refusal is reported verbatim. */
export function recordBrowserLog(page: Page): BrowserLog {
  const lines: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    const { url, lineNumber } = message.location();
    lines.push(`${message.type()}: ${message.text()}${url ? ` (${url}:${lineNumber})` : ''}`);
  });
  page.on('pageerror', (error) => lines.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) =>
    lines.push(`requestfailed: ${request.url()} ${request.failure()?.errorText ?? ''}`),
  );
  return {
    lines,
    problems: () =>
      lines.filter((line) =>
        /^(error|pageerror|requestfailed):|content security policy/i.test(line),
      ),
  };
}

/**
 * Saves a screenshot of the page's viewport or of one element under
 * test-results/screenshots/; `style` is CSS applied only while it is taken.
 */
export async function screenshot(
  target: Page | Locator,
  name: string,
  style?: string,
): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await target.screenshot({ path, style, timeout: 10_000 });
  return path;
}
