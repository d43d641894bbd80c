/**
 * @module
 * `DomPolicy`: a pointer-network policy for web tasks (issue 19). It scores every candidate action
 * of a page — click each element, type each field into each text input, press each key — and
 * picks one with a single softmax over the valid candidates, so the action space grows with the
 * page instead of being a fixed list of classes (Vinyals et al. 2015's pointer networks; the
 * DOM-element scoring of Liu et al. 2018 and Humphreys et al. 2022 on MiniWoB++).
 *
 * The items are `dom-features.ts`'s: N element slots and K key items, `D` features each. Per row:
 *
 *     h    = ReLU(X·W_e + b_e)                       PerItem Dense   [N+K, D] → [N+K, W]
 *     a    = MultiHeadAttention(h), padding masked   (no residual)   [N+K, W] → [N+K, W]
 *     z    = ReLU([h, a]·W_h + b_h)                  PerItem Dense   [N+K, 2W] → [N+K, W]
 *     o    = z·W_o + b_o                             PerItem Dense   [N+K, W] → [N+K, 2]
 *     s_i0     = o_i0                     click(element i), or press(key i)
 *     s_i,1+j  = o_i1 + b_j + u · q_ij    type(element i, field j)
 *     π    = softmax of s over the valid candidates (`DomItems.candidates`)
 *
 * The concatenation of h with a is the skip connection (the attention layer has none of its own),
 * so an element's own features reach the head unmixed. A type score is the item's "type here"
 * score o_i1, a per-field bias b_j (which field comes first) and a *field-relative* term: q_ij is
 * the item's `field` feature group for field j (its value equals field j's, its label names field
 * j's key, …) and u one weight vector shared by every item and field. An earlier head with one
 * output column per field (`Dense(W → 1 + F)`) fit the demonstrations but could learn "which
 * field" from whatever told the examples apart (words, positions): on synthetic login pages
 * (`test/helpers/synthetic-web.ts`, 5 training seeds) it succeeded on 0.70–1.0 of new pages from
 * 3 demonstrations per family and 0.82–1.0 from 5, against 0.98–1.0 and 0.96–1.0 with u shared,
 * where "labelled with field j's key" is one weight learned from every field of every example.
 *
 * Training minimizes the demonstrated candidate's cross-entropy, mean over the batch, plus
 * `l2 / 2 · Σ w²` over every parameter: ∂/∂s = (π − y) / rows at the valid candidates and 0
 * elsewhere. Adam (`FusedAdam`) updates the one flat parameter vector: the layers' parameters in
 * order, then b (F), then u (`FIELD_FEATURES`).
 *
 * Saved as one JSON file (`mimic-dom-policy` v1): the encoding's sizes, the options, base64
 * float32 parameters.
 */
import { InvalidOptionError, PolicyLoadError, ShapeMismatchError } from "../core/errors.js";
import { writeFileAtomic } from "../core/files.js";
import type { ActOptions, Policy } from "../core/policy.js";
import { type Rng, rngFromSeed } from "../core/rng.js";
import {
  ELEMENT_NUMBERS,
  type EncodedWebObservation,
  type WebObservation,
  type WebSpaceOptions,
  type WebSpaces,
  webSpaces,
} from "../envs/web/observation.js";
import { VERSION } from "../version.js";
import { decodeFloat32, encodeFloat32 } from "./base64.js";
import { checkFiniteGradients, readPolicyJson } from "./categorical-act.js";
import {
  actionOf,
  createDomItems,
  type DomFeatureLayout,
  type DomItems,
  domFeatureLayout,
  FIELD_FEATURES,
  writeDomItems,
} from "./dom-features.js";
import { FusedAdam } from "./fused/adam.js";
import { Arena, type F32Slot, type FusedEngine } from "./fused/arena.js";
import { ItemMask, MultiHeadAttention } from "./layers/attention.js";
import { Dense } from "./layers/dense.js";
import { PerItem } from "./layers/set-encoder.js";
import type { TrainerState } from "./trainer.js";

const FORMAT = "mimic-dom-policy";
/** Per item, the head's outputs: the click (or press) score and the type score. */
const HEAD_OUTPUTS = 2;

