/**
 * The stages of Monitor.start (src/monitor.ts) that build one part each from the parts before it:
 * the metric subscriptions and the restore, durable windows, the query service, the HTTP side, and
 * the settings the operator controls hand the windows. The wiring, and only the wiring.
 */
import type { JetStreamManager, NatsConnection, Service, Subscription } from "nats";
import type { Server } from "node:http";
import type { Muter } from "./actors/muter.js";
import type { Outbox } from "./actors/outbox.js";
import type { Supervisor } from "./actors/supervisor.js";
import { wireWindows, type WindowUnits } from "./actors/window-units.js";
import type { PeerSet } from "./api/types.js";
import { watchConnection } from "./bus/connection-watch.js";
import { rhythmDetectors } from "./window/detectors/rhythm.js";
import type { Subjects } from "./api/subjects.js";
import type { Ownership } from "./bus/ownership.js";
import type { OutgoingBus } from "./bus/outgoing.js";
import type { MetricIntake } from "./bus/intake.js";
import type { LinkProbe } from "./bus/link-probe.js";
import { LiveGate } from "./bus/live-gate.js";
import { followPeerSet, type PeerSetSource } from "./bus/peerset-source.js";
import { followHistory, type HistoryFeed } from "./bus/history-feed.js";
import { SERVICE_VERSION, startQueryService } from "./bus/queries.js";
import type { QueryStats } from "./bus/query-stats.js";
import { DurableWindows } from "./bus/durable-windows.js";
import { restoreEpisodes, restoreWindows, type RestoredWindows } from "./bus/restore.js";
import type { OperatorControls } from "./bus/operator-controls.js";
import type { Clock, TimerHandle } from "./clock.js";
import { TUNING, type MonitorConfig } from "./config.js";
import { monitorMetrics } from "./http/metrics.js";
import { startHttpServer, type HttpAddress, type Readiness } from "./http/server.js";
import type { StatusSnapshot } from "./actors/window-status.js";
import type { Logger } from "./log.js";
import type { MonitorStats } from "./stats.js";
import type { Delivery } from "./delivery/delivery.js";
import { registerDeliveryMetrics } from "./http/delivery-metrics.js";

/** What the stages share: settings, the connection, the clock, the counters and the root logger. */
export interface Ground {
  config: MonitorConfig;
  nc: NatsConnection;
  clock: Clock;
  stats: MonitorStats;
  subjects: Subjects;
  /** What the query service counts, read by /metrics. */
  queryStats: QueryStats;
  root: Logger;
  /** Randomness (backoff jitter, checkpoint spread). */
  random: () => number;
  /** The names and partitions this instance owns (its shard). */
  ownership: Ownership;
}

export interface Parts {
  /** Shared with the HTTP readiness probe: set once `stop()` was called. */
  life: { stopping: boolean; connected: boolean };
  /** The windows' units: registry and router, views, health, disruptions, history. */
  units: WindowUnits;
  /** Alerts and suspicion on their way to the bus. */
  outgoing: OutgoingBus;
  probe: LinkProbe;
  controls: OperatorControls;
  peerset: PeerSetSource;
  subscriptions: Subscription[];
  /** The alert log followed into the episode index. */
  history: HistoryFeed;
  service: Service;
  /** Durable windows: checkpoints, and answers to siblings that start. */
  durable: DurableWindows | undefined;
  http: Server | undefined;
  log: Logger;
  delivery: Delivery | undefined;
}

/** Live metric subscriptions for the partitions this instance owns, held at a gate until the restore ends. */
export async function subscribeMetrics(g: Ground, intake: MetricIntake) {
  const { nc, subjects, clock } = g;
  const owned = g.ownership.partitions;
  const list = owned ? owned.map((k) => subjects.partitionedMetrics(k)) : [subjects.metricsAll, subjects.partitionedMetricsAll];
  const gate = new LiveGate(
    (subject, data, at) => intake.receive(subject, data, at),
    () => clock.now(),
  );
  const subscriptions = list.map((subject) => nc.subscribe(subject, { callback: (err, m) => err || gate.receive(m.subject, m.data) }));
  await nc.flush();
  return { subjects: list, gate, subscriptions };
}

/**
 * Windows (from a sibling replica, else checkpoints) and open episodes (the alert log) back from
 * JetStream while live metrics wait at the gate; nobody is convicted meanwhile.
 */
