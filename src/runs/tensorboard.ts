/**
 * @module
 * TensorBoard event files, written without TensorFlow: `Event` protocol buffers in TFRecord
 * framing, one file per writer session, named `events.out.tfevents.<seconds>.<hostname>`.
 *
 * Sources of the format:
 * - tensorboard/compat/proto/event.proto: `Event { double wall_time = 1; int64 step = 2;
 *   oneof what { string file_version = 3; …; Summary summary = 5; …; SessionLog session_log = 7; } }`
 *   and `SessionLog { SessionStatus status = 1; }` with `START = 1`.
 * - tensorboard/compat/proto/summary.proto: `Summary { repeated Value value = 1; }` and
 *   `Value { string tag = 1; oneof value { float simple_value = 2; … } }`.
 * - tensorboard/summary/writer/record_writer.py: a record is `uint64 length`, `uint32 masked crc
 *   of the length bytes`, `data`, `uint32 masked crc of data`, all little-endian.
 * - tensorboard/summary/writer/event_file_writer.py: the first event of a file carries only
 *   `wall_time` and `file_version = "brain.Event:2"`.
 *
 * A resumed run writes a `SessionLog { status: START }` event at the first step it will redo.
 * TensorBoard's Python loader (event_accumulator.py, `_CheckForRestartAndMaybePurge`) then drops
 * the points of earlier files at that step or later, and its Rust loader drops them anyway when a
 * step goes backwards, so the interrupted attempt's tail does not show beside the resumed one.
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { RunDirectoryError } from "../core/errors.js";
import { maskedCrc32c } from "./crc32c.js";

/** The `file_version` of the first event in every file: the current version of event.proto. */
export const EVENT_FILE_VERSION = "brain.Event:2";

// Protocol buffer wire types.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** What an `Event` can carry here: scalars, the file version, or a restart marker. */
export interface EventRecord {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  /** The global step: a non-negative safe integer. */
  step: number;
  fileVersion?: string;
  /** Tag → value, written as `Summary.Value.simple_value` (a float32). */
  scalars?: Readonly<Record<string, number>>;
  /** Writes `session_log { status: START }`. */
  sessionStart?: boolean;
}

/** A growable byte buffer with the few protobuf encoders an `Event` needs. */
class ProtoWriter {
  private bytes = new Uint8Array(64);
  private length = 0;
  private readonly view8 = new DataView(new ArrayBuffer(8));

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** A non-negative integer up to 2⁵³ − 1 as a base-128 varint (low group first). */
  varint(value: number): this {
    this.reserve(10);
    let v = value;
    while (v >= 0x80) {
      this.bytes[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.bytes[this.length++] = v;
    return this;
  }

  key(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  double(field: number, value: number): this {
    this.key(field, FIXED64);
    this.view8.setFloat64(0, value, true);
    return this.raw(new Uint8Array(this.view8.buffer, 0, 8));
  }

  float(field: number, value: number): this {
    this.key(field, FIXED32);
    this.view8.setFloat32(0, value, true);
    return this.raw(new Uint8Array(this.view8.buffer, 0, 4));
  }

  delimited(field: number, payload: Uint8Array): this {
    return this.key(field, LENGTH_DELIMITED).varint(payload.length).raw(payload);
  }

  string(field: number, value: string): this {
    return this.delimited(field, new TextEncoder().encode(value));
  }

  raw(payload: Uint8Array): this {
    this.reserve(payload.length);
    this.bytes.set(payload, this.length);
    this.length += payload.length;
    return this;
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** The serialized `Event` message (fields in number order; proto3 defaults left out). */
export function encodeEvent(event: EventRecord): Uint8Array {
  const out = new ProtoWriter();
  if (event.wallTime !== 0) out.double(1, event.wallTime);
  if (event.step !== 0) out.key(2, VARINT).varint(event.step);
  if (event.fileVersion !== undefined) out.string(3, event.fileVersion);
  if (event.scalars !== undefined) {
    const summary = new ProtoWriter();
    for (const [tag, value] of Object.entries(event.scalars)) {
      summary.delimited(1, new ProtoWriter().string(1, tag).float(2, value).finish());
    }
    out.delimited(5, summary.finish());
  }
  if (event.sessionStart) out.delimited(7, new ProtoWriter().key(1, VARINT).varint(1).finish());
  return out.finish();
}

/** One TFRecord: `uint64 length`, masked CRC-32C of those 8 bytes, the data, masked CRC-32C of the data. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const record = new Uint8Array(data.length + 16);
  const view = new DataView(record.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(record.subarray(0, 8)), true);
  record.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return record;
}

/**
 * The event file name TensorBoard's writers use: `events.out.tfevents.<10-digit seconds>.<hostname>`
 * (characters of the host name that do not belong in a file name become "_").
 */
export function eventFileName(wallTime: number, hostname: string): string {
  const host = hostname.replace(/[^A-Za-z0-9._-]/g, "_") || "localhost";
  return `events.out.tfevents.${String(Math.floor(wallTime)).padStart(10, "0")}.${host}`;
}

/**
 * Appends events to a new event file. Every write goes straight to the file (no buffer in this
 * process), so a killed process leaves at most its last record cut short, which TensorBoard skips.
 */
export class EventFileWriter {
  /** The event file's path. */
  readonly path: string;
  private fd: number | undefined;

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  /**
   * Creates a new event file in `dir` and writes the `file_version` event. An existing file of the
   * same name (a second writer in the same second) is never touched: the new one gets a `.1`, `.2`,
   * … suffix, which TensorBoard accepts (it reads every file whose name contains "tfevents").
   */
  static create(dir: string, wallTime: number, hostname: string): EventFileWriter {
    const base = join(dir, eventFileName(wallTime, hostname));
    for (let attempt = 0; ; attempt++) {
      const path = attempt === 0 ? base : `${base}.${attempt}`;
      let fd: number;
      try {
        fd = openSync(path, "wx");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST" && attempt < 1000) continue;
        throw error;
      }
      const writer = new EventFileWriter(path, fd);
      writer.write({ wallTime, step: 0, fileVersion: EVENT_FILE_VERSION });
      return writer;
    }
  }

  write(event: EventRecord): void {
    if (this.fd === undefined)
      throw new RunDirectoryError(this.path, `${this.path}: the event file is closed.`);
    writeAll(this.fd, tfRecord(encodeEvent(event)));
  }

  /** Flushes the file to disk. */
  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** `writeSync` until every byte is written (a regular file rarely takes fewer, but may). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
