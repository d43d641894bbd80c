/**
 * `directoryDigest` (src/core/files.ts): what `mimic eval --scale-resume` compares to know that a
 * stopped run evaluated the same policy files.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { directoryDigest } from "../src/core/files.js";

const root = mkdtempSync(join(tmpdir(), "mimic-files-"));
after(() => rmSync(root, { recursive: true, force: true }));

function policyDir(name: string, weights: string, extra?: [string, string]): string {
  const dir = join(root, name);
  mkdirSync(join(dir, "sub"), { recursive: true });
  writeFileSync(join(dir, "policy.json"), '{"format":"x"}');
  writeFileSync(join(dir, "sub", "weights.bin"), weights);
  if (extra !== undefined) writeFileSync(join(dir, extra[0]), extra[1]);
  return dir;
}

test("directoryDigest: the same files hash the same; a changed byte, name or extra file does not", async () => {
  const a = await directoryDigest(policyDir("a", "0123"));
  assert.match(a, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await directoryDigest(policyDir("b", "0123")), a, "same files elsewhere");
  assert.notEqual(await directoryDigest(policyDir("c", "0124")), a, "one byte changed");
  assert.notEqual(await directoryDigest(policyDir("d", "0123", ["notes.txt", ""])), a, "an empty file added");
  // Name and content boundaries are part of the hash: "ab" + "c" is not "a" + "bc".
  const split1 = join(root, "s1");
  const split2 = join(root, "s2");
  mkdirSync(split1);
  mkdirSync(split2);
  writeFileSync(join(split1, "ab"), "c");
  writeFileSync(join(split2, "a"), "bc");
  assert.notEqual(await directoryDigest(split1), await directoryDigest(split2));
  await assert.rejects(directoryDigest(join(root, "missing")), /ENOENT/);
});