export interface DomPolicyOptions {
  /** The encoding's sizes (`webSpaces(sizes)`); default `webSpaces()`'s. */
  sizes?: WebSpaceOptions;
  envId?: string;
  /** Width of the item embedding, the attention and the hidden layer (default 64). */
  width?: number;
  /** Attention heads (default 4; must divide `width`). */
  heads?: number;
  /** Hashed word buckets of an element's text and of the utterance (default 32 each). */
  textBuckets?: number;
  utteranceBuckets?: number;
  /** Activation of the embedding and hidden layers (default relu). */
  activation?: "relu" | "tanh";
  learningRate?: number;
  /** L2 penalty coefficient on every parameter (default 0). */
  l2?: number;
  seed?: number | bigint;
  engine?: FusedEngine;
}

/** A batch of items (`createDomItems(layout, rows)`) with each row's demonstrated candidate. */
export interface DomBatch extends DomItems {
  /** Per row, the candidate index (item · (1 + F) + column) the expert chose. */
  targets: Int32Array;
}

/** What a loss evaluation measured. */
export interface DomLossStats {
  /** Mean cross-entropy plus the L2 term. */
  loss: number;
  /** Mean cross-entropy of the demonstrated candidates. */
  nll: number;
  /** Fraction of rows whose most likely valid candidate is the demonstrated one. */
  accuracy: number;
}

interface DomPolicyFile {
  format: typeof FORMAT;
  formatVersion: 1;
  mimicVersion: string;
  envId: string;
  sizes: WebSpaceOptions;
  width: number;
  heads: number;
  textBuckets: number;
  utteranceBuckets: number;
  activation: "relu" | "tanh";
  learningRate: number;
  l2: number;
  weights: string;
}

export class DomPolicy implements Policy<EncodedWebObservation | WebObservation, Int32Array> {
  readonly name = "dom-pointer";
  readonly envId: string;
  readonly spaces: WebSpaces;
  readonly layout: DomFeatureLayout;
  readonly width: number;
  readonly heads: number;
  readonly activation: "relu" | "tanh";
  readonly l2: number;
  readonly parameterCount: number;
  private readonly arena: Arena;
  private readonly mask: ItemMask;
  private readonly embed: PerItem;
  private readonly attention: MultiHeadAttention;
  private readonly hidden: PerItem;
  private readonly head: PerItem;
  /** Where each block's parameters start, in numbers. */
  private readonly offsets: {
    embed: number;
    attention: number;
    hidden: number;
    head: number;
    fieldBias: number;
    fieldWeights: number;
  };
  private readonly params: F32Slot;
  private readonly grads: F32Slot;
  private readonly adam: FusedAdam;
  private readonly fallbackRng: Rng;
  private capacity = 0;
  private input!: F32Slot;
  private concat!: F32Slot;
  private dAttention!: F32Slot;
  private dEmbed!: F32Slot;
  private scores!: F32Slot;
  private dScores!: F32Slot;
  private dHead!: F32Slot;
  private probs = new Float64Array(0);
  private single: DomItems;

  constructor(options: DomPolicyOptions = {}) {
    this.spaces = webSpaces(options.sizes ?? {});
    this.envId = options.envId ?? "unknown";
    this.width = options.width ?? 64;
    this.heads = options.heads ?? 4;
    this.activation = options.activation ?? "relu";
    this.l2 = options.l2 ?? 0;
    if (this.activation !== "relu" && this.activation !== "tanh") {
      throw new InvalidOptionError(
        "activation",
        `DomPolicy: activation is "relu" or "tanh", got ${String(this.activation)}.`,
      );
    }
    if (!Number.isFinite(this.l2) || this.l2 < 0) {
      throw new InvalidOptionError("l2", `DomPolicy: l2 must be a finite number ≥ 0, got ${this.l2}.`);
    }
    const { maxElements, maxFields } = this.spaces.sizes;
    this.layout = domFeatureLayout({
      maxElements,
      maxFields,
      textBuckets: options.textBuckets,
      utteranceBuckets: options.utteranceBuckets,
    });
    const { items, width: features } = this.layout;
    const w = this.width;
    const arena = new Arena(options.engine ?? "auto");
    this.arena = arena;
    this.mask = new ItemMask(arena, items);
    const activation = this.activation;
    this.embed = new PerItem(new Dense({ arena, inputSize: features, units: w, activation }), items);
    this.attention = new MultiHeadAttention({
      arena,
      items,
      features: w,
      heads: this.heads,
      mask: this.mask,
    });
    this.hidden = new PerItem(new Dense({ arena, inputSize: 2 * w, units: w, activation }), items);
    // Per item: the click (or press) score and the type score.
    this.head = new PerItem(new Dense({ arena, inputSize: w, units: HEAD_OUTPUTS }), items);
    const attention = this.embed.parameterCount;
    const hidden = attention + this.attention.parameterCount;
    const head = hidden + this.hidden.parameterCount;
    const fieldBias = head + this.head.parameterCount;
    const fieldWeights = fieldBias + this.layout.maxFields;
    this.offsets = { embed: 0, attention, hidden, head, fieldBias, fieldWeights };
    this.parameterCount = fieldWeights + FIELD_FEATURES;
    this.params = arena.slot(this.parameterCount);
    this.grads = arena.slot(this.parameterCount);
    const rng = rngFromSeed(options.seed ?? 0);
    const p = this.params.array;
    this.embed.init(p.subarray(0, attention), rng);
    this.attention.init(p.subarray(attention, hidden), rng);
    this.hidden.init(p.subarray(hidden, head), rng);
    this.head.init(p.subarray(head, fieldBias), rng);
    // Small scores at first (as EncoderPolicy's head), so the first policy is near uniform.
    for (let i = head; i < fieldBias; i++) p[i] = p[i]! * 0.01;
    p.fill(0, fieldBias, this.parameterCount);
    this.adam = new FusedAdam([this.parameterCount], { learningRate: options.learningRate ?? 1e-3 }, arena);
    this.fallbackRng = rng.spawn();
    this.single = createDomItems(this.layout, 1);
    this.reserve(1);
  }

