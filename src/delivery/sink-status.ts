/**
 * What a sink counts and shows of its destination (`peermon status`, $SRV.STATS, /metrics).
 */
import type { Destination, FailureReason } from "./post.js";

export interface SinkCounters {
  /** Alerts the receiver took (2xx). */
  delivered: number;
  /** Alerts sent again after a failed attempt. */
  retried: number;
  /** Alerts not delivered because they were muted. */
  muted: number;
  /** Alerts skipped because a newer transition of their (name, peer) was logged. */
  superseded: number;
  /** Resolved alerts skipped in a new destination's catch-up: it was never sent their episode's firing alert. */
  past: number;
  /** Alerts given up: refused for good by the receiver, or undecodable. */
  rejected: number;
  /** Firing alerts posted again to keep them alive (Alertmanager). */
  reposted: number;
  /** POSTs made (deliveries and re-posts): delivered / posts is the batching. */
  posts: number;
  /** Alerts in POSTs that failed, by reason (retried: timeout, connection, http_5xx/429/408). */
  failed: Record<FailureReason, number>;
}

export interface SinkStatus {
  id: string;
  kind: Destination["kind"];
  /** The destination as it may be shown (no credentials, no path). */
  url: string;
  /** Where alerts come from: the durable consumer's name, or "memory" without JetStream. */
  feed: string;
  /** idle: nothing held; delivering: alerts on their way; retrying: the receiver failed and alerts wait. */
  state: "idle" | "delivering" | "retrying";
  /** Alerts held by this instance, not yet delivered. */
  undelivered: number;
  /** Age of the oldest of them, ms since it was logged; null when none. */
  oldestUndeliveredMs: number | null;
  /** Alerts the log still holds for this destination, as of the last one fetched. */
  backlog: number;
  lastError: { reason: FailureReason; detail: string; atMs: number } | null;
  lastDeliveredAtMs: number | null;
  counters: SinkCounters;
}
