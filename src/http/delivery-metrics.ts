/**
 * Prometheus metrics of alert delivery (src/delivery), added to the registry of http/metrics.ts,
 * read from each sink's status when scraped. Labels name the sink (`alertmanager-<hash8>`,
 * `webhook-<hash8>`) and its redacted URL (no credentials, no path): never a secret.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { DeliveryStatus } from "../delivery/delivery.js";
import { FAILURE_REASONS } from "../delivery/post.js";
import type { SinkCounters } from "../delivery/sink-status.js";

export interface DeliverySource {
  status(): DeliveryStatus;
}

type Simple = Exclude<keyof SinkCounters, "failed">;

const COUNTERS: [Simple, string, string][] = [
  ["delivered", "peermon_delivery_delivered_total", "Alerts a receiver took (2xx), per sink"],
  ["retried", "peermon_delivery_retried_total", "Alerts sent again after a failed attempt, per sink"],
  ["muted", "peermon_delivery_muted_total", "Alerts not delivered because a silence muted them, per sink"],
  ["superseded", "peermon_delivery_superseded_total", "Alerts skipped because a newer transition of their (name, peer) was logged, per sink"],
  ["past", "peermon_delivery_past_total", "Resolved alerts skipped in a new destination's catch-up (it was never sent their firing alert), per sink"],
  ["rejected", "peermon_delivery_rejected_total", "Alerts given up: refused for good by the receiver (4xx, redirect) or undecodable, per sink"],
  ["reposted", "peermon_delivery_reposted_total", "Firing alerts posted again to keep them alive in Alertmanager, per sink"],
  ["posts", "peermon_delivery_posts_total", "HTTP POSTs made, per sink (delivered / posts is the batching)"],
];

/** Adds the delivery metrics to `register` (nothing when `source` is undefined); returns `register`. */
export function registerDeliveryMetrics(register: Registry, source: DeliverySource | undefined): Registry {
  if (!source) return register;
  const labelNames = ["sink", "url"];
  const sinks = () => source.status().sinks;
  for (const [key, name, help] of COUNTERS) {
    new Counter({
      name,
      help,
      labelNames,
      registers: [register],
      collect() {
        this.reset();
        for (const s of sinks()) this.inc({ sink: s.id, url: s.url }, s.counters[key]);
      },
    });
  }
  new Counter({
    name: "peermon_delivery_failed_total",
    help: "Alerts in POSTs that failed, per sink and reason (timeout, connection, http_5xx, http_429 and http_408 are retried)",
    labelNames: [...labelNames, "reason"],
    registers: [register],
    collect() {
      this.reset();
      for (const s of sinks()) for (const reason of FAILURE_REASONS) this.inc({ sink: s.id, url: s.url, reason }, s.counters.failed[reason]);
    },
  });
  new Gauge({
    name: "peermon_delivery_oldest_undelivered_seconds",
    help: "Age of the oldest alert this instance holds undelivered, since it was logged (0 when none), per sink",
    labelNames,
    registers: [register],
    collect() {
      this.reset();
      for (const s of sinks()) this.set({ sink: s.id, url: s.url }, (s.oldestUndeliveredMs ?? 0) / 1_000);
    },
  });
  new Gauge({
    name: "peermon_delivery_undelivered",
    help: "Alerts this instance holds undelivered, per sink",
    labelNames,
    registers: [register],
    collect() {
      this.reset();
      for (const s of sinks()) this.set({ sink: s.id, url: s.url }, s.undelivered);
    },
  });
  return register;
}
