/**
 * WindowBatch: the newest metrics of many windows in one message, the unit of a checkpoint and of
 * a transfer between replicas. A plain msgpack map:
 *   c: int64, Unix ns on the WRITER's (wall) clock when it wrote the batch
 *   s: [Metric, ...], wire maps as in the contract, each with its `t` (receivedAt, the same clock)
 * Per window: its newest metric, preceded by its newest valid one when the newest is invalid (that
 * one holds the deadline: an invalid metric never arms one). A reader never takes a `t` as it is,
 * since its clock may be another machine's: it takes the age `c - t`, measured on the writer's
 * clock alone, and counts it back from its own idea of when the batch was written.
 */
import { decode, encodeMetric, int64 } from "../api/codec.js";
import { MsgpackWriter } from "../api/msgpack-writer.js";
import { checkMetric, type WireMetric } from "../api/validate.js";
import type { MetricWindow } from "./metric-window.js";

const KEY_C = 0x63;
const KEY_S = 0x73;
/** A first guess of a window's bytes in a batch (libp2p peer id, ns fields): the writer grows as needed. */
export const BATCH_BYTES_PER_WINDOW = 170;

export interface WindowBatch {
  /** When the batch was written, Unix ns on the writer's clock. */
  writtenAtNs: bigint;
  /** Checked metric maps, oldest first per window; each has its `t`. */
  metrics: WireMetric[];
  /** Entries that were not metric maps with a `t`: skipped. */
  rejected: number;
}

/** The batch of `windows` (empty ones left out), written at `writtenAtNs` on this monitor's clock. */
export function encodeWindowBatch(windows: readonly MetricWindow[], writtenAtNs: bigint): Uint8Array {
  let count = 0;
  for (const w of windows) {
    if (w.size === 0) continue;
    count += !w.latestIsValid() && w.newestValid() ? 2 : 1;
  }
  const out = new MsgpackWriter(64 + windows.length * BATCH_BYTES_PER_WINDOW);
  out.mapHeader(2);
  out.key(KEY_C);
  out.int64(writtenAtNs);
  out.key(KEY_S);
  out.arrayHeader(count);
  for (const w of windows) {
    if (w.size === 0) continue;
    if (!w.latestIsValid()) {
      const valid = w.newestValid();
      if (valid) out.raw(encodeMetric(valid));
    }
    w.writeLatest(out);
  }
  return out.bytes();
}

/** Decodes a batch; throws a TypeError when `data` is not one. */
export function decodeWindowBatch(data: Uint8Array): WindowBatch {
  let raw: unknown;
  try {
    raw = decode(data);
  } catch (err) {
    throw new TypeError("not a window batch: undecodable msgpack", { cause: err });
  }
  const batch = raw as { c?: unknown; s?: unknown } | null;
  if (typeof batch !== "object" || batch === null || !Array.isArray(batch.s)) throw new TypeError("not a window batch: no list `s`");
  if (typeof batch.c !== "number" && typeof batch.c !== "bigint") throw new TypeError("not a window batch: no time `c`");
  const metrics: WireMetric[] = [];
  let rejected = 0;
  for (const entry of batch.s as unknown[]) {
    if (checkMetric(entry) || (entry as WireMetric).t == null) rejected++;
    else metrics.push(entry as WireMetric);
  }
  return { writtenAtNs: int64(batch.c), metrics, rejected };
}

/**
 * When `m` was received, on the reader's clock: its age when the batch was written (on the
 * writer's clock) before `batchAtMs`, the reader's own time for that moment.
 */
export function receivedAtOnReader(batch: WindowBatch, m: WireMetric, batchAtMs: number): number {
  return batchAtMs - Number(batch.writtenAtNs - int64(m.t)) / 1e6;
}
