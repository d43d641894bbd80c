import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  EnvMismatchError,
  InvalidActionError,
  InvalidOptionError,
  LabelTimeoutError,
} from "../src/core/errors.js";
import { make } from "../src/core/registry.js";
import type { Space } from "../src/core/spaces/index.js";
import "../src/envs/index.js";
import { checkLabels, type Expert } from "../src/experts/expert.js";
import { humanLabeler, teacherExpert } from "../src/experts/labelers.js";
import { NeuralPolicy } from "../src/nn/policy.js";

/** The textbook CartPole rule: push towards where the pole is falling. */
const cartPoleRule = (o: ArrayLike<number>): number => (o[2]! + 0.5 * o[3]! > 0 ? 1 : 0);

/** Real CartPole states from a few seeded episodes driven by the rule. */
function cartPoleStates(count: number): {
  states: Float32Array[];
  observationSpace: Space;
  actionSpace: Space;
} {
  const env = make("CartPole-v1");
  const states: Float32Array[] = [];
  let seed = 0;
  let { observation } = env.reset({ seed: seed++ });
  while (states.length < count) {
    const o = Float32Array.from(observation as ArrayLike<number>);
    states.push(o);
    // Alternate with the wrong push now and then so the states are not all near upright.
    const action = states.length % 5 === 0 ? 1 - cartPoleRule(o) : cartPoleRule(o);
    const step = env.step(action);
    observation = step.observation;
    if (step.terminated || step.truncated) ({ observation } = env.reset({ seed: seed++ }));
  }
  const { observationSpace, actionSpace } = env;
  env.close();
  return { states, observationSpace, actionSpace };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("humanLabeler", () => {
  const { states, actionSpace } = cartPoleStates(40);

  test("a labeler that answers correctly gives exactly the right labels, in order", async () => {
    const asked: { index: number; total: number }[] = [];
    const labeler = humanLabeler<Float32Array, number>({
      ask: async (o, { index, total }) => {
        asked.push({ index, total });
        return cartPoleRule(o);
      },
    });
    assert.equal(labeler.name, "human");
    const labels = await labeler.label(states);
    assert.deepEqual(labels, states.map(cartPoleRule));
    assert.deepEqual(
      asked,
      states.map((_, index) => ({ index, total: states.length })),
    );
    checkLabels(labeler, states, labels, actionSpace);
    assert.deepEqual(await labeler.label([]), []);
  });

  test("async answers with varying delays keep their order", async () => {
    const few = states.slice(0, 6);
    const labeler = humanLabeler<Float32Array, number>({
      name: "slow human",
      timeoutMs: 1000,
      ask: async (o, { index }) => {
        await delay((few.length - index) * 3);
        return cartPoleRule(o);
      },
    });
    assert.deepEqual(await labeler.label(few), few.map(cartPoleRule));
  });

  test("a labeler that stops answering times out with the labels collected so far", async () => {
    const signals: AbortSignal[] = [];
    const labeler = humanLabeler<Float32Array, number>({
      timeoutMs: 50,
      ask: (o, { index, signal }) => {
        signals.push(signal);
        // After three answers the person walks away: this promise never settles on its own.
        if (index >= 3) return new Promise<number>(() => undefined);
        return Promise.resolve(cartPoleRule(o));
      },
    });
    const few = states.slice(0, 8);
    const error = await labeler.label(few).then(
      () => assert.fail("label should have timed out"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof LabelTimeoutError, String(error));
    assert.equal(error.code, "LABEL_TIMEOUT");
    assert.equal(error.labelled, 3);
    assert.equal(error.total, 8);
    assert.deepEqual(error.labels, few.slice(0, 3).map(cartPoleRule));
    assert.match(error.message, /human/);
    assert.match(error.message, /after 3 of 8 labels/);
    assert.match(error.message, /collected so far are kept/);
    assert.equal(signals.length, 4, "the labeler stops at the unanswered state");
    assert.deepEqual(
      signals.map((s) => s.aborted),
      [false, false, false, true],
    );
    assert.equal(signals[3]!.reason, error);
  });

  test("an ask that honours its signal and rejects on abort still gives a LabelTimeoutError", async () => {
    const labeler = humanLabeler<Float32Array, number>({
      timeoutMs: 20,
      ask: (_o, { signal }) =>
        new Promise<number>((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(new Error("dialog closed")));
        }),
    });
    await assert.rejects(labeler.label(states.slice(0, 2)), (e: unknown) => {
      assert.ok(e instanceof LabelTimeoutError);
      assert.equal(e.labelled, 0);
      assert.deepEqual(e.labels, []);
      return true;
    });
  });

  test("an ask that fails names the labeler and the state", async () => {
    const labeler = humanLabeler<Float32Array, number>({
      name: "dashboard",
      ask: async (o, { index }) => {
        if (index === 2) throw new Error("socket closed");
        return cartPoleRule(o);
      },
    });
    await assert.rejects(labeler.label(states.slice(0, 5)), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /dashboard/);
      assert.match(e.message, /state 2 of 5/);
      assert.match(e.message, /socket closed/);
      assert.equal((e.cause as Error).message, "socket closed");
      return true;
    });
    // A synchronous throw is reported the same way.
    const sync = humanLabeler<Float32Array, number>({
      ask: () => {
        throw new Error("no UI");
      },
    });
    await assert.rejects(sync.label(states.slice(0, 1)), /human failed on state 0 of 1.*no UI/);
  });

  test("bad options are refused", () => {
    const ask = async () => 0;
    for (const timeoutMs of [0, -5, Number.NaN, 2 ** 40]) {
      assert.throws(() => humanLabeler({ ask, timeoutMs }), InvalidOptionError);
    }
    assert.doesNotThrow(() => humanLabeler({ ask, timeoutMs: Number.POSITIVE_INFINITY }));
  });
});

