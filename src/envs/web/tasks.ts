/**
 * @module
 * Where web tasks come from: the built-in task suite in the package's `web/tasks/` directory
 * (pages written for mimic in MiniWoB++'s protocol, served by `web/tasks/core/core.js`), or any
 * MiniWoB++ task file by path; and the `web:<task>` env ids the CLI takes.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { WebPageError } from "../../core/errors.js";
import { closest } from "../../core/registry.js";

import { WEB_ENV_PREFIX, WEB_TASKS, type WebTaskName } from "./task-names.js";

export { WEB_ENV_PREFIX, WEB_TASKS, type WebTaskName };

/** A task page to load. */
export interface WebTaskFile {
  /** The built-in name, or the path as given. */
  name: string;
  /** Whether it is one of `WEB_TASKS`. */
  builtIn: boolean;
  /** The absolute path of the HTML file. */
  path: string;
  /** Its file:// URL, so the page's relative `../core/*.js` resolve beside it. */
  url: string;
}

export function isWebTaskName(name: string): name is WebTaskName {
  return (WEB_TASKS as readonly string[]).includes(name);
}

let tasksDirectory: string | undefined;

/**
 * The package's `web/tasks/` directory: found by walking up from this module to the directory
 * that holds package.json, since the code runs from `src/`, `build/src/` and `dist/src/`.
 */
export function webTasksDir(): string {
  if (tasksDirectory !== undefined) return tasksDirectory;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "web", "tasks"))) {
      tasksDirectory = join(dir, "web", "tasks");
      return tasksDirectory;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new WebPageError(
        "web/tasks",
        `The built-in web tasks were not found: no directory above ${fileURLToPath(import.meta.url)} holds package.json and web/tasks/. Reinstall the package, or pass a task file's path.`,
      );
    }
    dir = parent;
  }
}

/**
 * The file of `task`: a built-in name (`click-button`) or a path to a MiniWoB++-protocol HTML
 * file (relative paths against the working directory). A missing file is a `WebPageError` that
 * names the path and the built-in tasks.
 */
export function resolveWebTask(task: string): WebTaskFile {
  if (isWebTaskName(task)) {
    const path = join(webTasksDir(), `${task}.html`);
    return { name: task, builtIn: true, path, url: pathToFileURL(path).href };
  }
  const path = resolve(task);
  if (!existsSync(path) || !statSync(path).isFile()) {
    const looksLikeName = !/[/\\]|\.html?$/i.test(task);
    const suggestion = looksLikeName ? closest(task, WEB_TASKS) : undefined;
    throw new WebPageError(
      task,
      `${looksLikeName ? `${JSON.stringify(task)} is not a built-in web task and no file ${path} exists` : `The web task file ${path} does not exist`}.` +
        `${suggestion ? ` Did you mean ${suggestion}?` : ""} Built-in tasks: ${WEB_TASKS.join(", ")}; or pass the path of a MiniWoB++ task HTML file.`,
    );
  }
  return { name: task, builtIn: false, path, url: pathToFileURL(path).href };
}

/** Whether `id` names a web task (`web:<task>`). */
export function isWebEnvId(id: string): boolean {
  return id.startsWith(WEB_ENV_PREFIX) && id.length > WEB_ENV_PREFIX.length;
}

/** The task of a web env id: `web:click-button` → `click-button`, `web:/a/b.html` → `/a/b.html`. */
export function parseWebEnvId(id: string): { task: string; builtIn: boolean } {
  if (!isWebEnvId(id)) {
    throw new WebPageError(
      id,
      `${JSON.stringify(id)} is not a web env id: write web:<task>, with a built-in task (${WEB_TASKS.join(", ")}) or the path of a MiniWoB++ task HTML file.`,
    );
  }
  const task = id.slice(WEB_ENV_PREFIX.length);
  return { task, builtIn: isWebTaskName(task) };
}

/** The env id of a task: `web:<name>` for a built-in one, `web:<path as given>` otherwise. */
export function webEnvId(task: string): string {
  return `${WEB_ENV_PREFIX}${task}`;
}
