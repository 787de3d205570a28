/**
 * MetricWindow: the last `capacity` metrics of one (name, peer), newest first. A ring buffer with
 * columnar storage (one ArrayBuffer for the integer fields and flags, one array for the values) so
 * that a million full windows stay small: nothing is allocated per stored metric but its value.
 */
import { int64 } from "../api/codec.js";
import type { Metric } from "../api/types.js";
import type { WireMetric } from "../api/validate.js";

// Integer columns, each `capacity` long, in one BigInt64Array.
const EXPIRE = 0;
const WEIGHT = 1;
const RECEIVED = 2;
const TTL = 3;
const INT_COLUMNS = 4;

// Flag bits, one byte per slot.
const VALID = 1;
const PARTITIONABLE = 2;
const HAS_TTL = 4;

export class MetricWindow {
  private readonly ints: BigInt64Array;
  private readonly flags: Uint8Array;
  private readonly values: (string | undefined)[];
  /** Slot of the newest metric. */
  private head = -1;
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
    this.flags = new Uint8Array(buffer, capacity * INT_COLUMNS * 8, capacity);
    this.values = new Array<string | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Stores a checked wire metric received at `receivedAtNs`, evicting the oldest when full. */
  add(m: WireMetric, receivedAtNs: bigint): void {
    const slot = (this.head + 1) % this.capacity;
    const cap = this.capacity;
    this.head = slot;
    if (this.count < cap) this.count++;
    this.values[slot] = m.v ?? "";
    this.ints[EXPIRE * cap + slot] = int64(m.e);
    this.ints[WEIGHT * cap + slot] = int64(m.w);
    this.ints[RECEIVED * cap + slot] = receivedAtNs;
    const hasTtl = m.l !== undefined && m.l !== null;
    this.ints[TTL * cap + slot] = hasTtl ? int64(m.l) : 0n;
    this.flags[slot] = (m.d ? VALID : 0) | (m.o ? PARTITIONABLE : 0) | (hasTtl ? HAS_TTL : 0);
  }

  /** The newest metric, or undefined for an empty window. */
  latest(): Metric | undefined {
    return this.count === 0 ? undefined : this.read(this.head);
  }

  /** True when the newest metric is valid (`d`). */
  latestIsValid(): boolean {
    return this.count > 0 && (this.flags[this.head]! & VALID) !== 0;
  }

  /** Every stored metric, newest first (at most `capacity`). */
  all(): Metric[] {
    const out: Metric[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.read((this.head - i + this.capacity) % this.capacity));
    return out;
  }

  private read(slot: number): Metric {
    const cap = this.capacity;
    const flags = this.flags[slot]!;
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
