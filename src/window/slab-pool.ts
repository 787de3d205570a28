/**
 * SlabPool: equal regions of large shared ArrayBuffers, where the windows keep their metrics
 * (metric-window.ts). A million windows then hold a few hundred ArrayBuffers instead of a million
 * (each with two typed arrays over it), and every metric's fields and value live outside the JS
 * heap, which the garbage collector neither walks nor has to promote: what it measured as stalls of
 * a 2 GB heap (docs/benchmarks.md, "steady"). A freed window's region goes back to the pool and
 * the next window takes it; slabs are kept. One pool per region size, shared by the process. Pure.
 */

/** A slab's size, bytes: about 1,800 windows of capacity 10. */
const SLAB_BYTES = 1024 * 1024;

/** One shared ArrayBuffer and its two views: bytes, and int64 fields (at 8-byte aligned offsets). */
export class Slab {
  readonly bytes: Uint8Array;
  readonly ints: BigInt64Array;

  constructor(size: number) {
    const buffer = new ArrayBuffer(size);
    this.bytes = new Uint8Array(buffer);
    this.ints = new BigInt64Array(buffer);
  }
}

export class SlabPool {
  private static readonly pools = new Map<number, SlabPool>();
  private readonly slabs: Slab[] = [];
  /** Regions given back, as region numbers. */
  private readonly free: number[] = [];
  private readonly perSlab: number;
  private next = 0;

  /** The process's pool of `regionBytes` regions (a multiple of 8). */
  static shared(regionBytes: number): SlabPool {
    let pool = SlabPool.pools.get(regionBytes);
    if (!pool) SlabPool.pools.set(regionBytes, (pool = new SlabPool(regionBytes)));
    return pool;
  }

  constructor(readonly regionBytes: number) {
    if (!Number.isInteger(regionBytes) || regionBytes <= 0 || regionBytes % 8 !== 0) {
      throw new RangeError(`a region is a positive multiple of 8 bytes, got ${regionBytes}`);
    }
    this.perSlab = Math.max(1, Math.floor(SLAB_BYTES / regionBytes));
  }

  /** Regions handed out and not given back. */
  get inUse(): number {
    return this.next - this.free.length;
  }

  /** A region, zeroed: its number (for `give`). */
  take(): number {
    const region = this.free.pop();
    if (region === undefined) return this.next++;
    this.slabOf(region).bytes.fill(0, this.baseOf(region), this.baseOf(region) + this.regionBytes);
    return region;
  }

  give(region: number): void {
    this.free.push(region);
  }

  /** The slab that holds `region`. */
  slabOf(region: number): Slab {
    const i = Math.floor(region / this.perSlab);
    while (this.slabs.length <= i) this.slabs.push(new Slab(this.perSlab * this.regionBytes));
    return this.slabs[i]!;
  }

  /** Where `region` starts in its slab, bytes. */
  baseOf(region: number): number {
    return (region % this.perSlab) * this.regionBytes;
  }
}
