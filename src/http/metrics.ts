/**
 * Prometheus metrics of a monitor (`GET /metrics` on `serve --http`), with prom-client. Counters
 * are read from MonitorStats and QueryStats when scraped (the hot path only increments numbers);
 * the detection lag and query duration histograms are fed by hooks that are set only here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { REJECT_REASONS } from "../api/validate.js";
import { IGNORE_REASONS, type MonitorStats } from "../stats.js";
import { QUERY_ENDPOINTS, QUERY_OUTCOMES, type QueryStats } from "../bus/query-stats.js";
import { WINDOW_STATES, type WindowState } from "../actors/window-machine.js";
import type { ClockReport } from "../actors/clock-watch.js";

export interface MetricsSource {
  stats: MonitorStats;
  stateCounts(): Record<string, Record<WindowState, number>>;
  /** Windows announced suspect now, per name. */
  suspectCounts(): Record<string, number>;
  /** Per metric name, the peerset members that never reported it. */
  neverSeen(): Record<string, { count: number }>;
  /** 1 while connected to NATS and not cut off. */
  linkUp(): boolean;
  /** What is left of the grace after an outage or a stall, ms. */
  graceLeftMs(): number;
  /** Silences muting now. */
  silencesActive?(): number;
  /** Windows whose firing alert a disruption holds now. */
  alertsHeld?(): number;
  /** Metric names in a disruption now. */
  disruptionsOpen?(): string[];
  info: Record<string, string>;
  /** The query service's counters. */
  queries: QueryStats;
  /** Peers in the current peerset, null while none is known. */
  peersetSize: () => number | null;
  /** Peers whose clock is off (the farthest, named). */
  clocks?(): ClockReport;
}

/** Peers whose clock disagrees with the monitor's (actors/clock-watch.ts). */
function clockGauges(register: Registry, source: MetricsSource): void {
  new Gauge({
    name: "peermon_peer_clock_offset_seconds",
    help: "Estimated clock offset of a peer (its clock minus the monitor's; negative: behind), for the peers off by the report threshold or more, farthest first",
    labelNames: ["peer"],
    registers: [register],
    collect() {
      this.reset();
      for (const p of source.clocks?.().peers ?? []) this.set({ peer: p.peer }, p.offsetMs / 1_000);
    },
  });
  new Gauge({
    name: "peermon_peers_clock_skewed",
    help: "Peers whose clock is off by the report threshold (5 s) or more, or whose metrics arrived already expired",
    registers: [register],
    collect() {
      this.set(source.clocks?.().count ?? 0);
    },
  });
}

/** Silences and disruptions as they are now. */
function operatorGauges(register: Registry, source: MetricsSource): void {
  new Gauge({
    name: "peermon_silences",
    help: "Silences muting alerts now",
    registers: [register],
    collect() {
      this.set(source.silencesActive?.() ?? 0);
    },
  });
  new Gauge({
    name: "peermon_alerts_held",
    help: "Windows whose firing alert a disruption holds now (they wait in expired)",
    registers: [register],
    collect() {
      this.set(source.alertsHeld?.() ?? 0);
    },
  });
  new Gauge({
    name: "peermon_disruption",
    help: "1 for each metric name in a disruption now",
    labelNames: ["name"],
    registers: [register],
    collect() {
      this.reset();
      for (const name of source.disruptionsOpen?.() ?? []) this.set({ name }, 1);
    },
  });
}

