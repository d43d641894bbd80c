/**
 * The shape of the import graph, read from the sources (`ts.preProcessFile`: static, type-only,
 * re-export, side-effect and dynamic imports alike):
 * - no import cycles in src/ and web/, type-only imports included (a type cycle is a layering
 *   mistake even though the compiler erases it);
 * - the design's direction rule: core ← envs/data ← nn ← algorithms ← eval/runs ← serve/cli, a
 *   module importing only from its own layer or layers to its left;
 * - `src/nn/` is the only door to TensorFlow.js.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, test } from "node:test";
import ts from "typescript";
import { repoRoot } from "./helpers/fixtures.js";

/**
 * src/'s top-level entries, left to right. DESIGN.md's rule names the folders in capitals below;
 * the others are placed where their imports put them.
 */
const LAYERS: readonly (readonly string[])[] = [
  // CORE, plus the version constant (a leaf).
  ["core", "version.ts"],
  // ENVS, DATA
  ["envs", "data"],
  // NN
  ["nn"],
  // Not in the rule: scripted experts use envs, teacher labelers wrap a saved NeuralPolicy (nn),
  // and DAgger (algorithms) takes an Expert.
  ["experts"],
  // ALGORITHMS
  ["algorithms"],
  // EVAL, RUNS
  ["eval", "runs"],
  // Not in the rule: scale-out (BullMQ on Redis) runs collection, evaluation and grid points
  // (data, eval, runs) as jobs, and the CLI's --redis/--workers flags and `mimic worker` use it.
  ["scale"],
  // SERVE, CLI, and the dashboard's server (ui/), which serves runs and trains live DAgger rounds.
  ["serve", "cli", "ui"],
  // The curated public API re-exports every layer; nothing in src/ imports it.
  ["index.ts"],
];

/** Imports against the direction rule that are there on purpose: `from -> to`, with the reason. */
const KNOWN_EXCEPTIONS: Readonly<Record<string, string>> = {
  "algorithms/dagger.ts -> eval/evaluate.ts":
    "DAgger's loop evaluates each round's learner (its step 5); eval/ imports nothing right of envs/data, so no cycle",
  "algorithms/dagger-dom.ts -> eval/evaluate.ts":
    "the same for DAgger on web tasks: each round's DOM policy is evaluated in the web env",
};

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** Relative imports of every .ts/.tsx file under `dirs`, as repository paths (`src/nn/mlp.ts`). */
function importGraph(dirs: readonly string[]): { graph: Graph; packages: Map<string, string[]> } {
  const graph: Graph = new Map();
  const packages = new Map<string, string[]>();
  const files = dirs.flatMap((d) => sourceFiles(join(repoRoot, d)));
  const known = new Set(files.map((f) => relative(repoRoot, f).split(sep).join("/")));
  for (const file of files) {
    const from = relative(repoRoot, file).split(sep).join("/");
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const local: string[] = [];
    const external: string[] = [];
    for (const { fileName: spec } of importedFiles) {
      if (!spec.startsWith(".")) {
        external.push(spec);
        continue;
      }
      if (/\.(css|html|json|wasm)$/.test(spec)) continue; // assets the bundler inlines, not modules
      const base = relative(repoRoot, resolve(dirname(file), spec))
        .split(sep)
        .join("/");
      const target = [base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx")].find((t) => known.has(t));
      assert.ok(target, `${from} imports ${spec}, which is not a source file under ${dirs.join(", ")}`);
      local.push(target);
    }
    graph.set(from, local);
    packages.set(from, external);
  }
  return { graph, packages };
}

/** Every cycle's strongly connected component (Tarjan), each as a list of files, plus self-imports. */
function cycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** One shortest cycle through the component's first file, as `a -> b -> a`, and the component's size. */
function describeCycle(graph: Graph, component: readonly string[]): string {
  const inside = new Set(component);
  const start = component[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length && !previous.has(start); i++) {
    const v = queue[i]!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w) || previous.has(w)) continue;
      previous.set(w, v);
      queue.push(w);
    }
  }
  const path = [start];
  for (let v = previous.get(start)!; v !== start; v = previous.get(v)!) path.unshift(v);
  path.unshift(start);
  return `  ${path.join(" -> ")}${component.length > 2 ? ` (${component.length} files are on cycles together)` : ""}`;
}

function layerOf(path: string): number {
  const top = path.replace(/^src\//, "").split("/")[0]!;
  return LAYERS.findIndex((names) => names.includes(top));
}

describe("layering", () => {
  const { graph, packages } = importGraph(["src", "web"]);
  const src = new Map([...graph].filter(([file]) => file.startsWith("src/")));

  test("the graph is read: every src/ file, and the imports between them", () => {
    assert.ok(src.size > 100, `only ${src.size} files under src/`);
    const edges = [...src.values()].reduce((n, targets) => n + targets.length, 0);
    assert.ok(edges > 300, `only ${edges} imports between src/ files`);
    // Dynamic imports count: the CLI loads its commands with import().
    assert.ok(src.get("src/cli/main.ts")?.includes("src/cli/train.ts"));
  });

  test("the cycle finder finds cycles, long and short, and nothing else", () => {
    const g: Graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a", "d"]],
      ["d", []],
      ["e", ["e"]],
      ["f", ["d"]],
    ]);
    assert.deepEqual(cycles(g), [["a", "b", "c"], ["e"]]);
  });

  test("src/ and web/ have no import cycles", () => {
    const found = cycles(graph);
    assert.deepEqual(
      found,
      [],
      `import cycles (move the shared part to a module both can import):\n${found.map((c) => describeCycle(graph, c)).join("\n\n")}`,
    );
  });

  test("every top-level entry of src/ has a layer", () => {
    const unplaced = [...new Set([...src.keys()].filter((f) => layerOf(f) < 0).map((f) => f.split("/")[1]))];
    assert.deepEqual(unplaced, [], `add these to LAYERS in test/layering.test.ts: ${unplaced.join(", ")}`);
  });

  test("a module imports only from its own layer or layers to its left", () => {
    const violations: string[] = [];
    const seen = new Set<string>();
    for (const [from, targets] of src) {
      for (const to of targets) {
        if (layerOf(to) <= layerOf(from)) continue;
        const edge = `${from.slice(4)} -> ${to.slice(4)}`;
        seen.add(edge);
        if (!(edge in KNOWN_EXCEPTIONS)) violations.push(edge);
      }
    }
    assert.deepEqual(
      violations,
      [],
      `imports against core ← envs/data ← nn ← experts ← algorithms ← eval/runs ← scale ← serve/cli/ui:\n  ${violations.join("\n  ")}`,
    );
    const stale = Object.keys(KNOWN_EXCEPTIONS).filter((edge) => !seen.has(edge));
    assert.deepEqual(stale, [], "known exceptions that no longer exist: remove them from KNOWN_EXCEPTIONS");
  });

  test("only src/nn/ imports TensorFlow.js", () => {
    const outside = [...packages]
      .filter(
        ([file, specs]) => !file.startsWith("src/nn/") && specs.some((s) => s.startsWith("@tensorflow/")),
      )
      .map(([file]) => file);
    assert.deepEqual(outside, [], `these import @tensorflow/* outside src/nn/: ${outside.join(", ")}`);
  });
});
