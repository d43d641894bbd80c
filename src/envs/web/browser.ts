/**
 * @module
 * Starting the browser web tasks run in: Debian's Chromium (or any Chromium-family executable)
 * driven through `playwright-core`, which ships no browser of its own. `playwright-core` is
 * imported on first use, so code that never opens a web task (`mimic envs`, training on a
 * dataset) does not load it.
 */
import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";
import { BrowserError } from "../../core/errors.js";

/** Where Chromium is looked for, in order, when no executable is given. */
export const CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/**
 * Chromium's flags for an unattended task browser: no sandbox (containers and CI run as root),
 * no GPU, and none of the background traffic (QUIC, updates, sync, first-run pages) a task page
 * has no use for.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface LaunchBrowserOptions {
  /** The browser executable (default: the first of `CHROMIUM_PATHS` that exists). */
  executablePath?: string;
  /** Run without a window (default true). */
  headless?: boolean;
  /** Milliseconds to wait for the browser to start (default 30 000). */
  timeout?: number;
}

/** The executable to launch: the one given, else the first of `CHROMIUM_PATHS` that exists. */
export function findChromium(executablePath?: string): string {
  if (executablePath !== undefined) {
    if (!existsSync(executablePath)) {
      throw new BrowserError(
        `The browser executable ${executablePath} does not exist. Pass the path of a Chromium or Chrome binary as executablePath.`,
      );
    }
    return executablePath;
  }
  const found = CHROMIUM_PATHS.find((path) => existsSync(path));
  if (found === undefined) {
    throw new BrowserError(
      `No Chromium found (looked for ${CHROMIUM_PATHS.join(", ")}). Install it (apt-get install chromium) or pass executablePath.`,
    );
  }
  return found;
}

/** Launches Chromium through playwright-core; a failure to start is a `BrowserError`. */
export async function launchBrowser(options: LaunchBrowserOptions = {}): Promise<Browser> {
  const executablePath = findChromium(options.executablePath);
  let chromium: typeof import("playwright-core").chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (error) {
    throw new BrowserError(
      "Web tasks need the playwright-core package, which could not be loaded; install it with npm install playwright-core.",
      { cause: error },
    );
  }
  try {
    return await chromium.launch({
      executablePath,
      headless: options.headless ?? true,
      args: CHROMIUM_ARGS,
      timeout: options.timeout ?? 30_000,
    });
  } catch (error) {
    throw new BrowserError(
      `Chromium (${executablePath}) did not start: ${(error as Error).message.split("\n")[0]}`,
      { cause: error },
    );
  }
}
