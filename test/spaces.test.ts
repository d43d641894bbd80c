import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { InvalidSpaceError } from "../src/core/errors.js";
import { rngFromSeed } from "../src/core/rng.js";
import {
  Box,
  DictSpace,
  Discrete,
  MultiBinary,
  MultiDiscrete,
  parsePythonJson,
  type Space,
  spaceFromJSON,
  spaceToJSONString,
  stringifyPythonJson,
  TextSpace,
  TupleSpace,
} from "../src/core/spaces/index.js";

// Arbitrary spaces, nested up to two levels, to drive the property tests.
const leafSpace: fc.Arbitrary<Space> = fc.oneof(
  fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
      fc.constantFrom("float32", "float64", "int32", "uint8" as const),
    )
    .chain(([shape, dtype]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const bound = dtype === "uint8" ? fc.integer({ min: 0, max: 100 }) : fc.integer({ min: -50, max: 50 });
      return fc
        .tuple(
          fc.array(bound, { minLength: size, maxLength: size }),
          fc.array(fc.integer({ min: 0, max: 20 }), { minLength: size, maxLength: size }),
          fc.boolean(),
        )
        .map(
          ([low, width, unbounded]) =>
            new Box(
              low.map((l) => (unbounded && dtype.startsWith("float") ? Number.NEGATIVE_INFINITY : l)),
              low.map((l, i) => l + width[i]!),
              shape,
              dtype as "float32",
            ),
        );
    }),
  fc
    .tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: -5, max: 5 }))
    .map(([n, start]) => new Discrete(n, start)),
  fc
    .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 })
    .map((nvec) => new MultiDiscrete(nvec)),
  fc.integer({ min: 1, max: 6 }).map((n) => new MultiBinary(n)),
  fc
    .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }))
    .map(([max, min]) => new TextSpace(max + min, { minLength: min, charset: "abc01" })),
);
const anySpace: fc.Arbitrary<Space> = fc.oneof(
  { weight: 3, arbitrary: leafSpace },
  fc
    .dictionary(fc.constantFrom("a", "b", "pos", "vel"), leafSpace, { minKeys: 1, maxKeys: 3 })
    .map((d) => new DictSpace(d)),
  fc.array(leafSpace, { minLength: 1, maxLength: 3 }).map((s) => new TupleSpace(s)),
);