  get learningRate(): number {
    return this.adam.learningRate;
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    this.capacity = rows;
    const { items, width: features, columns } = this.layout;
    const w = this.width;
    this.embed.reserve(rows);
    this.attention.reserve(rows);
    this.hidden.reserve(rows);
    this.head.reserve(rows);
    this.input = this.arena.slot(rows * items * features);
    this.concat = this.arena.slot(rows * items * 2 * w);
    this.dAttention = this.arena.slot(rows * items * w);
    this.dEmbed = this.arena.slot(rows * items * w);
    this.scores = this.arena.slot(rows * items * columns);
    this.dScores = this.arena.slot(rows * items * columns);
    this.dHead = this.arena.slot(rows * items * HEAD_OUTPUTS);
    this.probs = new Float64Array(items * columns);
  }

  /** The items of one observation, encoded (as the env gives it) or decoded. */
  items(observation: EncodedWebObservation | WebObservation, out?: DomItems, row = 0): DomItems {
    const target = out ?? createDomItems(this.layout, 1);
    writeDomItems(this.decode(observation), this.layout, target, row);
    return target;
  }

  private decode(observation: EncodedWebObservation | WebObservation): WebObservation {
    if (observation === null || typeof observation !== "object") {
      throw new ShapeMismatchError(
        `DomPolicy: an observation is an object (a web observation), got ${String(observation)}.`,
      );
    }
    if (typeof (observation as WebObservation).utterance === "string") return observation as WebObservation;
    const o = observation as EncodedWebObservation;
    const { maxElements: n, maxFields: f, textBytes: l, tagBytes: g, utteranceBytes: u } = this.spaces.sizes;
    const leaves: [string, unknown, number][] = [
      ["utterance", o.utterance, u],
      ["fields", o.fields, f * 2 * l],
      ["elements/tag", o.elements?.tag, n * g],
      ["elements/text", o.elements?.text, n * l],
      ["elements/value", o.elements?.value, n * l],
      ["elements/numbers", o.elements?.numbers, n * ELEMENT_NUMBERS.length],
    ];
    for (const [path, value, size] of leaves) {
      if (!ArrayBuffer.isView(value) || (value as Uint8Array).length !== size) {
        throw new ShapeMismatchError(
          `DomPolicy: the observation's "${path}" should be a typed array of ${size} values (${this.spaces.observation}), got ${value === undefined ? "nothing" : ArrayBuffer.isView(value) ? `${(value as Uint8Array).length} values` : typeof value}.`,
        );
      }
    }
    return this.spaces.decodeObservation(o);
  }