describe("teacherExpert", () => {
  let dir: string;
  let reference: NeuralPolicy;
  const { states, observationSpace, actionSpace } = cartPoleStates(200);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mimic-labelers-"));
    reference = await NeuralPolicy.create({
      observationSpace,
      actionSpace,
      envId: "CartPole-v1",
      hidden: [8],
      seed: 0,
    });
    await reference.save(join(dir, "policy"));
    // A run directory: a manifest beside the policy/ folder.
    await mkdir(join(dir, "run", "policy"), { recursive: true });
    await writeFile(join(dir, "run", "manifest.json"), "{}\n");
    await reference.save(join(dir, "run", "policy"));
  });
  after(async () => {
    reference.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test("labels like its own deterministic act, from a policy or a run directory", async () => {
    const expected = states.map((o) => reference.act(o, { deterministic: true }));
    // The untrained network should not be constant, or the comparison says little.
    assert.ok(new Set(expected).size === 2, "the reference policy takes both actions");
    for (const path of [join(dir, "policy"), join(dir, "run")]) {
      const teacher = await teacherExpert(path, { expectEnvId: "CartPole-v1" });
      try {
        assert.equal(teacher.name, `teacher ${path}`);
        assert.equal(teacher.policy.envId, "CartPole-v1");
        const labels = await teacher.label(states);
        assert.deepEqual(labels, expected);
        checkLabels(teacher, states, labels, actionSpace);
        // Plain arrays label the same, and one state at a time too.
        assert.deepEqual(await teacher.label(states.map((o) => Array.from(o))), expected);
        assert.deepEqual(await teacher.label(states.slice(7, 8)), expected.slice(7, 8));
        assert.deepEqual(await teacher.label([]), []);
      } finally {
        teacher.policy.dispose();
      }
    }
  });

  test("a teacher for another env is refused, naming both ids", async () => {
    await assert.rejects(teacherExpert(join(dir, "policy"), { expectEnvId: "Acrobot-v1" }), (e: unknown) => {
      assert.ok(e instanceof EnvMismatchError);
      assert.equal(e.expected, "Acrobot-v1");
      assert.equal(e.actual, "CartPole-v1");
      assert.match(e.message, /teacher/);
      assert.match(e.message, /CartPole-v1/);
      assert.match(e.message, /Acrobot-v1/);
      return true;
    });
  });

  test("a wrong-width state is refused by act, not silently batched", async () => {
    const teacher = await teacherExpert(join(dir, "policy"));
    try {
      assert.throws(
        () => teacher.label([states[0]!, Float32Array.of(1, 2)]),
        /act: expected an observation of 4/,
      );
    } finally {
      teacher.policy.dispose();
    }
  });
});

describe("checkLabels", () => {
  test("an out-of-space action names the expert and the state", () => {
    const { states, actionSpace } = cartPoleStates(3);
    const expert: Expert<Float32Array, number> = { name: "sloppy human", label: (os) => os.map(() => 2) };
    const labels = expert.label(states) as number[];
    assert.throws(
      () => checkLabels(expert, states, labels, actionSpace),
      (e: unknown) => {
        assert.ok(e instanceof InvalidActionError);
        assert.match(e.message, /sloppy human/);
        assert.match(e.message, /state it labelled was/);
        return true;
      },
    );
    assert.throws(
      () => checkLabels(expert, states, labels.slice(1), actionSpace),
      /returned 2 labels for 3 states/,
    );
  });
});