describe("space invariants (property tests)", () => {
  test("sample is contained, flatten has flatDim values, unflatten inverts flatten", () => {
    fc.assert(
      fc.property(anySpace, fc.integer({ min: 0, max: 1e6 }), (space, seed) => {
        const rng = rngFromSeed(seed);
        for (let k = 0; k < 5; k++) {
          const x = space.sample(rng);
          assert.equal(space.explain(x), null, `${space} should contain ${JSON.stringify(x)}`);
          const flat = space.flatten(x);
          assert.equal(flat.length, space.flatDim);
          const back = space.unflatten(flat);
          assert.ok(space.contains(back));
          assert.deepEqual(space.flatten(back), flat);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("the JSON form round-trips, through Python-style JSON text too", () => {
    fc.assert(
      fc.property(anySpace, (space) => {
        const again = spaceFromJSON(spaceToJSONString(space));
        assert.equal(String(again), String(space));
        assert.deepEqual(again.toJSON(), space.toJSON());
      }),
      { numRuns: 300 },
    );
  });

  test("sampling is deterministic under a seed", () => {
    fc.assert(
      fc.property(anySpace, fc.integer({ min: 0, max: 1e6 }), (space, seed) => {
        assert.deepEqual(space.sample(rngFromSeed(seed)), space.sample(rngFromSeed(seed)));
      }),
      { numRuns: 100 },
    );
  });
});

describe("Box", () => {
  const box = new Box([-1, -2], [1, 2]);

  test("contains checks length, bounds, NaN and integer dtypes", () => {
    assert.ok(box.contains(new Float32Array([0.5, -2])));
    assert.ok(box.contains([1, 2]));
    assert.ok(!box.contains([1.5, 0]));
    assert.ok(!box.contains([0]));
    assert.ok(!box.contains([Number.NaN, 0]));
    assert.ok(!box.contains("ab"));
    assert.match(box.explain([Number.NaN, 0])!, /element 0 is NaN/);
    assert.match(box.explain([0, 3])!, /element 1 is 3, outside \[-2, 2\]/);
    const ints = new Box(0, 4, [2], "int32");
    assert.ok(ints.contains([0, 4]));
    assert.ok(!ints.contains([0.5, 1]));
    // a shape-(1,) box also accepts a bare number
    assert.ok(new Box(-2, 2, [1]).contains(1.5));
  });

  test("float32 bounds are compared after casting, as numpy does", () => {
    const b = new Box(-0.1, 0.1, [1]);
    assert.equal(b.high[0], Math.fround(0.1));
    assert.ok(b.contains([0.1])); // 0.1 rounds to the float32 bound
  });

  test("a fully bounded float box draws numpy's uniform stream (Gymnasium Box.sample)", () => {
    const b = new Box(-0.05, 0.05, [4], "float64");
    const rng = rngFromSeed(0);
    // numpy: Generator(PCG64(SeedSequence(0))).uniform(-0.05, 0.05, size=4)[:2]
    const x = b.sample(rng);
    assert.equal(x[0], 0.013696168732145436);
    assert.equal(x[1], -0.02302132862361297);
  });

  test("bad constructor arguments throw InvalidSpaceError", () => {
    assert.throws(() => new Box(1, 0, [1]), /low\[0\] = 1 is above high\[0\] = 0/);
    assert.throws(() => new Box([0, 0], [1], undefined), InvalidSpaceError);
    assert.throws(() => new Box(0, 1), /pass a shape/);
    assert.throws(() => new Box(0, Number.NaN, [1]), InvalidSpaceError);
    assert.throws(() => new Box(0, 1, [1], "float16" as "float32"), /unknown dtype/);
  });

  test("toString follows Gymnasium's repr", () => {
    assert.equal(String(new Box(-1, 1, [2])), "Box(-1, 1, (2,), float32)");
    assert.equal(String(new Box(0, 255, [2, 3], "uint8")), "Box(0, 255, (2, 3), uint8)");
  });
});

describe("Discrete, MultiDiscrete, MultiBinary, Text", () => {
  test("Discrete with a start offset", () => {
    const d = new Discrete(3, -1);
    assert.ok(d.contains(-1) && d.contains(1) && !d.contains(2) && !d.contains(0.5) && !d.contains("1"));
    assert.deepEqual(Array.from(d.flatten(0)), [0, 1, 0]);
    assert.equal(d.unflatten([0, 0, 1]), 1);
    assert.match(d.explain(5)!, /expected an integer from -1 to 1/);
    assert.throws(() => new Discrete(0), InvalidSpaceError);
    assert.throws(() => d.unflatten([0, 0, 0]), /all zeros/);
  });

  test("Discrete.sample is start + integers(n), as Gymnasium", () => {
    const rng = rngFromSeed(42);
    const expected = rngFromSeed(42);
    const d = new Discrete(5, 10);
    for (let i = 0; i < 20; i++) assert.equal(d.sample(rng), 10 + expected.integers(5));
  });

  test("MultiDiscrete flattens to concatenated one-hots", () => {
    const m = new MultiDiscrete([2, 3], [0, 1]);
    assert.equal(m.flatDim, 5);
    assert.deepEqual(Array.from(m.flatten(Int32Array.from([1, 3]))), [0, 1, 0, 0, 1]);
    assert.ok(!m.contains([2, 1]));
    assert.ok(!m.contains([0, 0]));
  });

  test("MultiBinary accepts only 0/1", () => {
    const b = new MultiBinary([2, 2]);
    assert.equal(b.flatDim, 4);
    assert.ok(b.contains([0, 1, 1, 0]));
    assert.ok(!b.contains([0, 2, 1, 0]));
  });

  test("Text checks length and charset; flatten pads with the charset size", () => {
    const t = new TextSpace(4, { minLength: 1, charset: "ab" });
    assert.ok(t.contains("abba"));
    assert.ok(!t.contains(""));
    assert.ok(!t.contains("abc"));
    assert.deepEqual(Array.from(t.flatten("ba")), [1, 0, 2, 2]);
    assert.equal(t.unflatten([1, 0, 2, 2]), "ba");
  });
});

describe("Minari JSON", () => {
  test("reads a Box Python's json.dumps wrote (float32 bounds)", () => {
    const text =
      '{"type": "Box", "dtype": "float32", "shape": [4], "low": [-4.800000190734863, -3.4028234663852886e+38, -0.41887903213500977, -3.4028234663852886e+38], "high": [4.800000190734863, 3.4028234663852886e+38, 0.41887903213500977, 3.4028234663852886e+38]}';
    const space = spaceFromJSON(text) as Box;
    assert.ok(space instanceof Box);
    assert.deepEqual(space.shape, [4]);
    assert.equal(space.high[2], Math.fround(((12 * 2 * Math.PI) / 360) * 2));
  });

  test("reads bare Infinity and nested (2, 2) bounds", () => {
    const text =
      '{"type": "Box", "dtype": "float64", "shape": [2, 2], "low": [[-Infinity, 0.0], [0.0, -1.5]], "high": [[Infinity, 1.0], [2.0, 1.5]]}';
    const space = spaceFromJSON(text) as Box;
    assert.deepEqual(Array.from(space.low), [Number.NEGATIVE_INFINITY, 0, 0, -1.5]);
    assert.ok(spaceToJSONString(space).includes("[[-Infinity, 0], [0, -1.5]]".replaceAll(", ", ",")));
  });

  test("reads a Dict of Box and Discrete, with sorted keys", () => {
    const text =
      '{"type": "Dict", "subspaces": {"pos": {"type": "Box", "dtype": "float32", "shape": [2], "low": [-1.0, -1.0], "high": [1.0, 1.0]}, "id": {"type": "Discrete", "dtype": "int64", "start": 0, "n": 3}}}';
    const space = spaceFromJSON(text) as DictSpace;
    assert.deepEqual(space.keys, ["id", "pos"]);
    assert.equal(space.flatDim, 5);
  });

  test("malformed JSON names the problem and the path", () => {
    assert.throws(() => spaceFromJSON("{nope"), /space: not valid JSON/);
    assert.throws(() => spaceFromJSON({ type: "Blob" } as never), /unknown space type "Blob"/);
    assert.throws(() => spaceFromJSON({ type: "Discrete" } as never), /needs a "n" field/);
    assert.throws(
      () =>
        spaceFromJSON({ type: "Dict", subspaces: { arm: { type: "Discrete", n: -1, start: 0 } } } as never),
      (e: unknown) =>
        e instanceof InvalidSpaceError &&
        /space\.arm: Discrete: n must be a positive integer/.test(e.message),
    );
  });

  test("Python-style JSON helpers keep strings that merely contain Infinity", () => {
    const value = { a: Number.POSITIVE_INFINITY, b: "Infinity and NaN", c: [Number.NaN, -Infinity] };
    const text = stringifyPythonJson(value);
    assert.equal(text, '{"a":Infinity,"b":"Infinity and NaN","c":[NaN,-Infinity]}');
    assert.deepEqual(parsePythonJson(text), value);
  });
});
