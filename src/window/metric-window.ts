/**
 * MetricWindow: the last `capacity` metrics of one (name, peer), newest first. A ring buffer in a
 * region of a shared slab (slab-pool.ts): the integer fields, a flag byte, and the value itself
 * (up to VALUE_BYTES of ASCII, which IPFS Cluster's values are: numbers, short tags) all outside
 * the JS heap, so that a million full windows give the garbage collector nothing per metric to
 * walk, copy or promote. A longer or non-ASCII value is kept as a string beside the region.
 */
import { int64 } from "../api/codec.js";
import type { Metric } from "../api/types.js";
import type { WireMetric } from "../api/validate.js";
import type { MsgpackWriter } from "../api/msgpack-writer.js";
import { SlabPool, type Slab } from "./slab-pool.js";

// Integer columns, each `capacity` long, at the start of the region.
const EXPIRE = 0;
const WEIGHT = 1;
const RECEIVED = 2;
const TTL = 3;
const INT_COLUMNS = 4;

/**
 * Value bytes kept in the region per metric: a freespace in bytes has 15 digits; a longer value
 * (or one that is not ASCII) is kept as a JS string beside it.
 * @default 24
 */
export const VALUE_BYTES = 24;
/** The length byte of a value kept beside the region. */
const BESIDE = 0xff;

// Wire keys, as the character codes of their one-letter names.
const K = { n: 0x6e, p: 0x70, v: 0x76, e: 0x65, d: 0x64, w: 0x77, o: 0x6f, t: 0x74, l: 0x6c } as const;

// Flag bits, one byte per slot.
const VALID = 1;
const PARTITIONABLE = 2;
const HAS_TTL = 4;

/** Bytes of a window's region: the int64 columns, a flag and a length byte per slot, the values; a multiple of 8. */
export function regionBytes(capacity: number): number {
  return Math.ceil((capacity * (INT_COLUMNS * 8 + 2 + VALUE_BYTES)) / 8) * 8;
}

