/** @module `TextSpace`: strings of bounded length over a character set. */
import { InvalidSpaceError } from "../errors.js";
import type { Rng } from "../rng.js";
import type { Space, SpaceJson } from "./space.js";
import { formatValue } from "./values.js";

/** Gymnasium's default charset: ASCII letters and digits. */
export const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Strings of minLength to maxLength characters drawn from a character set. */
export class TextSpace implements Space<string> {
  readonly kind = "text" as const;
  readonly maxLength: number;
  readonly minLength: number;
  /** The characters, each once, in a fixed order (their index is the flat code). */
  readonly charset: string;
  readonly flatDim: number;
  private readonly chars: readonly string[];
  private readonly index: ReadonlyMap<string, number>;

  constructor(maxLength: number, options: { minLength?: number; charset?: string } = {}) {
    const minLength = options.minLength ?? 1;
    if (!Number.isInteger(maxLength) || maxLength < 1)
      throw new InvalidSpaceError(
        `Text: maxLength must be a positive integer, got ${formatValue(maxLength)}.`,
      );
    if (!Number.isInteger(minLength) || minLength < 0 || minLength > maxLength) {
      throw new InvalidSpaceError(
        `Text: minLength must be an integer from 0 to maxLength (${maxLength}), got ${formatValue(minLength)}.`,
      );
    }
    this.chars = [...new Set(Array.from(options.charset ?? ALPHANUMERIC))];
    if (this.chars.length === 0) throw new InvalidSpaceError("Text: the charset is empty.");
    this.charset = this.chars.join("");
    this.index = new Map(this.chars.map((c, i) => [c, i]));
    this.maxLength = maxLength;
    this.minLength = minLength;
    this.flatDim = maxLength;
  }

  contains(x: unknown): x is string {
    return this.explain(x) === null;
  }

  explain(x: unknown): string | null {
    if (typeof x !== "string") return `expected a string, got ${formatValue(x)}`;
    const chars = Array.from(x);
    if (chars.length < this.minLength || chars.length > this.maxLength) {
      return `length ${chars.length} is outside ${this.minLength}..${this.maxLength}`;
    }
    const bad = chars.find((c) => !this.index.has(c));
    return bad === undefined ? null : `character ${JSON.stringify(bad)} is not in the charset`;
  }

  sample(rng: Rng): string {
    const length = this.minLength + rng.integers(this.maxLength - this.minLength + 1);
    let out = "";
    for (let i = 0; i < length; i++) out += this.chars[rng.integers(this.chars.length)];
    return out;
  }

  /** Character indices, padded with `charset.length` (Gymnasium's `flatten` for Text). */
  flatten(x: string): Float32Array {
    const out = new Float32Array(this.maxLength).fill(this.chars.length);
    Array.from(x).forEach((c, i) => {
      out[i] = this.index.get(c)!;
    });
    return out;
  }

  unflatten(flat: ArrayLike<number>): string {
    let out = "";
    for (let i = 0; i < flat.length; i++) {
      const code = flat[i]!;
      if (code >= this.chars.length) break;
      out += this.chars[code];
    }
    return out;
  }

  toJSON(): SpaceJson {
    return { type: "Text", max_length: this.maxLength, min_length: this.minLength, charset: this.charset };
  }

  toString(): string {
    return `Text(${this.minLength}, ${this.maxLength}, charset=${this.charset.slice(0, 20)}${this.charset.length > 20 ? "…" : ""})`;
  }
}
