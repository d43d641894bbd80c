import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { InvalidOptionError, InvalidSeedError, RunDirectoryError } from "../src/core/errors.js";
import { crc32c, maskedCrc32c } from "../src/runs/crc32c.js";
import { formatNumber, formatTick } from "../src/runs/format.js";
import { parseMetrics } from "../src/runs/metrics.js";
import { metricsPlot, renderReport } from "../src/runs/report.js";
import { RunDirectory, readRunMetrics } from "../src/runs/run-directory.js";
import { encodeEvent, tfRecord } from "../src/runs/tensorboard.js";
import { VERSION } from "../src/version.js";

const root = mkdtempSync(join(tmpdir(), "mimic-runs-"));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
/** A fresh path under the test's temporary directory (not created). */
function fresh(name = "run"): string {
  return join(root, `${name}-${dirCount++}`);
}

/** A clock that ticks one second per call, from 2023-11-14T22:13:20Z. */
function tickingClock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => {
    t += 1000;
    return t;
  };
}

const baseOptions = {
  command: ["mimic", "train", "--algo", "bc"],
  config: { algo: "bc", lr: 0.001, hidden: [64, 64] },
  seeds: [0],
};

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!.map((h) => Number.parseInt(h, 16)));
}

// ---------------------------------------------------------------------------------------------
// An independent reader of TensorBoard event files. It shares no code with src/runs: a bitwise
// (table-free) CRC-32C, its own TFRecord framing checks, and its own protobuf wire decoder.
// ---------------------------------------------------------------------------------------------

function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function maskCrc(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

/** The data of every record, checking both CRCs; a record cut short at the end is skipped if allowed. */
function readRecords(bytes: Uint8Array, options: { allowTruncatedTail?: boolean } = {}): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let p = 0;
  while (p < bytes.length) {
    if (p + 12 > bytes.length) {
      if (options.allowTruncatedTail) break;
      throw new Error(`record header at byte ${p} is cut short`);
    }
    const length = Number(view.getBigUint64(p, true));
    const headerCrc = view.getUint32(p + 8, true);
    if (headerCrc !== maskCrc(crc32cBitwise(bytes.subarray(p, p + 8)))) {
      throw new Error(`record at byte ${p}: length CRC mismatch`);
    }
    if (p + 12 + length + 4 > bytes.length) {
      if (options.allowTruncatedTail) break;
      throw new Error(`record at byte ${p} is cut short`);
    }
    const data = bytes.subarray(p + 12, p + 12 + length);
    if (view.getUint32(p + 12 + length, true) !== maskCrc(crc32cBitwise(data))) {
      throw new Error(`record at byte ${p}: data CRC mismatch`);
    }
    records.push(data);
    p += 16 + length;
  }
  return records;
}

type WireValue = { wire: 0; value: bigint } | { wire: 1 | 2 | 5; value: Uint8Array };

function decodeMessage(bytes: Uint8Array): { field: number; wire: number; value: bigint | Uint8Array }[] {
  let p = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (p >= bytes.length) throw new Error("varint runs past the end");
      const b = bytes[p++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error("varint longer than 10 bytes");
    }
  };
  const take = (n: number): Uint8Array => {
    if (p + n > bytes.length) throw new Error("field runs past the end");
    const out = bytes.subarray(p, p + n);
    p += n;
    return out;
  };
  const fields: { field: number; wire: number; value: bigint | Uint8Array }[] = [];
  while (p < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let v: WireValue;
    if (wire === 0) v = { wire, value: varint() };
    else if (wire === 1) v = { wire, value: take(8) };
    else if (wire === 2) v = { wire, value: take(Number(varint())) };
    else if (wire === 5) v = { wire, value: take(4) };
    else throw new Error(`unsupported wire type ${wire}`);
    fields.push({ field, ...v });
  }
  return fields;
}

interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values?: { tag: string; simpleValue: number }[];
  sessionStatus?: number;
}

function expectWire(f: { field: number; wire: number }, wire: number, what: string): void {
  assert.equal(f.wire, wire, `${what} (field ${f.field}) has wire type ${f.wire}, expected ${wire}`);
}