  /**
   * Scores `[rows, items, 1 + F]` of a batch of items (invalid candidates included: mask them
   * with `candidates`). The array is reused by the next call.
   */
  logits(batch: Pick<DomItems, "features" | "itemMask">, rows: number): Float32Array {
    const { items, width: features } = this.layout;
    if (!Number.isInteger(rows) || rows < 1) {
      throw new ShapeMismatchError(`DomPolicy: rows must be a positive integer, got ${rows}.`);
    }
    if (batch.features.length < rows * items * features || batch.itemMask.length < rows * items) {
      throw new ShapeMismatchError(
        `DomPolicy: ${rows} rows need ${rows * items * features} features and ${rows * items} mask values (${items} items of ${features}), got ${batch.features.length} and ${batch.itemMask.length}.`,
      );
    }
    this.reserve(rows);
    this.input.array.set(batch.features.subarray(0, rows * items * features));
    this.mask.set(batch.itemMask, rows);
    const p = this.params.ptr;
    const o = this.offsets;
    const w = this.width;
    const h = this.embed.forward(p + 4 * o.embed, this.input, rows);
    const a = this.attention.forward(p + 4 * o.attention, h, rows);
    const c = this.concat.array;
    const hv = h.array;
    const av = a.array;
    for (let m = 0; m < rows * items; m++) {
      c.set(hv.subarray(m * w, (m + 1) * w), 2 * m * w);
      c.set(av.subarray(m * w, (m + 1) * w), (2 * m + 1) * w);
    }
    const z = this.hidden.forward(p + 4 * o.hidden, this.concat, rows);
    const out = this.head.forward(p + 4 * o.head, z, rows).array;
    // s_i0 = o_i0; s_i,1+j = o_i1 + b_j + u · q_ij (q_ij: the item's features of field j).
    const s = this.scores.array;
    const x = this.input.array;
    const params = this.params.array;
    const { columns } = this.layout;
    const q0 = this.layout.groups.field.offset;
    for (let m = 0; m < rows * items; m++) {
      const ob = m * HEAD_OUTPUTS;
      const xb = m * features + q0;
      s[m * columns] = out[ob]!;
      for (let j = 1; j < columns; j++) {
        let acc = out[ob + 1]! + params[o.fieldBias + j - 1]!;
        const qb = xb + FIELD_FEATURES * (j - 1);
        for (let k = 0; k < FIELD_FEATURES; k++) acc += params[o.fieldWeights + k]! * x[qb + k]!;
        s[m * columns + j] = acc;
      }
    }
    return s;
  }

  /**
   * The masked softmax cross-entropy of `rows` rows' scores against their targets; with `grad`,
   * writes ∂(mean loss)/∂scores into it ((π − y) / rows at valid candidates, 0 elsewhere).
   */
  private crossEntropy(
    logits: Float32Array,
    batch: DomBatch,
    rows: number,
    grad: Float32Array | null,
  ): { nll: number; accuracy: number } {
    const n = this.layout.items * this.layout.columns;
    if (batch.candidates.length < rows * n || batch.targets.length < rows) {
      throw new ShapeMismatchError(
        `DomPolicy: ${rows} rows need ${rows * n} candidate flags and ${rows} targets, got ${batch.candidates.length} and ${batch.targets.length}.`,
      );
    }
    let nll = 0;
    let correct = 0;
    const p = this.probs;
    for (let r = 0; r < rows; r++) {
      const base = r * n;
      const target = batch.targets[r]!;
      if (!Number.isInteger(target) || target < 0 || target >= n || batch.candidates[base + target] !== 1) {
        throw new ShapeMismatchError(
          `DomPolicy: row ${r}'s target candidate ${target} is not a valid candidate of its observation.`,
        );
      }
      let max = Number.NEGATIVE_INFINITY;
      let best = -1;
      for (let k = 0; k < n; k++) {
        if (batch.candidates[base + k] === 1 && logits[base + k]! > max) {
          max = logits[base + k]!;
          best = k;
        }
      }
      let total = 0;
      for (let k = 0; k < n; k++) {
        const e = batch.candidates[base + k] === 1 ? Math.exp(logits[base + k]! - max) : 0;
        p[k] = e;
        total += e;
      }
      nll -= logits[base + target]! - max - Math.log(total);
      if (best === target) correct++;
      if (grad !== null) {
        for (let k = 0; k < n; k++) grad[base + k] = (p[k]! / total - (k === target ? 1 : 0)) / rows;
        for (let k = 0; k < n; k++) if (batch.candidates[base + k] !== 1) grad[base + k] = 0;
      }
    }
    return { nll: nll / rows, accuracy: correct / rows };
  }

  private l2Term(): number {
    if (this.l2 === 0) return 0;
    return 0.5 * this.l2 * this.arena.kernels.sumSquares(this.params.ptr, this.parameterCount);
  }

