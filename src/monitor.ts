/**
 * Monitor: the wiring, and only the wiring. `Monitor.start` runs the stages below in order; each
 * builds one part from the parts before it and returns it, so that nothing is used before it
 * exists: the connection, JetStream, the alert transport and the outbox, the supervisor with its
 * link probe, the intake with the peerset and metric subscriptions, the restore, the queries, the
 * connection watch, and the HTTP side.
 */
import type { JetStreamManager, NatsConnection, Service, Subscription } from "nats";
import type { Server } from "node:http";
import { Subjects } from "./api/subjects.js";
import { Outbox, type Transport } from "./actors/outbox.js";
import { SUSPICION_ACCOUNT } from "./actors/suspicion.js";
import { ensureSuspicionStream, StreamSuspicionTransport } from "./bus/suspicion-log.js";
import { DEFAULT_RHYTHM, detectorFactory } from "./window/detectors/mod.js";
import { Supervisor } from "./actors/supervisor.js";
import { StreamAlertTransport, ensureAlertStream } from "./bus/alert-stream.js";
import { openConnection } from "./bus/connection.js";
import { watchConnection } from "./bus/connection-watch.js";
import { CoreTransport } from "./bus/core-transport.js";
import { MetricIntake } from "./bus/intake.js";
import { LinkProbe } from "./bus/link-probe.js";
import { LiveGate } from "./bus/live-gate.js";
import { answerShardNames } from "./bus/names.js";
import { followPeerSet, type PeerSetMode, type PeerSetSource } from "./bus/peerset-source.js";
import { followHistory, type HistoryFeed } from "./bus/history-feed.js";
import { SERVICE_VERSION, startQueryService } from "./bus/queries.js";
import { QueryStats } from "./bus/query-stats.js";
import { DurableWindows } from "./bus/durable-windows.js";
import { restoreEpisodes, restoreWindows, type RestoredWindows } from "./bus/restore.js";
import { OperatorControls } from "./bus/operator-controls.js";
import { SystemClock, type Clock } from "./clock.js";
import { TUNING, type MonitorConfig } from "./config.js";
import { monitorMetrics } from "./http/metrics.js";
import { startHttpServer, type HttpAddress, type Readiness } from "./http/server.js";
import type { StatusSnapshot } from "./actors/window-views.js";
import { silentLogger, type Logger } from "./log.js";
import type { Alert, DisruptionEvent, SuspicionEvent } from "./api/types.js";
import { encodeAlert, encodeSuspicion } from "./api/codec.js";
import { MonitorStats } from "./stats.js";
import { startMonitorDelivery, type Delivery } from "./delivery/delivery.js";
import { registerDeliveryMetrics } from "./http/delivery-metrics.js";

export interface MonitorOptions {
  log?: Logger;
  clock?: Clock;
}

/** Partitions owned by `--shard I/N`: those with p mod N == I. Undefined: all of them. */
export function ownedPartitions(config: MonitorConfig): number[] | undefined {
  const shard = config.shard;
  if (!shard) return undefined;
  return Array.from({ length: config.partitions }, (_, p) => p).filter((p) => p % shard.count === shard.index);
}

/** What the stages share: settings, the connection, the clock, the counters and the root logger. */
interface Ground {
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

interface Parts {
  /** Early suspicion's events, when it is on. */
  suspects: Outbox<SuspicionEvent> | undefined;
  /** Shared with the HTTP readiness probe: set once `stop()` was called. */
  life: { stopping: boolean };
  outbox: Outbox;
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

export class Monitor {
  private stopped: Promise<void> | undefined;

  private constructor(
    readonly config: MonitorConfig,
    readonly supervisor: Supervisor,
    readonly nc: NatsConnection,
    readonly peersetMode: PeerSetMode,
    private readonly parts: Parts,
  ) {}

