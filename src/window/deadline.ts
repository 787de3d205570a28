/**
 * Deadline arithmetic, pure. All times are milliseconds on the monitor's monotonic clock (Unix
 * epoch, Clock.now()); an `e` is wall time and is placed on that timeline with the wall offset.
 */
import { monotonicAt } from "../wall-clock.js";

const NS_PER_MS = 1_000_000;

type Ns = number | bigint | null | undefined;

/**
 * When a valid metric stops being fresh, on the monotonic timeline. With a ttl (`l`) the deadline
 * is counted from the monitor's own receive time (monotonic), so no clock step matters; without
 * one it is the sender's absolute expiry (`e`), as in IPFS Cluster, a wall time: it is reached at
 * `e − wallOffsetMs` (Clock.wallNow() − Clock.now(); 0 takes `e` as monotonic time) and moves when
 * the wall clock is re-anchored (`movedDeadline`). An omitted `e` means already expired.
 */
export function deadlineOf(receivedAtMs: number, ttlNs: Ns, expireNs: Ns, wallOffsetMs = 0): number {
  if (!isWallDeadline(ttlNs)) return receivedAtMs + Number(ttlNs) / NS_PER_MS;
  return monotonicAt(Number(expireNs ?? 0) / NS_PER_MS, wallOffsetMs);
}

/** True when a metric's deadline is its `e` (it has no `l`): it moves when the wall clock steps. */
export function isWallDeadline(ttlNs: Ns): boolean {
  return ttlNs === undefined || ttlNs === null;
}

/** A metric is fresh strictly before its deadline (IPFS Cluster: expired when now is after it). */
export function isFresh(deadlineMs: number, nowMs: number): boolean {
  return nowMs < deadlineMs;
}

/** Unix ns (exact bigint) of a monitor-clock time in ms. */
export function msToNs(ms: number): bigint {
  // ms * 1e6 is past 2^53 for today's dates: the whole milliseconds go through a bigint, and
  // that bigint is kept while they do not change (many metrics arrive within one millisecond).
  const whole = Math.floor(ms);
  if (whole !== lastWholeMs) {
    lastWholeMs = whole;
    lastWholeNs = BigInt(whole) * 1_000_000n;
  }
  return lastWholeNs + BigInt(Math.round((ms - whole) * NS_PER_MS));
}

let lastWholeMs = Number.NaN;
let lastWholeNs = 0n;
