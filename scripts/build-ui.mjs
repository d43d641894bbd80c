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
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: true,
  sourcemap: false,
  logLevel: "warning",
});
copyFileSync(join("web", "ui", "index.html"), join(outDir, "index.html"));