  /** The loss of a batch, without training. */
  evaluate(batch: DomBatch, rows: number): DomLossStats {
    const logits = this.logits(batch, rows);
    const { nll, accuracy } = this.crossEntropy(logits, batch, rows, null);
    return { loss: nll + this.l2Term(), nll, accuracy };
  }

  /**
   * The loss of a batch and its gradient with respect to every parameter (a copy, in the order of
   * `getWeights`), without an update.
   */
  gradient(batch: DomBatch, rows: number): DomLossStats & { gradient: Float32Array } {
    const stats = this.backprop(batch, rows);
    return { ...stats, gradient: this.grads.array.slice(0, this.parameterCount) };
  }

  /** One Adam step on a batch; returns the loss before the step. */
  trainStep(batch: DomBatch, rows: number): DomLossStats {
    const stats = this.backprop(batch, rows);
    checkFiniteGradients("DomPolicy", this.arena, this.grads, this.parameterCount);
    this.adam.update(this.params.array, this.grads.array);
    return stats;
  }

  /** Forward, loss and backward: the parameter gradient into `grads`. */
  private backprop(batch: DomBatch, rows: number): DomLossStats {
    const logits = this.logits(batch, rows);
    const { nll, accuracy } = this.crossEntropy(logits, batch, rows, this.dScores.array);
    // ∂o_i0 = ∂s_i0; ∂o_i1 = Σ_j ∂s_i,1+j; ∂b_j = Σ_i ∂s_i,1+j; ∂u_k = Σ_ij ∂s_i,1+j · q_ijk.
    const { columns, items: n, width: features } = this.layout;
    const ds = this.dScores.array;
    const dOut = this.dHead.array;
    const x = this.input.array;
    const q0 = this.layout.groups.field.offset;
    const grads = this.grads.array;
    const fb = this.offsets.fieldBias;
    const fu = this.offsets.fieldWeights;
    grads.fill(0, fb, fb + columns - 1 + FIELD_FEATURES);
    for (let i = 0; i < rows * n; i++) {
      const d = i * HEAD_OUTPUTS;
      dOut[d] = ds[i * columns]!;
      let type = 0;
      for (let j = 1; j < columns; j++) {
        type += ds[i * columns + j]!;
        grads[fb + j - 1] = grads[fb + j - 1]! + ds[i * columns + j]!;
      }
      dOut[d + 1] = type;
      for (let j = 1; j < columns; j++) {
        const g = ds[i * columns + j]!;
        if (g === 0) continue;
        const qb = i * features + q0 + FIELD_FEATURES * (j - 1);
        for (let k = 0; k < FIELD_FEATURES; k++) grads[fu + k] = grads[fu + k]! + g * x[qb + k]!;
      }
    }
    const p = this.params.ptr;
    const g = this.grads.ptr;
    const o = this.offsets;
    const w = this.width;
    const m = rows * this.layout.items;
    const dz = this.head.backward(p + 4 * o.head, g + 4 * o.head, this.dHead, rows, true)!;
    const dConcat = this.hidden.backward(p + 4 * o.hidden, g + 4 * o.hidden, dz, rows, true)!.array;
    // Split ∂[h, a] into ∂h (the skip) and ∂a (into the attention).
    const dh = this.dEmbed.array;
    const da = this.dAttention.array;
    for (let i = 0; i < m; i++) {
      dh.set(dConcat.subarray(2 * i * w, (2 * i + 1) * w), i * w);
      da.set(dConcat.subarray((2 * i + 1) * w, (2 * i + 2) * w), i * w);
    }
    const dhAttention = this.attention.backward(
      p + 4 * o.attention,
      g + 4 * o.attention,
      this.dAttention,
      rows,
      true,
    )!.array;
    const dhAll = this.dEmbed.array;
    for (let i = 0; i < m * w; i++) dhAll[i] = dhAll[i]! + dhAttention[i]!;
    this.embed.backward(p + 4 * o.embed, g + 4 * o.embed, this.dEmbed, rows, false);
    if (this.l2 > 0) {
      const params = this.params.array;
      const grads = this.grads.array;
      for (let i = 0; i < this.parameterCount; i++) grads[i] = grads[i]! + this.l2 * params[i]!;
    }
    return { loss: nll + this.l2Term(), nll, accuracy };
  }

