/**
 * MetricWindow: the last `capacity` metrics of one (name, peer), newest first. A ring buffer with
 * columnar storage (one ArrayBuffer for the integer fields and flags, one array for the values) so
 * that a million full windows stay small: nothing is allocated per stored metric but its value.
 */
import { int64 } from "../api/codec.js";
import type { Metric } from "../api/types.js";
import type { WireMetric } from "../api/validate.js";
import type { MsgpackWriter } from "../api/msgpack-writer.js";

// Integer columns, each `capacity` long, in one BigInt64Array.
const EXPIRE = 0;
const WEIGHT = 1;
const RECEIVED = 2;
const TTL = 3;
const INT_COLUMNS = 4;

// Wire keys, as the character codes of their one-letter names.
const K = { n: 0x6e, p: 0x70, v: 0x76, e: 0x65, d: 0x64, w: 0x77, o: 0x6f, t: 0x74, l: 0x6c } as const;

// Flag bits, one byte per slot.
const VALID = 1;
const PARTITIONABLE = 2;
const HAS_TTL = 4;

export class MetricWindow {
  private readonly ints: BigInt64Array;
  /** The same storage as bytes: int64 fields to copy, then one flag byte per slot. */
  private readonly bytes: Uint8Array;
  private readonly values: (string | undefined)[];
  /** The newest metric's wire map, once a query wrote it; cleared by `add`. */
  private latestWire: Uint8Array | undefined;
  /** Slot of the newest metric. */
  private head = -1;
  /** Whether the newest metric is valid: a field, so that `latest` filtering 10k windows reads no buffer. */
  private newestIsValid = false;
  private count = 0;

  constructor(
    readonly name: string,
    readonly peer: string,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`window capacity must be a whole number >= 1, got ${capacity}`);
    }
    const buffer = new ArrayBuffer(capacity * (INT_COLUMNS * 8 + 1));
    this.ints = new BigInt64Array(buffer, 0, capacity * INT_COLUMNS);
    this.bytes = new Uint8Array(buffer);
    this.values = new Array<string | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Stores a checked wire metric received at `receivedAtNs`, evicting the oldest when full. */
  add(m: WireMetric, receivedAtNs: bigint): void {
    const slot = (this.head + 1) % this.capacity;
    const cap = this.capacity;
    this.latestWire = undefined;
    this.head = slot;
    if (this.count < cap) this.count++;
    this.values[slot] = m.v ?? "";
    this.ints[EXPIRE * cap + slot] = int64(m.e);
    this.ints[WEIGHT * cap + slot] = int64(m.w);
    this.ints[RECEIVED * cap + slot] = receivedAtNs;
    const hasTtl = m.l !== undefined && m.l !== null;
    this.ints[TTL * cap + slot] = hasTtl ? int64(m.l) : 0n;
    this.bytes[this.flagAt(slot)] = (m.d ? VALID : 0) | (m.o ? PARTITIONABLE : 0) | (hasTtl ? HAS_TTL : 0);
    this.newestIsValid = m.d === true;
  }

  /** The newest metric, or undefined for an empty window. */
  latest(): Metric | undefined {
    return this.count === 0 ? undefined : this.read(this.head);
  }

  /** When the newest metric was received, Unix ns (0 for an empty window). */
  latestReceivedAt(): bigint {
    return this.count === 0 ? 0n : this.ints[RECEIVED * this.capacity + this.head]!;
  }

  /** True when the newest metric is valid (`d`). */
  latestIsValid(): boolean {
    return this.newestIsValid;
  }

  /** Every stored metric, newest first (at most `capacity`). */
  all(): Metric[] {
    const out: Metric[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.read((this.head - i + this.capacity) % this.capacity));
    return out;
  }

  /**
   * Writes the newest metric as its wire map (the `latest` reply's hot path): from storage the
   * first time, then as a copy of those bytes until the next metric arrives. With `keep` false the
   * bytes are not kept (a checkpoint copies every window: keeping them all would cost ~250 B each).
   */
  writeLatest(out: MsgpackWriter, keep = true): void {
    if (this.latestWire) return out.raw(this.latestWire);
    const mark = out.mark;
    this.encodeLatest(out);
    if (keep) this.latestWire = out.since(mark);
  }

  /** The newest valid metric (what a deadline is armed by), or undefined when none is stored. */
  newestValid(): Metric | undefined {
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head - i + this.capacity) % this.capacity;
      if (this.bytes[this.flagAt(slot)]! & VALID) return this.read(slot);
    }
    return undefined;
  }

  private encodeLatest(out: MsgpackWriter): void {
    const slot = this.head;
    const cap = this.capacity;
    const flags = this.bytes[this.flagAt(slot)]!;
    const bytes = this.bytes;
    out.mapHeader(flags & HAS_TTL ? 9 : 8);
    out.key(K.n);
    out.str(this.name);
    out.key(K.p);
    out.str(this.peer);
    out.key(K.v);
    out.str(this.values[slot]!);
    out.key(K.e);
    out.int64At(bytes, (EXPIRE * cap + slot) * 8);
    out.key(K.d);
    out.bool((flags & VALID) !== 0);
    out.key(K.w);
    out.int64At(bytes, (WEIGHT * cap + slot) * 8);
    out.key(K.o);
    out.bool((flags & PARTITIONABLE) !== 0);
    out.key(K.t);
    out.int64At(bytes, (RECEIVED * cap + slot) * 8);
    if (flags & HAS_TTL) {
      out.key(K.l);
      out.int64At(bytes, (TTL * cap + slot) * 8);
    }
  }

  private flagAt(slot: number): number {
    return this.capacity * INT_COLUMNS * 8 + slot;
  }

  private read(slot: number): Metric {
    const cap = this.capacity;
    const flags = this.bytes[this.flagAt(slot)]!;
    const metric: Metric = {
      name: this.name,
      peer: this.peer,
      value: this.values[slot]!,
      expire: this.ints[EXPIRE * cap + slot]!,
      valid: (flags & VALID) !== 0,
      weight: this.ints[WEIGHT * cap + slot]!,
      partitionable: (flags & PARTITIONABLE) !== 0,
      receivedAt: this.ints[RECEIVED * cap + slot]!,
    };
    if (flags & HAS_TTL) metric.ttl = this.ints[TTL * cap + slot]!;
    return metric;
  }
}
