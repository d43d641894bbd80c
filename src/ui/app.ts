/**
 * @module
 * The dashboard as a Hono app. Like the policy server it knows nothing about Node: it reads and
 * writes through a `UiStore` (file-store.ts on Node) and serves the page's files from memory, so no
 * URL path ever becomes a file path. `mimic ui` starts it with `@hono/node-server` on loopback.
 *
 * - `GET /`: the single-page app (`index.html`); `GET /assets/<file>`: its script and styles.
 * - `GET /api/runs`: `{ items: RunSummary[], warnings }`.
 * - `GET /api/run?id=<run>`: manifest, every metrics record, skipped-line warnings. The page polls
 *   it every two seconds while the run's status is "running".
 * - `GET /api/run/report?id=<run>`: the run's report.html.
 * - `GET /api/datasets`, `GET /api/dataset?id=<name>`, `GET /api/dataset/episode?id=<name>&index=<i>`.
 * - `POST /api/teach/keep`: `{ dataset, envId, seed, actions, terminated, truncated }` (see episode-replay.ts);
 *   the episode is replayed in the real env and appended atomically.
 * - `POST /api/dagger/start|episode|train`: live DAgger with a person labelling (human-dagger.ts).
 * - `GET /web-tasks/<task>.html`, `GET /web-tasks/core/<file>`: the built-in web tasks' pages, which
 *   teach mode shows in a frame; `POST /api/teach/web/keep`: `{ dataset, task, seed, actions, reward }`
 *   (see web-teach.ts); the episode is replayed in a headless browser and appended atomically.
 *
 * An id that is not a safe relative name (see `isSafeId`), or names nothing, is a 404 before the
 * store is asked. Errors are JSON `{ "error": { message, path? } }`.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { DatasetFormatError, InvalidOptionError, MimicError } from "../core/errors.js";
import { formatPath } from "../core/registry.js";
import { keptEpisodeSchema, ReplayMismatchError } from "./episode-replay.js";
import type { HumanDaggerService } from "./human-dagger.js";
import { isSafeId, type UiStore } from "./store.js";
import { keptWebEpisodeSchema } from "./web-teach.js";

export interface UiAsset {
  body: string | Uint8Array;
  type: string;
}

export interface UiAppOptions {
  store: UiStore;
  /** The page's files by name: `index.html` and whatever it loads from `/assets/`. */
  assets: Readonly<Record<string, UiAsset>>;
  /** Live DAgger sessions (`/api/dagger/*`); without it those routes are 404s. */
  dagger?: HumanDaggerService;
  /**
   * Host names the app answers to (the `Host` header without its port). Others get a 403, so a
   * page that rebinds its own domain to this address (DNS rebinding) cannot read the data.
   * Default: any host.
   */
  allowedHostnames?: readonly string[];
  /** The built-in web tasks' files by relative name (`click-button.html`, `core/core.js`), for teach mode. */
  webTasks?: Readonly<Record<string, UiAsset>>;
  /** Largest POST body in bytes (default 4 MiB: about 100 000 actions). */
  maxBodyBytes?: number;
}

const noStore = { "cache-control": "no-store" };

