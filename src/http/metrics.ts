/**
 * Prometheus metrics of a monitor (`GET /metrics` on `serve --http`), with prom-client. Counters
 * are read from MonitorStats when scraped (the hot path only increments numbers); the detection
 * lag histogram is fed by the stats' hook, which is set only here, when someone scrapes.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { REJECT_REASONS } from "../api/validate.js";
import type { MonitorStats } from "../stats.js";
import { WINDOW_STATES, type WindowState } from "../actors/window-machine.js";

export interface MetricsSource {
  stats: MonitorStats;
  stateCounts(): Record<string, Record<WindowState, number>>;
  /** 1 while connected to NATS and not cut off. */
  linkUp(): boolean;
  /** What is left of the grace after an outage or a stall, ms. */
  graceLeftMs(): number;
  info: Record<string, string>;
}

/** A registry holding peermon's metrics and Node's default ones (event-loop lag, heap, GC). */
export function monitorMetrics(source: MetricsSource): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const { stats } = source;
  const total = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [register],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  total("peermon_metrics_received_total", "Metric messages received", () => stats.metricsReceived);
  total("peermon_metrics_stored_total", "Metrics stored in a window", () => stats.metricsStored);
  total("peermon_metrics_ignored_total", "Metrics of peers outside the peerset", () => stats.metricsIgnored);
  total("peermon_windows_created_total", "Windows created", () => stats.windowsCreated);
  total("peermon_windows_freed_total", "Windows freed (peer left the peerset)", () => stats.windowsFreed);
  total("peermon_alerts_deferred_total", "Alerts the bus could not take at once (they waited)", () => stats.alertsDeferred);
  total("peermon_alerts_resent_total", "Alerts sent again, unconfirmed after a reconnect or timeout", () => stats.alertsResent);
  total("peermon_alerts_deduplicated_total", "Alerts another replica had already logged", () => stats.alertsDeduplicated);
  total("peermon_convictions_deferred_total", "Due deadlines held back during the monitor's own outage or grace", () => stats.convictionsDeferred);
  total("peermon_outages_total", "Times the link to NATS was impaired", () => stats.outages);
  total("peermon_stalls_total", "Times the event loop stalled", () => stats.stalls);
  total("peermon_metrics_stale_total", "Metrics older than their window's newest when applied (dropped)", () => stats.metricsStale);
  total("peermon_checkpoint_batches_total", "Checkpoint buckets the server stored", () => stats.checkpointBatches);
  total("peermon_checkpoint_bytes_total", "Bytes of the checkpoint buckets the server stored", () => stats.checkpointBytes);
  total("peermon_checkpoint_failures_total", "Checkpoint buckets not stored (written again next round)", () => stats.checkpointFailures);
  total("peermon_transfer_batches_total", "Window batches handed to a sibling replica that was starting", () => stats.transferBatches);
  new Counter({
    name: "peermon_rejected_total",
    help: "Messages rejected, by reason",
    labelNames: ["reason"],
    registers: [register],
    collect() {
      this.reset();
      for (const reason of REJECT_REASONS) this.inc({ reason }, stats.rejected[reason]);
    },
  });
  new Counter({
    name: "peermon_alerts_total",
    help: "Alerts handed to the bus, by kind",
    labelNames: ["kind"],
    registers: [register],
    collect() {
      this.reset();
      this.inc({ kind: "firing" }, stats.alertsFiring);
      this.inc({ kind: "resolved" }, stats.alertsResolved);
      this.inc({ kind: "repeated" }, stats.alertsRepeated);
    },
  });
  new Gauge({
    name: "peermon_windows",
    help: "Windows by metric name and state",
    labelNames: ["name", "state"],
    registers: [register],
    collect() {
      this.reset();
      for (const [name, counts] of Object.entries(source.stateCounts())) {
        for (const state of WINDOW_STATES) this.set({ name, state }, counts[state]);
      }
    },
  });
  new Gauge({
    name: "peermon_nats_link_up",
    help: "1 while connected to NATS and not cut off (no conviction happens while 0)",
    registers: [register],
    collect() {
      this.set(source.linkUp() ? 1 : 0);
    },
  });
  new Gauge({
    name: "peermon_grace_remaining_seconds",
    help: "What is left of the grace after the monitor's own outage or stall (due deadlines wait for it)",
    registers: [register],
    collect() {
      this.set(source.graceLeftMs() / 1_000);
    },
  });
  new Gauge({ name: "peermon_info", help: "This monitor", labelNames: Object.keys(source.info), registers: [register] }).set(
    source.info,
    1,
  );
  const lag = new Histogram({
    name: "peermon_detection_lag_seconds",
    help: "From a window's deadline to its firing alert handed to the bus",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [register],
  });
  stats.onDetectionLag = (ms) => lag.observe(ms / 1_000);
  return register;
}
