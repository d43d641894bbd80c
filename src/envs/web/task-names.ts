/**
 * @module
 * The built-in web tasks' names and the `web:` id prefix, apart from `tasks.ts` (which finds their
 * files with node:fs) so that a page (the dashboard's teach mode) can import them too.
 */

/** The built-in tasks, each `web/tasks/<name>.html`. */
export const WEB_TASKS = [
  "click-button",
  "click-link",
  "click-checkboxes",
  "enter-text",
  "enter-password",
  "login-user",
  "click-tab",
  "click-list-item",
  "click-dialog",
  "click-option",
] as const;
export type WebTaskName = (typeof WEB_TASKS)[number];

/** The prefix of web env ids: `web:click-button`, `web:/abs/path/task.html`. */
export const WEB_ENV_PREFIX = "web:";