export function createUiApp(options: UiAppOptions): Hono {
  const { store, assets, maxBodyBytes = 4 * 1024 * 1024 } = options;
  const app = new Hono();
  const fail = (message: string, status: ContentfulStatusCode, path?: string) =>
    new Response(JSON.stringify({ error: { message, ...(path === undefined ? {} : { path }) } }), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", ...noStore },
    });
  const notFound = (what: string) => fail(what, 404);

  app.onError((error, c) => {
    if (error instanceof ReplayMismatchError) return fail(error.message, 422);
    if (error instanceof InvalidOptionError) return fail(error.message, 400, error.path);
    // Writing: the dataset there is another env's or not a dataset (a conflict). Reading: it is damaged.
    if (error instanceof DatasetFormatError) return fail(error.message, c.req.method === "POST" ? 409 : 500);
    // Errors that carry their own status (a DAgger session that is missing or busy).
    const status = (error as { status?: unknown }).status;
    if (error instanceof MimicError && (status === 404 || status === 409)) return fail(error.message, status);
    if (error instanceof MimicError) return fail(error.message, 500);
    return fail(`internal error: ${error.message}`, 500);
  });
  app.notFound((c) => notFound(`no route ${c.req.method} ${c.req.path}; the dashboard is at /`));

  const asset = (name: string) => {
    const file = assets[name];
    if (!file) return notFound(`no file ${name}`);
    const body = typeof file.body === "string" ? file.body : (file.body as Uint8Array<ArrayBuffer>);
    return new Response(body, { headers: { "content-type": file.type, ...noStore } });
  };
  if (options.allowedHostnames) {
    const allowed = new Set(options.allowedHostnames.map((h) => h.toLowerCase()));
    app.use("*", async (c, next) => {
      const host = c.req.header("host") ?? new URL(c.req.url).host;
      const hostname = host.replace(/:\d+$/, "").toLowerCase();
      if (!allowed.has(hostname)) {
        return fail(
          `host ${JSON.stringify(host)} is not accepted; open the dashboard by the address mimic ui printed`,
          403,
        );
      }
      return next();
    });
  }

  app.get("/", () => asset("index.html"));
  app.get("/assets/:file", (c) => {
    const name = c.req.param("file");
    // Only the names the bundle has: never a path.
    return name === "index.html" || !Object.hasOwn(assets, name) ? notFound(`no asset ${name}`) : asset(name);
  });

  /** The `id` query parameter when it is a safe id of at most `segments` segments. */
  const idOf = (value: string | undefined, segments: number) =>
    value !== undefined && isSafeId(value, segments) ? value : null;

  app.get("/api/runs", async (c) => c.json(await store.listRuns(), 200, noStore));

  app.get("/api/run", async (c) => {
    const id = idOf(c.req.query("id"), 2);
    const run = id === null ? null : await store.getRun(id);
    return run === null
      ? notFound(`no run ${JSON.stringify(c.req.query("id") ?? "")}`)
      : c.json(run, 200, noStore);
  });

  app.get("/api/run/report", async (c) => {
    const id = idOf(c.req.query("id"), 2);
    const html = id === null ? null : await store.getReport(id);
    if (html === null) return notFound(`no report for run ${JSON.stringify(c.req.query("id") ?? "")}`);
    // The report has no scripts; a report.html edited to have some must not run on this origin.
    return c.html(html, 200, { ...noStore, "content-security-policy": "script-src 'none'" });
  });

  app.get("/api/datasets", async (c) => c.json(await store.listDatasets(), 200, noStore));

  app.get("/api/dataset", async (c) => {
    const id = idOf(c.req.query("id"), 1);
    const dataset = id === null ? null : await store.getDataset(id);
    return dataset === null
      ? notFound(`no dataset ${JSON.stringify(c.req.query("id") ?? "")}`)
      : c.json(dataset, 200, noStore);
  });

  app.get("/api/dataset/episode", async (c) => {
    const id = idOf(c.req.query("id"), 1);
    const raw = c.req.query("index") ?? "";
    const index = /^\d{1,9}$/.test(raw) ? Number(raw) : null;
    if (index === null)
      return fail(`index must be a non-negative integer, got ${JSON.stringify(raw)}`, 400, "index");
    const episode = id === null ? null : await store.getEpisode(id, index);
    return episode === null
      ? notFound(`no episode ${index} in dataset ${JSON.stringify(c.req.query("id") ?? "")}`)
      : c.json(episode, 200, noStore);
  });

  /**
   * A POST body as JSON, or the error response. A page on another origin cannot post here: it
   * would need JSON, which needs a CORS preflight this app never grants, and a browser sends its
   * Origin, which must be this server's own.
   */
  const readJson = async (c: Context): Promise<{ json: unknown } | { error: Response }> => {
    const origin = c.req.header("origin");
    const host = c.req.header("host");
    if (origin !== undefined && host !== undefined && origin !== `http://${host}`) {
      return {
        error: fail(`requests from ${origin} are not accepted; use the dashboard at http://${host}/`, 403),
      };
    }
    if (!(c.req.header("content-type") ?? "").startsWith("application/json")) {
      return { error: fail("the body must be JSON (Content-Type: application/json)", 415) };
    }
    const declared = Number(c.req.header("content-length") ?? 0);
    if (declared > maxBodyBytes) return { error: fail(`the body is larger than ${maxBodyBytes} bytes`, 413) };
    const text = await c.req.text();
    if (text.length > maxBodyBytes)
      return { error: fail(`the body is larger than ${maxBodyBytes} bytes`, 413) };
    try {
      return { json: JSON.parse(text) };
    } catch (error) {
      return { error: fail(`the body is not valid JSON: ${(error as Error).message}`, 400, "") };
    }
  };

  app.post("/api/teach/keep", async (c) => {
    const body = await readJson(c);
    if ("error" in body) return body.error;
    const json = body.json;
    const parsed = keptEpisodeSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.length > 0 ? formatPath(issue.path) : "";
      return fail(`${path || "the body"} ${issue.message}`, 400, path);
    }
    const result = await store.appendEpisode(parsed.data);
    return c.json(result, 201, noStore);
  });

  app.post("/api/teach/web/keep", async (c) => {
    const body = await readJson(c);
    if ("error" in body) return body.error;
    const parsed = keptWebEpisodeSchema.safeParse(body.json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.length > 0 ? formatPath(issue.path) : "";
      return fail(`${path || "the body"} ${issue.message}`, 400, path);
    }
    return c.json(await store.appendWebEpisode(parsed.data), 201, noStore);
  });

  const webTasks = options.webTasks ?? {};
  const webTask = (name: string) => {
    // Only the names the task suite has: never a path.
    const file = Object.hasOwn(webTasks, name) ? webTasks[name]! : null;
    if (file === null) return notFound(`no web task file ${name}`);
    const body = typeof file.body === "string" ? file.body : (file.body as Uint8Array<ArrayBuffer>);
    return new Response(body, { headers: { "content-type": file.type, ...noStore } });
  };
  app.get("/web-tasks/:file", (c) => webTask(c.req.param("file")));
  app.get("/web-tasks/core/:file", (c) => webTask(`core/${c.req.param("file")}`));

  const dagger = options.dagger;
  if (dagger) {
    for (const [route, call] of [
      ["start", dagger.start],
      ["episode", dagger.addEpisode],
      ["train", dagger.train],
    ] as const) {
      app.post(`/api/dagger/${route}`, async (c) => {
        const body = await readJson(c);
        if ("error" in body) return body.error;
        return c.json(await call(body.json), 200, noStore);
      });
    }
  }

  return app;
}
