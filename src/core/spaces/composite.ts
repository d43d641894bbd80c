/** @module The composite spaces: `DictSpace` (named subspaces) and `TupleSpace` (an ordered list). */
import { InvalidSpaceError } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Space, SpaceJson, SpaceValue } from "./space.js";
import { formatValue } from "./values.js";

type DictValue = { readonly [key: string]: SpaceValue };

/** Named subspaces. Keys are kept sorted, as Gymnasium's `Dict` sorts a plain mapping. */
export class DictSpace implements Space<DictValue> {
  readonly kind = "dict" as const;
  readonly spaces: Readonly<Record<string, Space>>;
  readonly keys: readonly string[];
  readonly flatDim: number;

  constructor(spaces: Record<string, Space>) {
    this.keys = Object.keys(spaces).sort();
    if (this.keys.length === 0) throw new InvalidSpaceError("Dict: needs at least one subspace.");
    this.spaces = Object.fromEntries(this.keys.map((k) => [k, spaces[k]!]));
    this.flatDim = this.keys.reduce((sum, k) => sum + this.spaces[k]!.flatDim, 0);
  }

  contains(x: unknown): x is DictValue {
    return this.explain(x) === null;
  }

  explain(x: unknown): string | null {
    if (typeof x !== "object" || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) {
      return `expected an object with keys ${this.keys.join(", ")}, got ${formatValue(x)}`;
    }
    const record = x as Record<string, unknown>;
    const extra = Object.keys(record).filter((k) => !(k in this.spaces));
    if (extra.length > 0) return `unexpected key ${JSON.stringify(extra[0])}`;
    for (const key of this.keys) {
      if (!(key in record)) return `missing key ${JSON.stringify(key)}`;
      const why = this.spaces[key]!.explain(record[key]);
      if (why !== null) return `${key}: ${why}`;
    }
    return null;
  }

  sample(rng: Rng): DictValue {
    return Object.fromEntries(this.keys.map((k) => [k, this.spaces[k]!.sample(rng)]));
  }

  flatten(x: DictValue): Float32Array {
    const out = new Float32Array(this.flatDim);
    let offset = 0;
    for (const key of this.keys) {
      const part = this.spaces[key]!.flatten(x[key]!);
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  unflatten(flat: ArrayLike<number>): DictValue {
    if (flat.length !== this.flatDim)
      throw new InvalidSpaceError(`Dict.unflatten: expected ${this.flatDim} values, got ${flat.length}.`);
    const values = Array.from(flat);
    let offset = 0;
    const out: Record<string, SpaceValue> = {};
    for (const key of this.keys) {
      const space = this.spaces[key]!;
      out[key] = space.unflatten(values.slice(offset, offset + space.flatDim));
      offset += space.flatDim;
    }
    return out;
  }

  toJSON(): SpaceJson {
    return {
      type: "Dict",
      subspaces: Object.fromEntries(this.keys.map((k) => [k, this.spaces[k]!.toJSON()])),
    };
  }

  toString(): string {
    return `Dict(${this.keys.map((k) => `'${k}': ${this.spaces[k]}`).join(", ")})`;
  }
}

/** An ordered list of subspaces. */
export class TupleSpace implements Space<readonly SpaceValue[]> {
  readonly kind = "tuple" as const;
  readonly spaces: readonly Space[];
  readonly flatDim: number;

  constructor(spaces: readonly Space[]) {
    if (spaces.length === 0) throw new InvalidSpaceError("Tuple: needs at least one subspace.");
    this.spaces = [...spaces];
    this.flatDim = spaces.reduce((sum, s) => sum + s.flatDim, 0);
  }

  contains(x: unknown): x is readonly SpaceValue[] {
    return this.explain(x) === null;
  }

  explain(x: unknown): string | null {
    if (!Array.isArray(x) || x.length !== this.spaces.length)
      return `expected an array of ${this.spaces.length} values, got ${formatValue(x)}`;
    for (let i = 0; i < x.length; i++) {
      const why = this.spaces[i]!.explain(x[i]);
      if (why !== null) return `[${i}]: ${why}`;
    }
    return null;
  }

  sample(rng: Rng): SpaceValue[] {
    return this.spaces.map((s) => s.sample(rng));
  }

  flatten(x: readonly SpaceValue[]): Float32Array {
    const out = new Float32Array(this.flatDim);
    let offset = 0;
    this.spaces.forEach((s, i) => {
      out.set(s.flatten(x[i]!), offset);
      offset += s.flatDim;
    });
    return out;
  }

  unflatten(flat: ArrayLike<number>): SpaceValue[] {
    if (flat.length !== this.flatDim)
      throw new InvalidSpaceError(`Tuple.unflatten: expected ${this.flatDim} values, got ${flat.length}.`);
    const values = Array.from(flat);
    let offset = 0;
    return this.spaces.map((s) => {
      const part = s.unflatten(values.slice(offset, offset + s.flatDim));
      offset += s.flatDim;
      return part;
    });
  }

  toJSON(): SpaceJson {
    return { type: "Tuple", subspaces: this.spaces.map((s) => s.toJSON()) };
  }

  toString(): string {
    return `Tuple(${this.spaces.join(", ")})`;
  }
}
