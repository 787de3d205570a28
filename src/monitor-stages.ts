/**
 * The stages of Monitor.start (src/monitor.ts) that build one part each from the parts before it:
 * the metric subscriptions and the restore, the query service, the HTTP side, and the settings the
 * operator controls hand the supervisor. The wiring, and only the wiring.
 */
/**
 * Monitor: the wiring, and only the wiring. `Monitor.start` runs the stages below in order; each
 * builds one part from the parts before it and returns it, so that nothing is used before it
 * exists: the connection, JetStream, the alert transport and the outbox, the supervisor with its
 * link probe, the intake with the peerset and metric subscriptions, the restore, the queries, the
 * connection watch, and the HTTP side.
 */
import type { JetStreamManager, NatsConnection, Service, Subscription } from "nats";
import type { Server } from "node:http";
import type { Subjects } from "./api/subjects.js";
import type { OutgoingBus } from "./bus/outgoing.js";
import type { Supervisor } from "./actors/supervisor.js";
import type { MetricIntake } from "./bus/intake.js";
import type { LinkProbe } from "./bus/link-probe.js";
import { LiveGate } from "./bus/live-gate.js";
import type { PeerSetSource } from "./bus/peerset-source.js";
import type { HistoryFeed } from "./bus/history-feed.js";
import { SERVICE_VERSION, startQueryService } from "./bus/queries.js";
import type { QueryStats } from "./bus/query-stats.js";
import { DurableWindows } from "./bus/durable-windows.js";
import { restoreEpisodes, restoreWindows, type RestoredWindows } from "./bus/restore.js";
import type { OperatorControls } from "./bus/operator-controls.js";
import type { Clock } from "./clock.js";
import { TUNING, type MonitorConfig } from "./config.js";
import { monitorMetrics } from "./http/metrics.js";
import { startHttpServer, type HttpAddress, type Readiness } from "./http/server.js";
import type { StatusSnapshot } from "./actors/window-views.js";
import type { Logger } from "./log.js";
import type { DisruptionEvent } from "./api/types.js";
import type { MonitorStats } from "./stats.js";
import type { Delivery } from "./delivery/delivery.js";
import { registerDeliveryMetrics } from "./http/delivery-metrics.js";

/** Partitions owned by `--shard I/N`: those with p mod N == I. Undefined: all of them. */
export function ownedPartitions(config: MonitorConfig): number[] | undefined {
  const shard = config.shard;
  if (!shard) return undefined;
  return Array.from({ length: config.partitions }, (_, p) => p).filter((p) => p % shard.count === shard.index);
}

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
  shardLabel: string;
}

export interface Parts {
  /** Shared with the HTTP readiness probe: set once `stop()` was called. */
  life: { stopping: boolean };
  /** Alerts and suspicion on their way to the bus. */
  outgoing: OutgoingBus;
  probe: LinkProbe;
  controls: OperatorControls;
  peerset: PeerSetSource;
  subscriptions: Subscription[];
  /** [issue 11: history] the alert log followed into the supervisor's episode index. */
  history: HistoryFeed;
  service: Service;
  /** [issue 13: durable windows] checkpoints, and answers to siblings that start. */
  durable: DurableWindows | undefined;
  http: Server | undefined;
  log: Logger;
  delivery: Delivery | undefined;
}

