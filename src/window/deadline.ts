/**
 * Deadline arithmetic, pure. All times are milliseconds on the monitor's clock (Unix epoch).
 */

const NS_PER_MS = 1_000_000;

/**
 * When a valid metric stops being fresh. With a ttl (`l`) the deadline is counted from the
 * monitor's own receive time, so the sender's clock does not matter; without one it is the
 * sender's absolute expiry (`e`), as in IPFS Cluster, and an omitted `e` means already expired.
 */
export function deadlineOf(receivedAtMs: number, ttlNs: number | bigint | null | undefined, expireNs: number | bigint | null | undefined): number {
  if (ttlNs !== undefined && ttlNs !== null) return receivedAtMs + Number(ttlNs) / NS_PER_MS;
  return Number(expireNs ?? 0) / NS_PER_MS;
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