  static async start(config: MonitorConfig, options: MonitorOptions = {}): Promise<Monitor> {
    const shardLabel = config.shard ? `${config.shard.index}/${config.shard.count}` : "all";
    const nc = await openConnection(config.nats, { name: `peermon-serve shard ${shardLabel}` });
    const ground: Ground = {
      config,
      nc,
      clock: options.clock ?? new SystemClock({ wallStepThresholdMs: config.wallStepThresholdMs }),
      stats: new MonitorStats(),
      subjects: new Subjects(config.prefix),
      queryStats: new QueryStats(),
      root: options.log ?? silentLogger,
      shardLabel,
    };
    try {
      return await Monitor.build(ground);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** Ready when connected to NATS and not cut off: its answers and alerts can be relied on. */
  readiness(): Readiness {
    return readinessOf(this.nc, this.supervisor, this.parts.life.stopping);
  }

  /** The port of the HTTP server (health, metrics, status page), when one runs. */
  get httpPort(): number | undefined {
    const address = this.parts.http?.address();
    return typeof address === "object" && address ? address.port : undefined;
  }

  /** Silences this monitor follows and its disruption events. */
  get controls(): OperatorControls {
    return this.parts.controls;
  }

  get stats(): MonitorStats {
    return this.supervisor.stats;
  }

  /** Alert delivery to people, when a destination is set. */
  get delivery(): Delivery | undefined {
    return this.parts.delivery;
  }

  /** Stops serving: queries and subscriptions end, confirmed alerts are flushed, the connection drains. Idempotent. */
  stop(): Promise<void> {
    this.parts.life.stopping = true;
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    const { outbox, probe, peerset, service, durable, log, http, delivery, controls, history } = this.parts;
    probe.stop();
    history.stop(); // [issue 11: history]
    http?.close();
    this.supervisor.stop();
    controls.stop();
    if (this.nc.isClosed()) {
      // [issue 13] Closed under it (a crash as far as the server knows): stop what still holds timers.
      await bounded(peerset.stop(), TUNING.stopStepMs);
      return durable?.stop();
    }
    // Each step is bounded: a monitor whose server is gone must still stop.
    await bounded(service.stop(), TUNING.stopStepMs);
    // [issue 13] A last checkpoint, so that a restart finds the windows as they are now.
    await durable?.stop(TUNING.stopStepMs);
    await bounded(peerset.stop(), TUNING.stopStepMs);
    await bounded(delivery?.stop() ?? Promise.resolve(), TUNING.stopStepMs);
    await this.parts.suspects?.settle(TUNING.stopStepMs);
    if (!(await outbox.settle(TUNING.stopStepMs))) {
      log.warn({ pending: outbox.waiting }, "stopping with alerts the server has not confirmed");
    }
    await bounded(this.nc.drain(), TUNING.drainMs);
    // drain() can resolve while a reconnect loop still runs (server gone): close for good.
    if (!this.nc.isClosed()) await this.nc.close();
    log.info({}, "peermon monitor stopped");
  }

  /** The stages, in order: each builds one part from the ones before it. */
  private static async build(g: Ground): Promise<Monitor> {
    const { config, nc, clock, stats, root } = g;
    const log = root.child({ component: "monitor" });
    const jsm = config.jetstream ? await jetStreamOrWarn(nc, log) : undefined;
    const alerts = await alertTransport(g, jsm);
    const outbox = new Outbox({
      transport: alerts.transport,
      clock,
      stats,
      log: root.child({ component: "alerts" }),
      maxInFlight: TUNING.maxAlertsInFlight,
      maxRetryPauseMs: TUNING.maxAlertRetryPauseMs,
    });
    const suspects = config.suspicion ? await suspicionOutbox(g, jsm) : undefined;
    const probe = new LinkProbe(nc, clock, config.probeIntervalMs, config.probeTimeoutMs);
    const controls = await OperatorControls.prepare({ ...g, log: root.child({ component: "operator" }) }, jsm);
    const supervisor = new Supervisor({
      ...config,
      clock,
      outbox,
      roundTrip: probe,
      stats,
      log: root.child({ component: "supervisor" }),
      muter: controls.silences,
      disruption: disruptionSettings(config, controls),
      suspects: suspects && { detectors: detectorFactory("rhythm", DEFAULT_RHYTHM), outbox: suspects.outbox },
    });
    const intake = new MetricIntake({ ...config, target: supervisor, stats, clock, log: root.child({ component: "intake" }) });
    const peerset = await followPeerSet(
      nc,
      g.subjects,
      { receivePeerSet: (data, maxBytes) => intake.receivePeerSet(data, maxBytes), applyPeerSet: (ps) => supervisor.applyPeerSet(ps) },
      root.child({ component: "peerset" }),
      { jsm, replicas: config.streamReplicas },
    );
    const metrics = await subscribeMetrics(g, intake);
    await controls.attach(supervisor);
    const restored = await restore(g, jsm, supervisor, metrics.gate, alerts.logged, log);
    const subscriptions = metrics.subscriptions;
    if (config.shard) subscriptions.push(answerShardNames(nc, g.subjects, config.shard, () => supervisor.views.names()));
    // Alerts to people, downstream of the alert log (never in detection's way).
    const delivery = await startMonitorDelivery({
      nc,
      jsm: alerts.logged ? jsm : undefined,
      subjects: g.subjects,
      config,
      clock,
      log: root,
      sup: supervisor.views,
    });
    // [issue 11: history] the alert log into the episode index, for history queries and the page.
    const history = await followHistory({
      nc, clock, subjects: g.subjects, shard: config.shard, partitions: config.partitions, retentionMs: config.alertRetentionMs,
      index: supervisor.history, logged: alerts.logged, log: root.child({ component: "history" }),
    });
    const service = await startQueries(g, supervisor, delivery, controls);
    // [issue 13] Checkpoints from now on, and answers to siblings that start.
    const durable = restored && config.durableWindows ? startDurableWindows(g, supervisor, restored) : undefined;
    probe.start({ impaired: (r) => supervisor.health.linkImpaired(r), recovered: (r) => supervisor.health.linkRecovered(r) });
    watchConnection(nc, root.child({ component: "connection" }), {
      disconnected: () => {
        alerts.transport.disconnected();
        suspects?.transport.disconnected();
        probe.disconnected();
        supervisor.health.linkImpaired("disconnected");
      },
      reconnected: () => {
        alerts.transport.reconnected();
        suspects?.transport.reconnected();
        probe.reconnected();
        supervisor.health.linkRecovered("disconnected");
        outbox.resume();
        suspects?.outbox.resume();
      },
    });
    await nc.flush();
    const life = { stopping: false };
    const http = config.http ? await startHttp(g, config.http, supervisor, life, delivery, controls) : undefined;
    log.info(
      { servers: nc.getServer(), shard: g.shardLabel, peerset: peerset.mode, alerts: alerts.logged ? "alert stream" : "core", subjects: metrics.subjects },
      "peermon monitor serving",
    );
    return new Monitor(config, supervisor, nc, peerset.mode, { life, outbox, suspects: suspects?.outbox, probe, controls, peerset, subscriptions, history, service, durable, http, log, delivery });
  }
}

/** Early suspicion's outbox: the suspicion log with JetStream (once across replicas), plain publishes otherwise. */
async function suspicionOutbox(g: Ground, jsm: JetStreamManager | undefined) {
  const { config, nc, subjects, stats, clock } = g;
  const log = g.root.child({ component: "suspicion" });
  let transport: (Transport<SuspicionEvent> & { disconnected(): void; reconnected(): void }) | undefined;
  if (jsm) {
    try {
      await ensureSuspicionStream(jsm, subjects, { replicas: config.streamReplicas, retentionMs: config.alertRetentionMs });
      transport = await StreamSuspicionTransport.open(nc, subjects, stats);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "cannot use the suspicion log stream: publishing suspicion directly");
    }
  }
  transport ??= new CoreTransport<SuspicionEvent>(nc, (e) => subjects.suspects(e.name, e.peer), encodeSuspicion);
  const outbox = new Outbox<SuspicionEvent>({
    transport,
    account: SUSPICION_ACCOUNT,
    clock,
    stats,
    log,
    maxInFlight: TUNING.maxAlertsInFlight,
    maxRetryPauseMs: TUNING.maxAlertRetryPauseMs,
  });
  return { outbox, transport };
}

/** The alert log when JetStream is there (exactly once across replicas), plain publishes otherwise. */
async function alertTransport(g: Ground, jsm: JetStreamManager | undefined) {
  const { config, nc, subjects, stats } = g;
  if (jsm) {
    try {
      await ensureAlertStream(jsm, subjects, { replicas: config.streamReplicas, retentionMs: config.alertRetentionMs });
      return { transport: await StreamAlertTransport.open(nc, subjects, stats, config.repeatIntervalMs), logged: true };
    } catch (err) {
      g.root.child({ component: "alerts" }).warn({ err: (err as Error).message }, "cannot use the alert log stream: publishing alerts directly");
    }
  }
  return { transport: new CoreTransport<Alert>(nc, (a) => subjects.alert(a.name, a.peer), encodeAlert), logged: false };
}

/** Live metric subscriptions for the partitions this instance owns, held at a gate until the restore ends. */
async function subscribeMetrics(g: Ground, intake: MetricIntake) {
  const { config, nc, subjects, clock } = g;
  const owned = ownedPartitions(config);
  const list = owned ? owned.map((k) => subjects.partitionedMetrics(k)) : [subjects.metricsAll, subjects.partitionedMetricsAll];
  const gate = new LiveGate((subject, data, at) => intake.receive(subject, data, at), () => clock.now());
  const subscriptions = list.map((subject) => nc.subscribe(subject, { callback: (err, m) => err || gate.receive(m.subject, m.data) }));
  await nc.flush();
  return { subjects: list, gate, subscriptions };
}

/**
 * [issue 13] Windows (from a sibling replica, else checkpoints) and open episodes (the alert log)
 * back from JetStream while live metrics wait at the gate; nobody is convicted meanwhile.
 */
async function restore(g: Ground, jsm: JetStreamManager | undefined, sup: Supervisor, gate: LiveGate, logged: boolean, log: Logger) {
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
function startDurableWindows(g: Ground, sup: Supervisor, restored: RestoredWindows): DurableWindows {
  const { config, nc, clock, subjects, stats } = g;
  const log = g.root.child({ component: "checkpoints" });
  return DurableWindows.start({ config, nc, clock, subjects, windows: sup.views, shardTag: shardTag(config), stored: restored.stored, stats, log });
}

/** What replicas of one shard share in internal subjects: `all`, or `<index>-of-<count>`. */
function shardTag(config: MonitorConfig): string {
  return config.shard ? `${config.shard.index}-of-${config.shard.count}` : "all";
}

/** Disruption mode as configured: holds announced through the operator controls' publisher. */
function disruptionSettings(config: MonitorConfig, controls: OperatorControls) {
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

function startQueries(g: Ground, supervisor: Supervisor, delivery: Delivery | undefined, controls: OperatorControls): Promise<Service> {
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

function startHttp(g: Ground, address: HttpAddress, sup: Supervisor, life: Parts["life"], delivery: Delivery | undefined, controls: OperatorControls): Promise<Server> {
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

function readinessOf(nc: NatsConnection, sup: Supervisor, stopping: boolean): Readiness {
  if (stopping) return { ready: false, reason: "stopping" };
  if (nc.isClosed()) return { ready: false, reason: "the NATS connection is closed" };
  if (sup.health.guard.impaired) return { ready: false, reason: "the connection to NATS is impaired" };
  return { ready: true };
}

/** Waits for `p` at most `ms`; true when it settled without error in time. */
async function bounded(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The JetStream manager, or undefined (with one warning) when the server has no JetStream. */
async function jetStreamOrWarn(nc: NatsConnection, log: Logger): Promise<JetStreamManager | undefined> {
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
