// Bundles the browser demo (web/demo) into dist/demo: index.html and demo.js.
// Usage: node scripts/build-demo.mjs [outDir]
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

const outDir = process.argv[2] ?? join("dist", "demo");
mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: ["web/demo/main.ts"],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outfile: join(outDir, "demo.js"),
  minify: true,
  logLevel: "warning",
});
copyFileSync(join("web", "demo", "index.html"), join(outDir, "index.html"));