/** Live metric subscriptions for the partitions this instance owns, held at a gate until the restore ends. */
export async function subscribeMetrics(g: Ground, intake: MetricIntake) {
  const { config, nc, subjects, clock } = g;
  const owned = ownedPartitions(config);
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
 * [issue 13] Windows (from a sibling replica, else checkpoints) and open episodes (the alert log)
 * back from JetStream while live metrics wait at the gate; nobody is convicted meanwhile.
 */
export async function restore(g: Ground, jsm: JetStreamManager | undefined, sup: Supervisor, gate: LiveGate, logged: boolean, log: Logger) {
  const { config, nc, subjects, clock } = g;
  if (!jsm) return gate.open();
  sup.health.restoreStarted();
  const restoreLog = g.root.child({ component: "restore" });
  const owned = ownedPartitions(config);
  const restored = await restoreWindows({ config, nc, jsm, clock, subjects, sup, owned, shardTag: shardTag(config), log: restoreLog });
  if (logged) await restoreEpisodes(config, nc, clock, subjects, sup, log);
  gate.open();
  sup.health.restoreEnded(restored.metrics, sup.windowCount);
  return restored;
}

/** [issue 13] Checkpoints from now on, and answers to siblings that start. */
export function startDurableWindows(g: Ground, sup: Supervisor, restored: RestoredWindows): DurableWindows {
  const { config, nc, clock, subjects, stats } = g;
  const log = g.root.child({ component: "checkpoints" });
  return DurableWindows.start({ config, nc, clock, subjects, windows: sup.views, shardTag: shardTag(config), stored: restored.stored, stats, log });
}

/** What replicas of one shard share in internal subjects: `all`, or `<index>-of-<count>`. */
function shardTag(config: MonitorConfig): string {
  return config.shard ? `${config.shard.index}-of-${config.shard.count}` : "all";
}

/** Disruption mode as configured: holds announced through the operator controls' publisher. */
export function disruptionSettings(config: MonitorConfig, controls: OperatorControls) {
  return {
    threshold: config.disruptionThreshold,
    minPeers: config.disruptionMinPeers,
    hysteresis: TUNING.disruptionHysteresis,
    checkIntervalMs: TUNING.disruptionCheckMs,
    recountMs: TUNING.disruptionRecountMs,
    announce: (e: DisruptionEvent) => controls.publisher.announce(e),
  };
}

/** What `peermon status` shows of operator control: silences muting now, open disruptions, held alerts. */
function operatorStatus(supervisor: Supervisor, controls: OperatorControls) {
  return { silences: controls.activeSilences(), disruptions: supervisor.disruptions.report(), alertsHeld: supervisor.disruptions.held };
}

export function startQueries(g: Ground, supervisor: Supervisor, delivery: Delivery | undefined, controls: OperatorControls): Promise<Service> {
  const { config } = g;
  return startQueryService({
    operatorStatus: () => operatorStatus(supervisor, controls),
    nc: g.nc,
    supervisor,
    subjects: g.subjects,
    partitions: ownedPartitions(config),
    shard: config.shard,
    partitionCount: config.partitions, // [issue 11: history] which names this shard answers history for
    queue: config.shard ? `${config.prefix}-shard-${config.shard.index}-of-${config.shard.count}` : config.prefix,
    metadata: { prefix: config.prefix, shard: g.shardLabel, partitions: String(config.partitions) },
    log: g.root.child({ component: "queries" }),
    clock: g.clock,
    rejectLogIntervalMs: config.rejectLogIntervalMs,
    queryStats: g.queryStats,
    delivery: () => delivery?.status(),
  });
}

export function startHttp(
  g: Ground,
  address: HttpAddress,
  sup: Supervisor,
  life: Parts["life"],
  delivery: Delivery | undefined,
  controls: OperatorControls,
): Promise<Server> {
  return startHttpServer(address, {
    readiness: () => readinessOf(g.nc, sup, life.stopping),
    // [issue 11: page] the snapshot with its shard, the active silences and the open disruptions.
    status: (perName) => ({ ...sup.views.statusSnapshot(perName), shard: g.shardLabel, ...operatorPanels(g, sup, controls) }),
    metrics: registerDeliveryMetrics(
      monitorMetrics({
        stats: g.stats,
        queries: g.queryStats,
        peersetSize: () => sup.currentPeerSet?.peers.length ?? null,
        stateCounts: () => sup.views.stateCounts(),
        suspectCounts: () => sup.views.suspectCounts(),
        neverSeen: () => sup.views.neverSeenSummary(0), // [issue 11: never-seen peers]
        linkUp: () => !g.nc.isClosed() && !sup.health.guard.impaired,
        graceLeftMs: () => sup.health.guard.report(g.clock.now()).graceLeftMs,
        silencesActive: () => controls.activeSilences(),
        alertsHeld: () => sup.disruptions.held,
        disruptionsOpen: () => sup.disruptions.report().map((d) => d.name),
        info: { shard: g.shardLabel, prefix: g.config.prefix, version: SERVICE_VERSION },
      }),
      delivery,
    ),
  });
}

/** [issue 11: page] The silences and disruptions the status page shows. */
function operatorPanels(g: Ground, sup: Supervisor, controls: OperatorControls): Pick<StatusSnapshot, "silences" | "disruptions"> {
  const silences = controls.silences.active(g.clock.wallNow()).map((x) => ({
    id: x.id,
    peer: x.peer,
    endsAt: new Date(x.endsAtMs).toISOString(),
    ...(x.name === undefined ? {} : { name: x.name }),
    ...(x.comment ? { comment: x.comment } : {}),
  }));
  return { silences, disruptions: sup.disruptions.report() };
}

export function readinessOf(nc: NatsConnection, sup: Supervisor, stopping: boolean): Readiness {
  if (stopping) return { ready: false, reason: "stopping" };
  if (nc.isClosed()) return { ready: false, reason: "the NATS connection is closed" };
  if (sup.health.guard.impaired) return { ready: false, reason: "the connection to NATS is impaired" };
  return { ready: true };
}

/** Waits for `p` at most `ms`; true when it settled without error in time. */
export async function bounded(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
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