/** Counters of metric messages: name, help, reader. The ignored ones are counted by reason, below. */
const MESSAGE_COUNTERS: [name: string, help: string, read: (s: MonitorStats) => number][] = [
  ["peermon_metric_messages_received_total", "Metric messages received from peers, valid or not", (s) => s.metricsReceived],
  ["peermon_metric_messages_stored_total", "Metric messages stored in a window", (s) => s.metricsStored],
  [
    "peermon_metrics_expired_on_arrival_total",
    "Valid metrics with only e that arrived already past it (their sender's clock is behind): no sign of life",
    (s) => s.metricsExpiredOnArrival,
  ],
];

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
  for (const [name, help, read] of MESSAGE_COUNTERS) total(name, help, () => read(stats));
  new Counter({
    name: "peermon_metric_messages_ignored_total",
    help: "Metric messages of peers outside the peerset (not stored), by reason: removed_peer (left it, still publishes), unknown_peer (never in one)",
    labelNames: ["reason"],
    registers: [register],
    collect() {
      this.reset();
      for (const reason of IGNORE_REASONS) this.inc({ reason }, stats.ignored[reason]);
    },
  });

  total("peermon_queries_refused_total", "Queries dropped unanswered: their reply subject was not an _INBOX", () => stats.queriesRefused);
  total("peermon_windows_created_total", "Windows created", () => stats.windowsCreated);
  total("peermon_windows_freed_total", "Windows freed (peer left the peerset)", () => stats.windowsFreed);
  total("peermon_alerts_deferred_total", "Alerts the bus could not take at once (they waited)", () => stats.alertsDeferred);
  total("peermon_alerts_resent_total", "Alerts sent again, unconfirmed after a reconnect or timeout", () => stats.alertsResent);
  total("peermon_alerts_deduplicated_total", "Alerts another replica had already logged", () => stats.alertsDeduplicated);
  total("peermon_convictions_deferred_total", "Due deadlines held back during the monitor's own outage or grace", () => stats.convictionsDeferred);
  total("peermon_alerts_muted_total", "Alerts published muted (a silence matched): no sink delivers them", () => stats.alertsMuted);
  total("peermon_alerts_held_total", "Firing alerts held because their name was in a disruption", () => stats.alertsHeld);
  total(
    "peermon_expiries_awaiting_confirmation_total",
    "Expiries of peers that lose metrics that waited for their next expected metrics (serve --confirm auto)",
    () => stats.expiriesAwaitingConfirmation,
  );
  total("peermon_expiries_spared_total", "Expiries awaiting confirmation that a valid metric ended: false alerts spared", () => stats.expiriesSpared);
  total("peermon_disruptions_total", "Disruptions this monitor declared", () => stats.disruptionsStarted);
  operatorGauges(register, source);
  clockGauges(register, source);
  total("peermon_outages_total", "Times the link to NATS was impaired", () => stats.outages);
  total("peermon_suspicions_total", "Peers announced suspect by early suspicion (serve --suspicion on)", () => stats.suspicionsRaised);
  total("peermon_suspicions_cleared_total", "Suspect peers cleared by their next valid metric", () => stats.suspicionsCleared);
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
    name: "peermon_suspects",
    help: "Windows announced suspect now (early suspicion), by metric name",
    labelNames: ["name"],
    registers: [register],
    collect() {
      this.reset();
      for (const [name, n] of Object.entries(source.suspectCounts())) this.set({ name }, n);
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
    name: "peermon_peers_never_seen",
    help: "Peerset members that never reported a metric name other peers report (not alerted)",
    labelNames: ["name"],
    registers: [register],
    collect() {
      this.reset();
      for (const [name, { count }] of Object.entries(source.neverSeen())) this.set({ name }, count);
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
  new Gauge({ name: "peermon_info", help: "This monitor", labelNames: Object.keys(source.info), registers: [register] }).set(source.info, 1);
  const lag = new Histogram({
    name: "peermon_detection_lag_seconds",
    help: "From a window's deadline to its firing alert handed to the bus",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [register],
  });
  stats.onDetectionLag = (ms) => lag.observe(ms / 1_000);
  queryMetrics(register, source);
  return register;
}

/** Queries per endpoint and outcome, their durations, and the peerset size. */
function queryMetrics(register: Registry, source: MetricsSource): void {
  const { queries, peersetSize } = source;
  new Counter({
    name: "peermon_queries_total",
    help: "Queries answered, by endpoint (latest, peer, names) and outcome (ok, or the error sent back)",
    labelNames: ["endpoint", "outcome"],
    registers: [register],
    collect() {
      this.reset();
      for (const endpoint of QUERY_ENDPOINTS) {
        for (const outcome of QUERY_OUTCOMES) this.inc({ endpoint, outcome }, queries.answered[endpoint][outcome]);
      }
    },
  });
  const duration = new Histogram({
    name: "peermon_query_duration_seconds",
    help: "From a query's arrival to its answer, by endpoint",
    labelNames: ["endpoint"],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [register],
  });
  queries.onDuration = (endpoint, seconds) => duration.observe({ endpoint }, seconds);
  new Gauge({
    name: "peermon_peerset_peers",
    help: "Peers in the current peerset (0 while none is known: see peermon_peerset_known)",
    registers: [register],
    collect() {
      this.set(peersetSize() ?? 0);
    },
  });
  new Gauge({
    name: "peermon_peerset_known",
    help: "1 once a PeerSet is known (only its members are tracked), 0 before (every publishing peer is tracked)",
    registers: [register],
    collect() {
      this.set(peersetSize() === null ? 0 : 1);
    },
  });
}
