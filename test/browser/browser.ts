import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Browser, BrowserContext, chromium, Locator, Page } from "playwright-core";
import { ROOT } from "../support/stack";

/** Debian's chromium package (`.ci/run` installs it); no browser is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
export const ARTIFACTS = path.join(ROOT, "artifacts");

/** Builds the web client when a source changed since the last build (what `npm start` does too). */
export function buildWebClient(): void {
  const result = spawnSync(process.execPath, [path.join(ROOT, "web", "build-if-stale.mjs")], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`building the web client failed:\n${result.stdout}\n${result.stderr}`);
}

/** Fails, never skips, without a browser: a missing Chromium must not pass unnoticed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium, as .ci/run does) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 60_000 });
}

/**
 * Records every `new Notification(title, options)` the page makes, still calling the real
 * constructor, so a test can see the system notification the browser was asked to show;
 * and every EventSource it opens (URL and instance), so a test can break one.
 */
export const RECORD_INIT_SCRIPT = `(() => {
  const record = (name, Real, entry) => {
    const calls = [];
    Object.defineProperty(window, name, { value: calls });
    if (!Real) return undefined;
    return new Proxy(Real, {
      construct(target, args) {
        const made = Reflect.construct(target, args);
        calls.push(entry(args, made));
        return made;
      },
    });
  };
  const N = record("__notifications", window.Notification, (args) => {
    const options = args[1] || {};
    return { title: String(args[0]), body: options.body, tag: options.tag };
  });
  if (N) window.Notification = N;
  window.EventSource = record("__eventSources", window.EventSource, (args, source) => ({ url: String(args[0]), source }));
})();`;

/**
 * Screenshots of the main screens, taken as the tests go and written to artifacts/ only
 * when a test fails (or always with BROWSER_ARTIFACTS=always), with the page's console.
 */
export class Artifacts {
  private readonly shots: { name: string; png: Buffer }[] = [];
  private readonly console: string[] = [];
  failed = false;

  watch(page: Page): void {
    page.on("console", (m) => this.console.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => this.console.push(`[pageerror] ${e.message}`));
  }

  async shoot(page: Page, name: string): Promise<void> {
    try {
      this.shots.push({ name, png: await page.screenshot({ fullPage: true, timeout: 10_000 }) });
    } catch {
      // A screenshot is evidence, never the reason a test fails.
    }
  }

  /** Runs a test body; on failure keeps a screenshot of where it stopped. */
  async step(page: Page, name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      this.failed = true;
      await this.shoot(page, `FAILED-${name}`);
      throw err;
    }
  }

  write(prefix: string): string | undefined {
    if (!this.failed && process.env.BROWSER_ARTIFACTS !== "always") return undefined;
    const dir = path.join(ARTIFACTS, prefix);
    mkdirSync(dir, { recursive: true });
    this.shots.forEach(({ name, png }, i) => writeFileSync(path.join(dir, `${String(i + 1).padStart(2, "0")}-${name.replace(/[^\w-]+/g, "-")}.png`), png));
    writeFileSync(path.join(dir, "console.log"), this.console.join("\n") + "\n");
    return dir;
  }
}

/** Waits until the locator shows, with a message naming what was awaited. */
export async function visible(locator: Locator, what: string, timeout = 15_000): Promise<Locator> {
  try {
    await locator.first().waitFor({ state: "visible", timeout });
  } catch {
    throw new Error(`not visible after ${timeout} ms: ${what}`);
  }
  return locator;
}

/** Waits until `check` holds in Node (API state, counts). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeout = 20_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export type { Browser, BrowserContext, Page };