export class MetricWindow {
  private readonly pool: SlabPool;
  private region: number;
  private readonly slab: Slab;
  /** Where the region starts in the slab, bytes; the int64 index is `base / 8`. */
  private readonly base: number;
  /** Values kept beside the region (too long, or not ASCII), by slot; made when first needed. */
  private beside: (string | undefined)[] | undefined;
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
    this.pool = SlabPool.shared(regionBytes(capacity));
    this.region = this.pool.take();
    this.slab = this.pool.slabOf(this.region);
    this.base = this.pool.baseOf(this.region);
  }

  get size(): number {
    return this.count;
  }

  /** Stores a checked wire metric received at `receivedAtNs`, evicting the oldest when full. */
  add(m: WireMetric, receivedAtNs: bigint): void {
    if (this.region < 0) return;
    const slot = (this.head + 1) % this.capacity;
    const cap = this.capacity;
    const ints = this.slab.ints;
    const at = this.base / 8 + slot;
    this.head = slot;
    if (this.count < cap) this.count++;
    this.storeValue(slot, m.v ?? "");
    ints[at + EXPIRE * cap] = int64(m.e);
    ints[at + WEIGHT * cap] = int64(m.w);
    ints[at + RECEIVED * cap] = receivedAtNs;
    const hasTtl = m.l !== undefined && m.l !== null;
    ints[at + TTL * cap] = hasTtl ? int64(m.l) : 0n;
    this.slab.bytes[this.flagAt(slot)] = (m.d ? VALID : 0) | (m.o ? PARTITIONABLE : 0) | (hasTtl ? HAS_TTL : 0);
    this.newestIsValid = m.d === true;
  }

  /** Gives the region back to the pool (the window was freed): the window is empty from now on. */
  release(): void {
    if (this.region < 0) return;
    this.pool.give(this.region);
    this.region = -1;
    this.count = 0;
    this.head = -1;
    this.newestIsValid = false;
    this.beside = undefined;
  }

  /** The newest metric, or undefined for an empty window. */
  latest(): Metric | undefined {
    return this.count === 0 ? undefined : this.read(this.head);
  }

  /** When the newest metric was received, Unix ns (0 for an empty window). */
  latestReceivedAt(): bigint {
    return this.count === 0 ? 0n : this.slab.ints[this.base / 8 + RECEIVED * this.capacity + this.head]!;
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

  /** Writes the newest metric as its wire map (the `latest` reply's and the checkpoints' hot path), straight from the region. */
  writeLatest(out: MsgpackWriter): void {
    const slot = this.head;
    const flags = this.slab.bytes[this.flagAt(slot)]!;
    const bytes = this.slab.bytes;
    out.mapHeader(flags & HAS_TTL ? 9 : 8);
    out.key(K.n);
    out.str(this.name);
    out.key(K.p);
    out.str(this.peer);
    out.key(K.v);
    const len = bytes[this.lengthAt(slot)]!;
    if (len === BESIDE) out.str(this.beside![slot]!);
    else out.strBytes(bytes, this.valueAt(slot), len);
    out.key(K.e);
    out.int64At(bytes, this.intAt(EXPIRE, slot));
    out.key(K.d);
    out.bool((flags & VALID) !== 0);
    out.key(K.w);
    out.int64At(bytes, this.intAt(WEIGHT, slot));
    out.key(K.o);
    out.bool((flags & PARTITIONABLE) !== 0);
    out.key(K.t);
    out.int64At(bytes, this.intAt(RECEIVED, slot));
    if (flags & HAS_TTL) {
      out.key(K.l);
      out.int64At(bytes, this.intAt(TTL, slot));
    }
  }

  /** The newest valid metric (what a deadline is armed by), or undefined when none is stored. */
  newestValid(): Metric | undefined {
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head - i + this.capacity) % this.capacity;
      if (this.slab.bytes[this.flagAt(slot)]! & VALID) return this.read(slot);
    }
    return undefined;
  }

  /** Copies `v` into the slot's value bytes when it is short ASCII, else keeps it beside. */
  private storeValue(slot: number, v: string): void {
    const bytes = this.slab.bytes;
    const len = v.length;
    if (len <= VALUE_BYTES) {
      const at = this.valueAt(slot);
      let i = 0;
      for (; i < len; i++) {
        const c = v.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at + i] = c;
      }
      if (i === len) {
        bytes[this.lengthAt(slot)] = len;
        if (this.beside) this.beside[slot] = undefined;
        return;
      }
    }
    bytes[this.lengthAt(slot)] = BESIDE;
    (this.beside ??= new Array<string | undefined>(this.capacity))[slot] = v;
  }

  private valueOf(slot: number): string {
    const bytes = this.slab.bytes;
    const len = bytes[this.lengthAt(slot)]!;
    if (len === BESIDE) return this.beside![slot]!;
    const at = this.valueAt(slot);
    let s = "";
    for (let i = 0; i < len; i++) s += String.fromCharCode(bytes[at + i]!);
    return s;
  }

  /** Byte offset in the slab of an int64 field. */
  private intAt(column: number, slot: number): number {
    return this.base + (column * this.capacity + slot) * 8;
  }

  private flagAt(slot: number): number {
    return this.base + this.capacity * INT_COLUMNS * 8 + slot;
  }

  private lengthAt(slot: number): number {
    return this.base + this.capacity * (INT_COLUMNS * 8 + 1) + slot;
  }

  private valueAt(slot: number): number {
    return this.base + this.capacity * (INT_COLUMNS * 8 + 2) + slot * VALUE_BYTES;
  }

  private read(slot: number): Metric {
    const cap = this.capacity;
    const ints = this.slab.ints;
    const at = this.base / 8 + slot;
    const flags = this.slab.bytes[this.flagAt(slot)]!;
    const metric: Metric = {
      name: this.name,
      peer: this.peer,
      value: this.valueOf(slot),
      expire: ints[at + EXPIRE * cap]!,
      valid: (flags & VALID) !== 0,
      weight: ints[at + WEIGHT * cap]!,
      partitionable: (flags & PARTITIONABLE) !== 0,
      receivedAt: ints[at + RECEIVED * cap]!,
    };
    if (flags & HAS_TTL) metric.ttl = ints[at + TTL * cap]!;
    return metric;
  }
}