function decodeEventBytes(bytes: Uint8Array): DecodedEvent {
  const event: DecodedEvent = { wallTime: 0, step: 0 };
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  for (const f of decodeMessage(bytes)) {
    const raw = f.value as Uint8Array;
    if (f.field === 1) {
      expectWire(f, 1, "Event.wall_time");
      event.wallTime = new DataView(raw.buffer, raw.byteOffset, 8).getFloat64(0, true);
    } else if (f.field === 2) {
      expectWire(f, 0, "Event.step");
      event.step = Number(f.value as bigint);
    } else if (f.field === 3) {
      expectWire(f, 2, "Event.file_version");
      event.fileVersion = utf8.decode(raw);
    } else if (f.field === 5) {
      expectWire(f, 2, "Event.summary");
      event.values = [];
      for (const v of decodeMessage(raw)) {
        assert.equal(v.field, 1, "Summary has only `repeated Value value = 1`");
        expectWire(v, 2, "Summary.value");
        let tag = "";
        let simpleValue = Number.NaN;
        for (const g of decodeMessage(v.value as Uint8Array)) {
          const b = g.value as Uint8Array;
          if (g.field === 1) {
            expectWire(g, 2, "Value.tag");
            tag = utf8.decode(b);
          } else if (g.field === 2) {
            expectWire(g, 5, "Value.simple_value");
            simpleValue = new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
          } else {
            throw new Error(`unexpected Value field ${g.field}`);
          }
        }
        event.values.push({ tag, simpleValue });
      }
    } else if (f.field === 7) {
      expectWire(f, 2, "Event.session_log");
      for (const g of decodeMessage(raw)) if (g.field === 1) event.sessionStatus = Number(g.value as bigint);
    } else {
      throw new Error(`unexpected Event field ${f.field}`);
    }
  }
  return event;
}

function readEventFile(path: string, options: { allowTruncatedTail?: boolean } = {}): DecodedEvent[] {
  return readRecords(new Uint8Array(readFileSync(path)), options).map(decodeEventBytes);
}

function eventFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.includes("tfevents"))
    .sort()
    .map((f) => join(dir, f));
}

/**
 * What TensorBoard shows for a run: points by tag, reading the files in name order, and, on a
 * SessionLog START at step s, dropping every point seen so far at step s or later
 * (event_accumulator.py, `_CheckForRestartAndMaybePurge`).
 */
function tensorboardView(dir: string): Map<string, [number, number][]> {
  const view = new Map<string, [number, number][]>();
  for (const file of eventFiles(dir)) {
    for (const e of readEventFile(file)) {
      if (e.sessionStatus === 1) {
        for (const [tag, points] of view)
          view.set(
            tag,
            points.filter(([step]) => step < e.step),
          );
      }
      for (const { tag, simpleValue } of e.values ?? []) {
        view.set(tag, [...(view.get(tag) ?? []), [e.step, simpleValue]]);
      }
    }
  }
  return view;
}

const withoutTime = (records: readonly Record<string, number>[]) =>
  records.map(({ time: _time, ...rest }) => rest);

// ---------------------------------------------------------------------------------------------

describe("CRC-32C and TFRecord framing", () => {
  test("standard check values (RFC 3720 B.4 and the CRC catalogue)", () => {
    const bytes = (f: (i: number) => number, n = 32) => Uint8Array.from({ length: n }, (_, i) => f(i));
    assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(0)), 0);
    assert.equal(crc32c(bytes(() => 0)), 0x8a9136aa);
    assert.equal(crc32c(bytes(() => 0xff)), 0x62a8ab43);
    assert.equal(crc32c(bytes((i) => i)), 0x46dd794e);
    assert.equal(crc32c(bytes((i) => 31 - i)), 0x113fdb5c);
    const iscsiRead = hex(
      "01c000000000000000000000000000001400000000000400000000140000001828000000000000000200000000000000",
    );
    assert.equal(crc32c(iscsiRead), 0xd9963a56);
  });

  test("the table CRC agrees with the test's bitwise CRC on many inputs", () => {
    let seed = 7;
    for (let n = 0; n < 300; n++) {
      const data = Uint8Array.from({ length: n }, () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed & 0xff;
      });
      assert.equal(crc32c(data), crc32cBitwise(data));
      assert.equal(maskedCrc32c(data), maskCrc(crc32cBitwise(data)));
    }
  });

  test("masked CRC of a record from a real TensorFlow event file (rustboard's masked_crc.rs)", () => {
    // tf.compat.v1.Event(file_version=b"CRC test, one two"), serialized.
    assert.equal(maskedCrc32c(new TextEncoder().encode("\x1a\x11CRC test, one two")), 0x5794d08a);
  });

  test("records and events byte-for-byte equal to TensorBoard's own writer", () => {
    // Generated with tensorboard 2.21.0: event_pb2.Event(...).SerializeToString(), and
    // tensorboard/summary/writer/record_writer.py RecordWriter.write(ev0), then .write(b"").
    const ev0 = encodeEvent({ wallTime: 1700000000.5, step: 0, fileVersion: "brain.Event:2" });
    assert.deepEqual(ev0, hex("0900002040fc54d9411a0d627261696e2e4576656e743a32"));
    const ev1 = encodeEvent({
      wallTime: 1700000001.25,
      step: 1234567890123,
      scalars: { "train/loss": 0.125, "ü/λ": -3.5 },
    });
    assert.deepEqual(
      ev1,
      hex(
        "0900005040fc54d94110cb89ec8ff7232a210a110a0a747261696e2f6c6f7373150000003e0a0c0a05c3bc2fcebb15000060c0",
      ),
    );
    const ev2 = encodeEvent({ wallTime: 1700000002, step: 501, sessionStart: true });
    assert.deepEqual(ev2, hex("0900008040fc54d94110f5033a020801"));
    const file = new Uint8Array([...tfRecord(ev0), ...tfRecord(new Uint8Array(0))]);
    assert.deepEqual(
      file,
      hex(
        "1800000000000000a37f4b220900002040fc54d9411a0d627261696e2e4576656e743a322b35311000000000000000" +
          "0029039807d8ea82a2",
      ),
    );
  });

  test("the independent reader catches a flipped byte", () => {
    const record = tfRecord(encodeEvent({ wallTime: 1, step: 2, scalars: { a: 1 } }));
    assert.equal(readRecords(record).length, 1);
    for (const at of [3, 10, 14, record.length - 2]) {
      const damaged = record.slice();
      damaged[at]! ^= 0x10;
      assert.throws(() => readRecords(damaged), /CRC mismatch/, `byte ${at}`);
    }
  });
});

