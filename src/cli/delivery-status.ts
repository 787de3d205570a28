/**
 * How `peermon status` shows one monitor's delivery (the `delivery` object of its STATS data, see
 * src/delivery/delivery.ts `DeliveryStatus`): one line per sink with its state, what it holds and
 * its counters, in the style of the other status lines. URLs are already redacted by the monitor.
 */
import type { DeliveryStatus } from "../delivery/delivery.js";
import type { SinkStatus } from "../delivery/sink-status.js";
import { formatDuration } from "../duration.js";

export interface DeliveryPalette {
  red(s: string): string;
  yellow(s: string): string;
}

const plain: DeliveryPalette = { red: (s) => s, yellow: (s) => s };

function stateOf(s: SinkStatus, c: DeliveryPalette): string {
  if (s.state === "retrying") return c.red("retrying");
  return s.state === "delivering" ? c.yellow("delivering") : "ok";
}

function countersOf(s: SinkStatus): string {
  const failed = Object.entries(s.counters.failed).filter(([, n]) => n > 0);
  const parts = [`delivered ${s.counters.delivered}`, `retried ${s.counters.retried}`];
  parts.push(`failed ${failed.reduce((sum, [, n]) => sum + n, 0)}${failed.length ? ` (${failed.map(([why, n]) => `${why} ${n}`).join(", ")})` : ""}`);
  if (s.counters.muted) parts.push(`muted ${s.counters.muted}`);
  if (s.counters.superseded) parts.push(`superseded ${s.counters.superseded}`);
  if (s.counters.past) parts.push(`ended before it was added ${s.counters.past}`);
  if (s.counters.rejected) parts.push(`rejected ${s.counters.rejected}`);
  if (s.kind === "alertmanager") parts.push(`re-posted ${s.counters.reposted}`);
  return parts.join(", ");
}

/** Lines for one monitor's delivery: nothing when it delivers nowhere. */
export function deliveryLines(d: DeliveryStatus | undefined | null, c: DeliveryPalette = plain): string[] {
  if (!d || d.sinks.length === 0) return [];
  const lines = [`  delivery (${d.mode === "memory" ? "from memory: no JetStream" : "from the alert log"}):`];
  for (const s of d.sinks) {
    const held = s.undelivered > 0 ? `, ${s.undelivered} undelivered (oldest ${formatDuration(s.oldestUndeliveredMs ?? 0)})` : "";
    const error = s.state === "retrying" && s.lastError ? ` | last error: ${s.lastError.reason}: ${s.lastError.detail}` : "";
    lines.push(`    ${s.kind} ${s.url}: ${stateOf(s, c)}${held} | ${countersOf(s)}${error}`);
  }
  return lines;
}