export async function restore(g: Ground, jsm: JetStreamManager | undefined, units: WindowUnits, gate: LiveGate, logged: boolean, log: Logger) {
  const { config, nc, subjects, clock, ownership } = g;
  if (!jsm) return gate.open();
  const { supervisor, health } = units;
  health.restoreStarted();
  const restoreLog = g.root.child({ component: "restore" });
  const restored = await restoreWindows({ config, nc, jsm, clock, subjects, sup: supervisor, stats: units.stats, ownership, log: restoreLog });
  if (logged) await restoreEpisodes({ nc, clock, subjects, sup: supervisor, owns: ownership.owns, log });
  gate.open();
  health.restoreEnded(restored.metrics, supervisor.windowCount);
  return restored;
}

/** Checkpoints from now on, and answers to siblings that start. */
export function startDurableWindows(g: Ground, units: WindowUnits, restored: RestoredWindows): DurableWindows {
  const { config, nc, clock, subjects, stats } = g;
  const log = g.root.child({ component: "checkpoints" });
  return DurableWindows.start({
    config,
    nc,
    clock,
    random: g.random,
    subjects,
    windows: units.views,
    shardTag: g.ownership.tag,
    stored: restored.stored,
    stats,
    log,
    changes: units.changes,
  });
}

/** The windows' units on the monitor's outbox, link probe and silences; `journaled`: new windows are journaled (durable windows in JetStream). */
export function windowsOf(g: Ground, outbox: Outbox, probe: LinkProbe, silences: Muter, journaled: boolean): WindowUnits {
  const { config, clock, stats, root } = g;
  return wireWindows({
    ...config,
    clock,
    outbox,
    roundTrip: probe,
    stats,
    log: root.child({ component: "supervisor" }),
    muter: silences,
    disruption: disruptionSettings(config),
    suspects: config.suspicion ? { detectors: rhythmDetectors() } : undefined,
    journal: journaled,
    confirmation: config.confirm === "auto" ? {} : undefined,
  });
}

/** The peerset, from its stream (or memory without JetStream), through the intake to the supervisor. */
export function followMonitorPeerSet(g: Ground, jsm: JetStreamManager | undefined, intake: MetricIntake, supervisor: Supervisor): Promise<PeerSetSource> {
  const target = {
    receivePeerSet: (data: Uint8Array, maxBytes?: number) => intake.receivePeerSet(data, maxBytes),
    applyPeerSet: (ps: PeerSet) => supervisor.applyPeerSet(ps),
  };
  return followPeerSet(g.nc, g.subjects, target, g.root.child({ component: "peerset" }), { jsm, replicas: g.config.streamReplicas, clock: g.clock });
}

/** The alert log into the episode index, for history queries and the page. */
export function followMonitorHistory(g: Ground, units: WindowUnits, logged: boolean): Promise<HistoryFeed> {
  const { nc, clock, subjects, config } = g;
  const log = g.root.child({ component: "history" });
  return followHistory({ nc, clock, subjects, owns: g.ownership.owns, retentionMs: config.alertRetentionMs, index: units.history, logged, log });
}

/** The link probe and the connection's events tell the health unit, the road out and `life` how the bus is. */
export function watchLink(g: Ground, outgoing: OutgoingBus, probe: LinkProbe, health: WindowUnits["health"], life: Parts["life"]): void {
  probe.start({ impaired: (r) => health.linkImpaired(r), recovered: (r) => health.linkRecovered(r) });
  health.watchReads();
  watchConnection(g.nc, g.root.child({ component: "connection" }), {
    disconnected: () => {
      life.connected = false;
      outgoing.disconnected();
      probe.disconnected();
      health.linkImpaired("disconnected");
    },
    reconnected: () => {
      life.connected = true;
      probe.reconnected();
      health.linkRecovered("disconnected");
      outgoing.reconnected();
    },
    lost: (reason) => health.linkLost(reason),
  });
}

/** Disruption mode as configured. */
function disruptionSettings(config: MonitorConfig) {
  return {
    threshold: config.disruptionThreshold,
    minPeers: config.disruptionMinPeers,
    hysteresis: TUNING.disruptionHysteresis,
    checkIntervalMs: TUNING.disruptionCheckMs,
    recountMs: TUNING.disruptionRecountMs,
  };
}

/** What `peermon status` shows of operator control: silences muting now, open disruptions, held alerts. */
function operatorStatus(units: WindowUnits, controls: OperatorControls) {
  return { silences: controls.activeSilences(), disruptions: units.disruptions.report(), alertsHeld: units.disruptions.held };
}