describe("RunDirectory: metrics and TensorBoard scalars", () => {
  test("log() appends metrics.jsonl and TensorBoard events that decode back", async () => {
    const dir = fresh();
    const clock = tickingClock();
    const run = await RunDirectory.create(dir, { ...baseOptions, clock, hostname: "testhost" });
    run.log(0, { "train/loss": 0.5, "val/loss": 0.75 });
    run.log(10, { "train/loss": 0.25, lr: 3e-4 });
    run.log(2 ** 40 + 3, { "train/loss": Number.NaN, "ü/λ": -1.5 });
    await run.close();

    const records = run.readMetrics();
    assert.deepEqual(withoutTime(records), [
      { step: 0, "train/loss": 0.5, "val/loss": 0.75 },
      { step: 10, "train/loss": 0.25, lr: 3e-4 },
      { step: 2 ** 40 + 3, "train/loss": Number.NaN, "ü/λ": -1.5 },
    ]);
    assert.deepEqual(
      records.map((r) => r.time),
      [1_700_000_003, 1_700_000_004, 1_700_000_005],
    );
    const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8").split("\n");
    assert.equal(lines[2], `{"step":${2 ** 40 + 3},"time":1700000005,"train/loss":null,"ü/λ":-1.5}`);

    const files = eventFiles(dir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /events\.out\.tfevents\.1700000002\.testhost$/);
    const events = readEventFile(files[0]!);
    assert.equal(events.length, 4);
    assert.deepEqual(events[0], { wallTime: 1_700_000_002, step: 0, fileVersion: "brain.Event:2" });
    assert.deepEqual(events[1], {
      wallTime: 1_700_000_003,
      step: 0,
      values: [
        { tag: "train/loss", simpleValue: 0.5 },
        { tag: "val/loss", simpleValue: 0.75 },
      ],
    });
    assert.deepEqual(events[2]!.values, [
      { tag: "train/loss", simpleValue: 0.25 },
      { tag: "lr", simpleValue: Math.fround(3e-4) },
    ]);
    assert.equal(events[2]!.step, 10);
    assert.equal(events[3]!.step, 2 ** 40 + 3);
    assert.ok(Number.isNaN(events[3]!.values![0]!.simpleValue));
    assert.deepEqual(events[3]!.values![1], { tag: "ü/λ", simpleValue: -1.5 });
  });

  test("log() refuses bad steps, reserved names and non-numbers, and a closed run", async () => {
    const run = await RunDirectory.create(fresh(), { ...baseOptions, clock: tickingClock() });
    assert.throws(() => run.log(-1, { a: 1 }), InvalidOptionError);
    assert.throws(() => run.log(1.5, { a: 1 }), InvalidOptionError);
    assert.throws(() => run.log(0, { step: 1 }), /cannot be named "step"/);
    assert.throws(() => run.log(0, { time: 1 }), /cannot be named "time"/);
    assert.throws(() => run.log(0, { a: "1" as unknown as number }), InvalidOptionError);
    assert.equal(run.readMetrics().length, 0);
    await run.close();
    await run.close();
    assert.throws(
      () => run.log(0, { a: 1 }),
      (e: unknown) => e instanceof RunDirectoryError && /closed/.test(e.message),
    );
  });

  test("a metrics line cut short is ignored on read and cut off when the run is reopened", async () => {
    const dir = fresh();
    const clock = tickingClock();
    const run = await RunDirectory.create(dir, { ...baseOptions, clock });
    run.log(1, { loss: 1 });
    run.log(2, { loss: 0.5 });
    await run.close();
    appendFileSync(join(dir, "metrics.jsonl"), '{"step":3,"time":1700000009.5,"lo');
    assert.deepEqual(
      readRunMetrics(dir).map((r) => r.step),
      [1, 2],
    );

    const reopened = await RunDirectory.open(dir, { clock });
    reopened.log(3, { loss: 0.25 });
    await reopened.close();
    assert.deepEqual(
      reopened.readMetrics().map((r) => [r.step, r.loss]),
      [
        [1, 1],
        [2, 0.5],
        [3, 0.25],
      ],
    );
    assert.ok(readFileSync(join(dir, "metrics.jsonl"), "utf8").endsWith("}\n"));
  });

  test("a whole last record without its newline is kept, and gets one on reopen", async () => {
    const dir = fresh();
    const clock = tickingClock();
    const run = await RunDirectory.create(dir, { ...baseOptions, clock });
    await run.close();
    writeFileSync(join(dir, "metrics.jsonl"), '{"step":1,"time":5,"a":1}\n{"step":2,"time":6,"a":2}');
    assert.equal(readRunMetrics(dir).length, 2);
    const reopened = await RunDirectory.open(dir, { clock });
    reopened.log(3, { a: 3 });
    await reopened.close();
    assert.deepEqual(
      reopened.readMetrics().map((r) => r.a),
      [1, 2, 3],
    );
  });

  test("a damaged line in the middle is an error that names the line", () => {
    assert.throws(
      () => parseMetrics('{"step":1,"time":2}\nnot json\n{"step":3,"time":4}\n', "m.jsonl"),
      (e: unknown) => e instanceof RunDirectoryError && /m\.jsonl: line 2/.test(e.message),
    );
    assert.throws(() => parseMetrics('{"step":"x","time":2}\n{"step":3,"time":4}\n'), RunDirectoryError);
    assert.deepEqual(parseMetrics(""), []);
  });

  test("a process killed while logging leaves readable metrics and event files", async () => {
    const dir = fresh("killed");
    const moduleUrl = new URL("../src/runs/run-directory.js", import.meta.url).href;
    const script = `
      const { RunDirectory } = await import(${JSON.stringify(moduleUrl)});
      const run = await RunDirectory.create(${JSON.stringify(dir)}, { command: [], config: {}, seeds: [1] });
      for (let i = 0; ; i++) run.log(i, { "train/loss": 1 / (i + 1), "a/long/metric/name/to/widen/the/line": i * 0.001 });
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
    const metrics = join(dir, "metrics.jsonl");
    const deadline = Date.now() + 20_000;
    while (!(existsSync(metrics) && statSync(metrics).size > 200_000) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.ok(statSync(metrics).size > 200_000, "the child logged");

    const records = readRunMetrics(dir);
    assert.ok(records.length > 1000);
    assert.deepEqual(
      records.map((r) => r.step),
      records.map((_, i) => i),
    );
    const events = readEventFile(eventFiles(dir)[0]!, { allowTruncatedTail: true });
    assert.equal(events[0]!.fileVersion, "brain.Event:2");
    assert.deepEqual(
      events.slice(1).map((e) => e.step),
      events.slice(1).map((_, i) => i),
    );

    // Reopening repairs the tail, and appending goes on from there.
    const run = await RunDirectory.open(dir);
    run.log(records.length, { "train/loss": 0 });
    await run.close();
    assert.equal(run.readMetrics().length, records.length + 1);
  });

  test("resuming from a checkpoint gives the metrics (and TensorBoard view) of an uninterrupted run", async () => {
    const train = (run: RunDirectory, from: number, to: number) => {
      for (let step = from; step <= to; step++) run.log(step, { loss: 1 / (step + 1), acc: step / 10 });
    };
    const straight = fresh("straight");
    const a = await RunDirectory.create(straight, { ...baseOptions, clock: tickingClock() });
    train(a, 0, 9);
    await a.finish("finished");

    const resumed = fresh("resumed");
    const clock = tickingClock();
    const b = await RunDirectory.create(resumed, { ...baseOptions, clock });
    train(b, 0, 7);
    await b.saveCheckpoint("step-000004", { json: { step: 4 } });
    await b.close(); // killed after step 7; steps 5–7 will be redone
    appendFileSync(join(resumed, "metrics.jsonl"), '{"step":8,"ti');

    const c = await RunDirectory.open(resumed, { clock });
    const checkpoint = await c.latestCheckpoint<{ step: number }>();
    assert.equal(checkpoint?.json.step, 4);
    assert.equal(await c.truncateMetricsAfter(checkpoint!.json.step), 3);
    train(c, 5, 9);
    await c.finish("finished");

    assert.deepEqual(withoutTime(c.readMetrics()), withoutTime(a.readMetrics()));
    assert.deepEqual(tensorboardView(resumed), tensorboardView(straight));
    assert.equal(eventFiles(resumed).length, 2);
    const restart = readEventFile(eventFiles(resumed)[1]!).find((e) => e.sessionStatus !== undefined);
    assert.deepEqual({ step: restart?.step, status: restart?.sessionStatus }, { step: 5, status: 1 });
    assert.deepEqual(
      c.manifest.resumes.map((r) => r.step),
      [4],
    );
  });
});

describe("RunDirectory: checkpoints", () => {
  test("save, latest, keep the last K, and no temporary leftovers", async () => {
    const dir = fresh();
    const run = await RunDirectory.create(dir, { ...baseOptions, clock: tickingClock(), keepCheckpoints: 3 });
    assert.equal(await run.latestCheckpoint(), null);
    for (let k = 1; k <= 5; k++) {
      await run.saveCheckpoint(`step-${String(k * 100).padStart(6, "0")}`, {
        json: { step: k * 100, rng: [k, -0, Number.NaN, Number.POSITIVE_INFINITY] },
        files: {
          "weights.bin": Uint8Array.from([k, 1, 2, 3]),
          "optimizer/state.bin": new Uint8Array(1000).fill(k),
        },
      });
    }
    assert.deepEqual(await run.listCheckpoints(), ["step-000300", "step-000400", "step-000500"]);
    const entries = readdirSync(join(dir, "checkpoints")).sort();
    assert.deepEqual(entries, ["latest", "step-000300", "step-000400", "step-000500"]);
    assert.equal(readFileSync(join(dir, "checkpoints", "latest"), "utf8"), "step-000500\n");

    const latest = await run.latestCheckpoint<{ step: number; rng: number[] }>();
    assert.equal(latest?.name, "step-000500");
    assert.equal(latest?.sequence, 5);
    assert.equal(latest?.json.step, 500);
    const rng = latest!.json.rng;
    assert.ok(Object.is(rng[1], -0) && Number.isNaN(rng[2]) && rng[3] === Number.POSITIVE_INFINITY);
    assert.deepEqual(latest?.files["weights.bin"], Uint8Array.from([5, 1, 2, 3]));
    assert.deepEqual(latest?.files["optimizer/state.bin"], new Uint8Array(1000).fill(5));
    assert.equal((await run.loadCheckpoint("step-000300")).sequence, 3);
    await run.close();
  });

  test("a save that fails part-way leaves the previous checkpoint latest and nothing half-written", async () => {
    const dir = fresh();
    const run = await RunDirectory.create(dir, { ...baseOptions, clock: tickingClock() });
    await run.saveCheckpoint("good", { json: { ok: true }, files: { "w.bin": Uint8Array.from([1]) } });
    // "a" is a file, so "a/b" cannot be written: the save fails after it started writing.
    await assert.rejects(
      run.saveCheckpoint("bad", { json: {}, files: { a: new Uint8Array(1), "a/b": new Uint8Array(1) } }),
    );
    assert.deepEqual(readdirSync(join(dir, "checkpoints")).sort(), ["good", "latest"]);
    assert.equal((await run.latestCheckpoint())?.name, "good");

    // Leftovers of a crash in the middle of a save are ignored and cleaned up.
    mkdirSync(join(dir, "checkpoints", ".tmp-crashed"));
    writeFileSync(join(dir, "checkpoints", ".tmp-crashed", "checkpoint.json"), "{");
    assert.deepEqual(await run.listCheckpoints(), ["good"]);
    assert.ok(!existsSync(join(dir, "checkpoints", ".tmp-crashed")));

    // Saving under an existing name replaces it whole.
    await run.saveCheckpoint("good", { json: { ok: "again" } });
    const again = await run.latestCheckpoint();
    assert.deepEqual([again?.json, again?.files, again?.sequence], [{ ok: "again" }, {}, 2]);
    await run.close();
  });

  test("without a latest pointer the newest complete checkpoint is used; a damaged one is an error", async () => {
    const dir = fresh();
    const run = await RunDirectory.create(dir, { ...baseOptions, clock: tickingClock() });
    await run.saveCheckpoint("a", { json: 1 });
    await run.saveCheckpoint("b", { json: 2 });
    rmSync(join(dir, "checkpoints", "latest"));
    assert.equal((await run.latestCheckpoint())?.name, "b");
    writeFileSync(join(dir, "checkpoints", "latest"), "a\n");
    assert.equal((await run.latestCheckpoint())?.json, 1);
    writeFileSync(join(dir, "checkpoints", "a", "checkpoint.json"), "{ damaged");
    await assert.rejects(run.latestCheckpoint(), RunDirectoryError);
    await run.close();
  });

  test("checkpoint and file names are checked", async () => {
    const run = await RunDirectory.create(fresh(), { ...baseOptions, clock: tickingClock() });
    for (const name of ["", "latest", "../x", ".hidden", "a/b", "-x"]) {
      await assert.rejects(run.saveCheckpoint(name, { json: {} }), InvalidOptionError, name);
    }
    for (const file of ["../x", "/abs", "a//b", ".git/config"]) {
      await assert.rejects(
        run.saveCheckpoint("ok", { json: {}, files: { [file]: new Uint8Array(1) } }),
        InvalidOptionError,
      );
    }
    await assert.rejects(run.saveCheckpoint("ok", { json: { big: 1n } }), InvalidOptionError);
    await run.close();
  });
});

describe("RunDirectory: manifest, create and open", () => {
  test("the manifest records command, config, seeds, dataset hash, versions, times and status", async () => {
    const dir = fresh("manifest");
    const clock = tickingClock();
    const config = { algo: "bc", lr: 0.001, nested: { maxSteps: Number.POSITIVE_INFINITY } };
    const run = await RunDirectory.create(dir, {
      command: ["mimic", "train", "--env", "CartPole-v1"],
      config,
      seeds: { train: 0, eval: [1000, 1001] },
      datasetHash: "sha256:abc",
      versions: { tfjs: "4.22.0", mimic: "not this" },
      clock,
      hostname: "box",
    });
    config.lr = 1; // later changes by the caller do not reach the manifest
    const written = JSON.parse(
      readFileSync(join(dir, "manifest.json"), "utf8").replace("Infinity", '"Infinity"'),
    ) as Record<string, unknown>;
    assert.deepEqual(written, {
      format: "mimic-run",
      version: 1,
      name: dir.split("/").at(-1),
      command: ["mimic", "train", "--env", "CartPole-v1"],
      config: { algo: "bc", lr: 0.001, nested: { maxSteps: "Infinity" } },
      seeds: { train: 0, eval: [1000, 1001] },
      datasetHash: "sha256:abc",
      versions: { tfjs: "4.22.0", mimic: VERSION, node: process.versions.node },
      hostname: "box",
      status: "running",
      startTime: "2023-11-14T22:13:21.000Z",
      endTime: null,
      resumes: [],
      result: null,
    });
    assert.deepEqual((await RunDirectory.readManifest(dir)).config, {
      algo: "bc",
      lr: 0.001,
      nested: { maxSteps: Number.POSITIVE_INFINITY },
    });
    assert.ok(existsSync(run.policyDir) && run.policyDir === join(dir, "policy"));
    assert.ok(existsSync(join(dir, "checkpoints")));

    await run.finish("failed", { error: "NaN loss at step 12" });
    const finished = await RunDirectory.readManifest(dir);
    assert.equal(finished.status, "failed");
    assert.equal(finished.endTime, "2023-11-14T22:13:23.000Z");
    assert.deepEqual(finished.result, { error: "NaN loss at step 12" });

    const reopened = await RunDirectory.open(dir, { clock });
    assert.equal(reopened.manifest.status, "running");
    assert.equal(reopened.manifest.endTime, null);
    assert.deepEqual(reopened.manifest.resumes, [{ time: "2023-11-14T22:13:24.000Z", step: null }]);
    await reopened.finish("finished", { meanReturn: 500 });
    assert.deepEqual((await RunDirectory.readManifest(dir)).result, {
      error: "NaN loss at step 12",
      meanReturn: 500,
    });
    await assert.rejects(reopened.finish("running" as "finished"), InvalidOptionError);
  });

  test("create checks its options", async () => {
    await assert.rejects(RunDirectory.create(fresh(), { ...baseOptions, seeds: [-1] }), InvalidSeedError);
    await assert.rejects(
      RunDirectory.create(fresh(), { ...baseOptions, seeds: { a: 1.5 } }),
      InvalidSeedError,
    );
    await assert.rejects(
      RunDirectory.create(fresh(), { ...baseOptions, command: "mimic train" as unknown as string[] }),
      InvalidOptionError,
    );
    await assert.rejects(
      RunDirectory.create(fresh(), { ...baseOptions, config: { n: 1n } }),
      InvalidOptionError,
    );
    await assert.rejects(
      RunDirectory.create(fresh(), { ...baseOptions, keepCheckpoints: 0 }),
      InvalidOptionError,
    );
  });

  test("create refuses a non-empty directory that is not a run, even with overwrite", async () => {
    const dir = fresh("foreign");
    mkdirSync(dir);
    writeFileSync(join(dir, "thesis.tex"), "precious");
    for (const overwrite of [false, true]) {
      await assert.rejects(
        RunDirectory.create(dir, { ...baseOptions, overwrite }),
        (e: unknown) =>
          e instanceof RunDirectoryError &&
          e.code === "RUN_DIRECTORY" &&
          /holds no mimic run/.test(e.message),
      );
    }
    assert.deepEqual(readdirSync(dir), ["thesis.tex"]);

    const file = join(root, "a-file");
    writeFileSync(file, "x");
    await assert.rejects(RunDirectory.create(file, baseOptions), /is a file/);

    const empty = fresh("empty");
    mkdirSync(empty);
    const run = await RunDirectory.create(empty, { ...baseOptions, clock: tickingClock() });
    await run.close();
  });

  test("create refuses an existing run unless overwrite, which replaces it", async () => {
    const dir = fresh();
    const first = await RunDirectory.create(dir, { ...baseOptions, clock: tickingClock() });
    first.log(0, { loss: 1 });
    await first.saveCheckpoint("c", { json: {} });
    await first.finish("finished");
    await assert.rejects(
      RunDirectory.create(dir, baseOptions),
      (e: unknown) => e instanceof RunDirectoryError && /holds a run already/.test(e.message),
    );
    const second = await RunDirectory.create(dir, {
      ...baseOptions,
      overwrite: true,
      clock: tickingClock(2e12),
    });
    assert.deepEqual(second.readMetrics(), []);
    assert.equal(await second.latestCheckpoint(), null);
    assert.equal(eventFiles(dir).length, 1);
    assert.equal(second.manifest.status, "running");
    await second.close();
  });

  test("resume refuses a run of another algorithm or without a checkpoint and leaves it untouched", async () => {
    const dir = fresh();
    const run = await RunDirectory.create(dir, {
      ...baseOptions,
      config: { ...baseOptions.config, algorithm: "bc" },
      clock: tickingClock(),
    });
    run.log(0, { loss: 1 });
    await run.finish("failed");
    const before = readFileSync(join(dir, "manifest.json"), "utf8");
    await assert.rejects(
      RunDirectory.resume(dir, "ppo", { missing: "no checkpoint" }),
      (e: unknown) => e instanceof RunDirectoryError && /is a bc run, not ppo/.test(e.message),
    );
    await assert.rejects(
      RunDirectory.resume(dir, "bc", { missing: "no checkpoint of BC" }),
      (e: unknown) => e instanceof RunDirectoryError && /has no checkpoint of BC/.test(e.message),
    );
    assert.equal(readFileSync(join(dir, "manifest.json"), "utf8"), before);
    const reopened = await RunDirectory.open(dir);
    await reopened.saveCheckpoint("c", { json: { step: 0 } });
    await reopened.finish("failed");
    const resumed = await RunDirectory.resume<{ step: number }>(dir, "bc", { missing: "no checkpoint" });
    assert.deepEqual(resumed.checkpoint.json, { step: 0 });
    assert.equal(resumed.run.manifest.status, "running");
    await resumed.run.close();
  });

  test("open throws a clear error for a missing run, a directory without a manifest, or a damaged manifest", async () => {
    const missing = fresh("missing");
    await assert.rejects(
      RunDirectory.open(missing),
      (e: unknown) =>
        e instanceof RunDirectoryError && /no such run directory/.test(e.message) && e.path === missing,
    );
    const bare = fresh("bare");
    mkdirSync(bare);
    await assert.rejects(
      RunDirectory.open(bare),
      (e: unknown) => e instanceof RunDirectoryError && /no manifest\.json/.test(e.message),
    );
    writeFileSync(join(bare, "manifest.json"), "{ nope");
    await assert.rejects(RunDirectory.open(bare), /not valid JSON/);
    writeFileSync(join(bare, "manifest.json"), JSON.stringify({ format: "mimic-run", version: 1 }));
    await assert.rejects(RunDirectory.open(bare), /not a mimic run manifest: at name/);
  });
});

describe("report.html", () => {
  const records = Array.from({ length: 40 }, (_, i) => ({
    step: i * 10,
    time: 0,
    "train/loss": 1 / (i + 1),
    ...(i % 4 === 0 ? { "val/loss": 1.2 / (i + 1) } : {}),
  }));
  const input = {
    title: "BC on CartPole-v1 <script>alert(1)</script>",
    subtitle: "seed 0 & friends",
    status: "finished" as const,
    summary: [
      { label: "Steps", value: 12345 },
      { label: "Env", value: "CartPole-v1" },
    ],
    plots: [
      metricsPlot(records, ["train/loss", "val/loss"], {
        title: "Loss",
        yScale: "log" as const,
        dashed: ["val/loss"],
      }),
      { title: "Empty", series: [{ name: "nothing", points: [] }] },
    ],
    evaluations: [
      {
        name: "BC",
        episodes: 3,
        meanReturn: 450,
        stdReturn: 12.5,
        iqm: 455,
        ci95: [440, 470] as const,
        normalizedScore: 0.9,
        successRate: 0.8,
        returns: [440, 450, 460],
      },
      { name: "random <b>", episodes: 3, meanReturn: 20, stdReturn: 5, iqm: 19, ci95: [15, 25] as const },
    ],
    tables: [
      {
        title: "Grid search",
        columns: ["lr", "hidden", "mean return"],
        rows: [
          [0.001, "64,64", 450.25],
          [0.01, "<i>256</i>", null],
        ],
        highlightRow: 0,
      },
    ],
    config: { algo: "bc", policy: { hidden: [64, 64] }, note: "</td><script>x</script>" },
    footer: "made by a test",
  };

  test("renders a self-contained page with SVG plots and tables", () => {
    const html = renderReport(input);
    assert.ok(html.startsWith("<!doctype html>"));
    assert.equal(html.match(/<svg /g)?.length, 3, "two line plots and the return distribution");
    assert.equal(html.match(/<svg /g)?.length, html.match(/<\/svg>/g)?.length);
    assert.match(html, /no data to plot/);
    assert.match(html, />train\/loss</);
    assert.match(html, /stroke-dasharray/);
    assert.match(html, /450 ± 12\.5/);
    assert.match(html, /455 <span class="ci">\[440, 470\]<\/span>/);
    assert.match(html, />80%</);
    assert.match(html, />12,345</);
    assert.match(html, /policy\.hidden<\/td><td class="mono">\[64,64\]/);
    assert.match(html, /<tr class="highlight">/);
    assert.match(html, /mimic 0\.1\.0/);
    // Self-contained: no scripts, no external resources.
    assert.doesNotMatch(html, /<script|<link|<img|\ssrc=|\shref=|@import|url\(http/i);
    assert.equal(renderReport(input), html, "pure: the same input renders the same bytes");
  });

  test("escapes every piece of caller text", () => {
    const html = renderReport(input);
    assert.doesNotMatch(html, /<script>|<b>|<i>|<\/td><script/);
    assert.match(html, /<title>BC on CartPole-v1 &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/title>/);
    assert.match(html, /<h1>BC on CartPole-v1 &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /seed 0 &amp; friends/);
    assert.match(html, /random &lt;b&gt;/);
    assert.match(html, /&lt;i&gt;256&lt;\/i&gt;/);
    const tricky = renderReport({
      title: "t",
      plots: [
        { title: `"><script>`, xLabel: "<x>", yLabel: "'y'", series: [{ name: "<s>", points: [[0, 1]] }] },
      ],
    });
    assert.doesNotMatch(tricky, /<script|<x>|<s>|'y'/);
  });

  test("writeReport writes the rendered page atomically", async () => {
    const dir = fresh();
    const run = await RunDirectory.create(dir, { ...baseOptions, clock: tickingClock() });
    const path = await run.writeReport(input);
    assert.equal(path, join(dir, "report.html"));
    assert.equal(readFileSync(path, "utf8"), renderReport(input));
    assert.ok(!readdirSync(dir).some((f) => f.includes(".tmp-")));
    await run.close();
  });

  test("numbers and ticks are formatted the same everywhere", () => {
    assert.equal(formatNumber(1234567), "1,234,567");
    assert.equal(formatNumber(-0.5), "−0.5");
    assert.equal(formatNumber(487.25), "487.3");
    assert.equal(formatNumber(0.0003), "0.0003");
    assert.equal(formatNumber(0.000012346), "1.235e-5");
    assert.equal(formatNumber(null), "—");
    assert.equal(formatNumber(Number.NaN), "NaN");
    assert.equal(formatTick(20000, 5000), "20k");
    assert.equal(formatTick(2000, 2000), "2k");
    assert.equal(formatTick(1500, 500), "1500");
    assert.equal(formatTick(0.2, 0.2), "0.2");
    assert.equal(formatTick(1500000, 500000), "1.5M");
    assert.equal(formatTick(1e-5, 1e-5), "1e-5");
  });
});
