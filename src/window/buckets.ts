/**
 * Buckets: how a partition's windows are split into messages of bounded size, for checkpoints and
 * for transfers between replicas. A window's bucket depends on its peer id alone (FNV-1a, as
 * nats-server's partition()), so it stays in the same bucket from one round to the next while the
 * bucket count does not change. Pure.
 */
import { partitionOf } from "../api/subjects.js";

/** Most buckets per partition: 1M windows of ~170 B in ~256 KiB messages. */
export const MAX_BUCKETS = 1_024;

/**
 * The bucket count for `windows` windows of about `bytesPerWindow` each, so that a bucket holds
 * about `targetBytes`: a power of two (1 when it all fits), at most MAX_BUCKETS; 0 for no windows.
 */
export function bucketCount(windows: number, bytesPerWindow: number, targetBytes: number): number {
  if (windows <= 0) return 0;
  const needed = Math.ceil((windows * bytesPerWindow) / targetBytes);
  let count = 1;
  while (count < needed && count < MAX_BUCKETS) count *= 2;
  return count;
}

/** The bucket of `peer` among `buckets`. */
export function bucketOf(peer: string, buckets: number): number {
  return partitionOf(peer, buckets);
}

/** `items` split by the bucket of their peer, added to `into` (a split made in slices) or to new buckets. */
export function splitIntoBuckets<T extends { readonly peer: string }>(
  items: Iterable<T>,
  buckets: number,
  into: T[][] = Array.from({ length: buckets }, (): T[] => []),
): T[][] {
  for (const item of items) into[bucketOf(item.peer, buckets)]!.push(item);
  return into;
}
