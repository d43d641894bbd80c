// Bundles the dashboard's page (web/ui) into dist/ui: index.html, app.js and app.css.
// Usage: node scripts/build-ui.mjs [outDir]
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const outDir = process.argv[2] ?? join("dist", "ui");
mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: { app: "web/ui/main.tsx" },
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outdir: outDir,
  // The dashboard draws no MuJoCo env yet, so it never calls loadMujoco: leaving mujoco-js (11 MB,
  // its wasm inlined) out keeps app.js small. A page that needs it bundles it (docs/mujoco.md).
  external: ["mujoco-js"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});
copyFileSync(join("web", "ui", "index.html"), join(outDir, "index.html"));