export function startQueries(g: Ground, units: WindowUnits, delivery: Delivery | undefined, controls: OperatorControls): Promise<Service> {
  const { config, ownership } = g;
  return startQueryService({
    operatorStatus: () => operatorStatus(units, controls),
    nc: g.nc,
    views: units.views,
    stats: units.stats,
    link: () => units.health.linkReport(g.clock.now()),
    subjects: g.subjects,
    partitions: ownership.partitions,
    shard: config.shard,
    owns: ownership.owns,
    queue: config.shard ? `${config.prefix}-shard-${ownership.tag}` : config.prefix,
    metadata: { prefix: config.prefix, shard: ownership.label, partitions: String(config.partitions) },
    log: g.root.child({ component: "queries" }),
    clock: g.clock,
    rejectLogIntervalMs: config.rejectLogIntervalMs,
    queryStats: g.queryStats,
    delivery: () => delivery?.status(),
    clocks: () => units.clocks.report(TUNING.clockPeersListed),
  });
}

export function startHttp(
  g: Ground,
  address: HttpAddress,
  units: WindowUnits,
  life: Parts["life"],
  delivery: Delivery | undefined,
  controls: OperatorControls,
): Promise<Server> {
  const { views, health, disruptions } = units;
  return startHttpServer(address, {
    clock: g.clock,
    readiness: () => readinessOf(g.nc, units, life.stopping),
    // The snapshot with its shard, the active silences and the open disruptions.
    status: (perName) => ({ ...views.statusSnapshot(perName), shard: g.ownership.label, ...operatorPanels(g, units, controls) }),
    metrics: registerDeliveryMetrics(
      monitorMetrics({
        stats: g.stats,
        queries: g.queryStats,
        peersetSize: () => units.supervisor.currentPeerSet?.peers.length ?? null,
        stateCounts: () => views.stateCounts(),
        suspectCounts: () => views.suspectCounts(),
        neverSeen: () => views.neverSeenSummary(0),
        linkUp: () => !g.nc.isClosed() && !health.impaired,
        graceLeftMs: () => health.linkReport(g.clock.now()).graceLeftMs,
        silencesActive: () => controls.activeSilences(),
        alertsHeld: () => disruptions.held,
        disruptionsOpen: () => disruptions.report().map((d) => d.name),
        clocks: () => units.clocks.report(TUNING.clockPeersListed),
        info: { shard: g.ownership.label, prefix: g.config.prefix, version: SERVICE_VERSION },
      }),
      delivery,
    ),
  });
}

/** The silences, disruptions and skewed clocks the status page shows. */
function operatorPanels(g: Ground, units: WindowUnits, controls: OperatorControls): Pick<StatusSnapshot, "silences" | "disruptions" | "clocks"> {
  const silences = controls.silences.active(g.clock.wallNow()).map((x) => ({
    id: x.id,
    peer: x.peer,
    endsAt: new Date(x.endsAtMs).toISOString(),
    ...(x.name === undefined ? {} : { name: x.name }),
    ...(x.comment ? { comment: x.comment } : {}),
  }));
  return { silences, disruptions: units.disruptions.report(), clocks: units.clocks.report(TUNING.clockPeersListed) };
}

export function readinessOf(nc: NatsConnection, units: WindowUnits, stopping: boolean): Readiness {
  if (stopping) return { ready: false, reason: "stopping" };
  if (nc.isClosed()) return { ready: false, reason: "the NATS connection is closed" };
  if (units.health.impaired) return { ready: false, reason: "the connection to NATS is impaired" };
  return { ready: true };
}

/** Waits for `p` at most `ms` on `clock`; true when it settled without error in time. */
export async function bounded(clock: Clock, p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = clock.setTimer(() => resolve(false), ms)));
  const settled = p.then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    if (timer !== undefined) clock.clearTimer(timer);
  }
}

/** The JetStream manager, or undefined (with one warning) when the server has no JetStream. */
export async function jetStreamOrWarn(nc: NatsConnection, log: Logger): Promise<JetStreamManager | undefined> {
  try {
    return await nc.jetstreamManager();
  } catch (err) {
    log.warn(
      { err: (err as Error).message },
      "JetStream is not available: the peerset is kept in memory only and alerts are published without the alert log " +
        "(enable it with `jetstream: enabled` in the server config, or nats-server -js)",
    );
    return undefined;
  }
}