  /**
   * The action `[kind, element, arg]` for an observation: the most likely valid candidate
   * (`deterministic`), or one drawn from the masked softmax with `options.rng` (default: the
   * policy's own stream).
   */
  act(observation: EncodedWebObservation | WebObservation, options: ActOptions = {}): Int32Array {
    const items = this.items(observation, this.single);
    const scores = this.logits(items, 1);
    const n = this.layout.items * this.layout.columns;
    let max = Number.NEGATIVE_INFINITY;
    let best = -1;
    for (let k = 0; k < n; k++) {
      if (items.candidates[k] === 1 && scores[k]! > max) {
        max = scores[k]!;
        best = k;
      }
    }
    if (!options.deterministic) {
      let total = 0;
      for (let k = 0; k < n; k++) total += items.candidates[k] === 1 ? Math.exp(scores[k]! - max) : 0;
      let u = (options.rng ?? this.fallbackRng).uniform(0, 1) * total;
      for (let k = 0; k < n; k++) {
        if (items.candidates[k] !== 1) continue;
        u -= Math.exp(scores[k]! - max);
        best = k;
        if (u < 0) break;
      }
    }
    return actionOf(best, this.layout);
  }

  getWeights(): Float32Array {
    return this.params.array.slice(0, this.parameterCount);
  }

  setWeights(weights: ArrayLike<number>): void {
    if (weights.length !== this.parameterCount) {
      throw new ShapeMismatchError(
        `DomPolicy.setWeights: expected ${this.parameterCount} parameters, got ${weights.length}.`,
      );
    }
    this.params.array.set(weights);
  }

  /** Adam's state (step count and both moments, exactly), for a checkpoint. */
  getOptimizerState(): TrainerState {
    return this.adam.getState();
  }

  /** Restores Adam's state from `getOptimizerState`, so training continues bit for bit. */
  setOptimizerState(state: TrainerState): void {
    this.adam.setState(state);
  }

  toJSON(): DomPolicyFile {
    const { screenshot, ...sizes } = this.spaces.sizes;
    return {
      format: FORMAT,
      formatVersion: 1,
      mimicVersion: VERSION,
      envId: this.envId,
      sizes: screenshot ? { ...sizes, screenshot: { ...screenshot } } : sizes,
      width: this.width,
      heads: this.heads,
      textBuckets: this.layout.textBuckets,
      utteranceBuckets: this.layout.utteranceBuckets,
      activation: this.activation,
      learningRate: this.adam.learningRate,
      l2: this.l2,
      weights: encodeFloat32(this.getWeights()),
    };
  }

  async save(path: string): Promise<void> {
    await writeFileAtomic(path, `${JSON.stringify(this.toJSON())}\n`);
  }

  static fromJSON(file: unknown, where = "the policy", engine?: FusedEngine): DomPolicy {
    const f = file as Partial<DomPolicyFile> | null;
    if (f === null || typeof f !== "object" || f.format !== FORMAT) {
      throw new PolicyLoadError(where, `${where} is not a DOM policy file (format "${FORMAT}").`);
    }
    if (f.formatVersion !== 1) {
      throw new PolicyLoadError(
        where,
        `${where} is a DOM policy file of format version ${String(f.formatVersion)}; this mimic (${VERSION}) reads version 1.`,
      );
    }
    let policy: DomPolicy;
    try {
      policy = new DomPolicy({
        sizes: f.sizes,
        envId: String(f.envId),
        width: f.width,
        heads: f.heads,
        textBuckets: f.textBuckets,
        utteranceBuckets: f.utteranceBuckets,
        activation: f.activation,
        learningRate: f.learningRate,
        l2: f.l2,
        engine,
      });
    } catch (error) {
      throw new PolicyLoadError(where, `${where} is damaged: ${(error as Error).message}`, { cause: error });
    }
    const weights = decodeFloat32(f.weights);
    if (weights === null || weights.length !== policy.parameterCount) {
      throw new PolicyLoadError(
        where,
        `${where} holds ${weights?.length ?? "no readable"} weights; its layout needs ${policy.parameterCount}. The file is damaged, or was saved with another set of page features (before this mimic ${VERSION}): train it again with mimic train bc-dom.`,
      );
    }
    policy.setWeights(weights);
    return policy;
  }

  static async load(path: string, engine?: FusedEngine): Promise<DomPolicy> {
    return DomPolicy.fromJSON(await readPolicyJson(path, "DOM policy"), path, engine);
  }
}
