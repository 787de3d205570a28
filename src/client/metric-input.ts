/**
 * What a publisher gives the SDK, and the wire Metric made of it. The SDK's one unit convention:
 * what you give it is in milliseconds, as plain numbers whose names end in `Ms` (`ttlMs`,
 * `timeoutMs`), or a Date; what it gives back are the wire records of ARCHITECTURE.md, whose times
 * are exact int64 Unix nanoseconds (bigint). A metric is valid unless it says otherwise: the wire
 * rule "an omitted `d` means invalid" is IPFS Cluster's codec, not a default for people.
 */
import type { Metric } from "../api/types.js";
import { PeermonError } from "../errors.js";

/** One metric to publish; only `name`, `peer` and `ttlMs` are required. */
export interface MetricInput {
  /** Metric name, one subject token (`ping`, `freespace`, ...). */
  name: string;
  /** The publishing peer, one subject token. */
  peer: string;
  /**
   * How long the metric stays fresh once the monitor has it, in milliseconds. Sent as `l` (counted
   * on the monitor's clock, immune to skew) and as `e` = now + ttlMs (for IPFS Cluster receivers).
   */
  ttlMs: number;
  /** The measured value, as text. @default "" */
  value?: string;
  /** False marks the metric invalid: it never arms a deadline nor appears in `latest`. @default true */
  valid?: boolean;
  /** Weight used by allocators (int64). @default 0 */
  weight?: bigint | number;
  /** IPFS Cluster's partitionable flag. @default false */
  partitionable?: boolean;
}

const NS_PER_MS = 1_000_000n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The wire Metric for `input`, published at `nowMs` (Unix ms). Throws PeermonError on a bad ttl or weight. */
export function metricFrom(input: MetricInput, nowMs: number): Metric {
  const ttl = ttlNs(input.ttlMs);
  return {
    name: input.name,
    peer: input.peer,
    value: input.value ?? "",
    expire: BigInt(Math.round(nowMs)) * NS_PER_MS + ttl,
    valid: input.valid ?? true,
    weight: weight(input.weight ?? 0),
    partitionable: input.partitionable ?? false,
    receivedAt: 0n,
    ttl,
  };
}

function ttlNs(ttlMs: unknown): bigint {
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new PeermonError(`invalid ttlMs ${String(ttlMs)}: give the time to live in milliseconds, a number >= 0 (30_000 is 30 s)`);
  }
  return BigInt(Math.round(ttlMs * 1_000)) * 1_000n;
}

function weight(w: bigint | number): bigint {
  const big = typeof w === "bigint" ? w : Number.isSafeInteger(w) ? BigInt(w) : undefined;
  if (big === undefined || big < INT64_MIN || big > INT64_MAX) {
    throw new PeermonError(`invalid weight ${String(w)}: give a whole number (a bigint for values beyond 2^53)`);
  }
  return big;
}
