/**
 * Monitor: the wiring, and only the wiring. It connects to NATS, builds the supervisor with its
 * alert sink and link probe, follows the peerset, subscribes to the metric subjects this instance
 * owns, registers the query service, and turns connection events into link-health calls.
 */
import { Events, DebugEvents, type JetStreamManager, type NatsConnection, type Service, type Subscription } from "nats";
import { Subjects } from "./api/subjects.js";
import { Supervisor } from "./actors/supervisor.js";
import { CoreAlertSink, type BusAlertSink } from "./bus/alert-sink.js";
import { ensureAlertStream, StreamAlertSink } from "./bus/alert-stream.js";
import { openConnection } from "./bus/connection.js";
import { LinkProbe } from "./bus/link-probe.js";
import { followPeerSet, type PeerSetMode, type PeerSetSource } from "./bus/peerset-source.js";
import { SERVICE_VERSION, startQueryService } from "./bus/queries.js";
import { answerShardNames } from "./bus/names.js";
import { LiveGate } from "./bus/window-store.js";
import { restoreEpisodes, restoreWindows } from "./bus/restore.js";
import { systemClock, type Clock } from "./clock.js";
import type { MonitorConfig } from "./config.js";
import { silentLogger, type Logger } from "./log.js";
import { startHttpServer, type Readiness } from "./http/server.js";
import { monitorMetrics } from "./http/metrics.js";
import type { Server } from "node:http";
import { MonitorStats } from "./stats.js";
import { startMonitorDelivery, type Delivery } from "./delivery/delivery.js"; // [delivery, issue 10]
import { registerDeliveryMetrics } from "./http/delivery-metrics.js"; // [delivery, issue 10]

/** Peers per metric name on the status page (troubled ones first). */
const STATUS_PEERS_PER_NAME = 200;

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

export class Monitor {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: MonitorConfig,
    readonly supervisor: Supervisor,
    readonly nc: NatsConnection,
    readonly peersetMode: PeerSetMode,
    private readonly parts: {
      http: Server | undefined;
      sink: BusAlertSink;
      probe: LinkProbe;
      peerset: PeerSetSource;
      subscriptions: Subscription[];
      service: Service;
      log: Logger;
      delivery: Delivery | undefined; // [delivery, issue 10]
    },
  ) {}

  static async start(config: MonitorConfig, options: MonitorOptions = {}): Promise<Monitor> {
    const log = (options.log ?? silentLogger).child({ component: "monitor" });
    const shardLabel = config.shard ? `${config.shard.index}/${config.shard.count}` : "all";
    const nc = await openConnection(config.nats, { name: `peermon-serve shard ${shardLabel}` });
    try {
      return await Monitor.wire(config, nc, options.clock ?? systemClock, log, shardLabel);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private static async wire(config: MonitorConfig, nc: NatsConnection, clock: Clock, log: Logger, shardLabel: string) {
    const subjects = new Subjects(config.prefix);
    const stats = new MonitorStats();
    const jsm = config.jetstream ? await jetStreamOrWarn(nc, log) : undefined;
    const sink = await alertSink(config, nc, jsm, subjects, stats, log.child({ component: "alerts" }));
    let supervisor: Supervisor | undefined;
    const probe = new LinkProbe(nc, () => supervisor!, config.probeIntervalMs, config.probeTimeoutMs);
    supervisor = new Supervisor({
      ...config,
      clock,
      sink,
      reachability: probe,
      log: log.child({ component: "supervisor" }),
      stats,
    });
    const sup = supervisor;
    const peerset = await followPeerSet(nc, subjects, sup, log.child({ component: "peerset" }), {
      jsm,
      replicas: config.streamReplicas,
    });
    const owned = ownedPartitions(config);
    const metricSubjects = owned
      ? owned.map((k) => subjects.partitionedMetrics(k))
      : [subjects.metricsAll, subjects.partitionedMetricsAll];
    const gate = new LiveGate((subject, data, at) => sup.receive(subject, data, at), () => clock.now());
    const subscriptions = metricSubjects.map((subject) =>
      nc.subscribe(subject, { callback: (err, m) => err || gate.receive(m.subject, m.data) }),
    );
    await nc.flush();
    const replayFilters = owned ? owned.map((k) => subjects.metricFilter(k)) : [subjects.metricFilter(), subjects.metricFilter("*")];
    if (jsm) {
      sup.restoreStarted();
      const count = config.durableWindows ? await restoreWindows(config, nc, jsm, subjects, replayFilters, gate, log) : 0;
      if (sink instanceof StreamAlertSink) await restoreEpisodes(config, nc, subjects, sup, log);
      gate.open();
      sup.restoreEnded(count);
    } else {
      gate.open();
    }
    if (config.shard) subscriptions.push(answerShardNames(nc, subjects, config.shard, () => sup.names()));
    const service = await startQueryService({
      nc,
      supervisor: sup,
      subjects,
      partitions: owned,
      shard: config.shard,
      queue: config.shard ? `${config.prefix}-shard-${config.shard.index}-of-${config.shard.count}` : config.prefix,
      metadata: { prefix: config.prefix, shard: shardLabel, partitions: String(config.partitions) },
      log: log.child({ component: "queries" }),
    });
    // [delivery, issue 10] alerts to people, downstream of the alert log (never in detection's way)
    const delivery = await startMonitorDelivery({ nc, jsm: sink instanceof StreamAlertSink ? jsm : undefined, subjects, config, clock, log, sup });
    void watchStatus(nc, sup, sink, probe, log.child({ component: "connection" }));
    probe.start();
    await nc.flush();
    let monitor: Monitor | undefined;
    const http = config.http
      ? await startHttpServer(config.http, {
          readiness: () => monitor!.readiness(),
          status: () => sup.statusSnapshot(STATUS_PEERS_PER_NAME),
          metrics: registerDeliveryMetrics( // [delivery, issue 10]
            monitorMetrics({
              stats,
              stateCounts: () => sup.stateCounts(),
              linkUp: () => !nc.isClosed() && !sup.guard.impaired,
              info: { shard: shardLabel, prefix: config.prefix, version: SERVICE_VERSION },
            }),
            delivery,
          ),
        })
      : undefined;
    log.info(
      {
        servers: nc.getServer(),
        shard: shardLabel,
        peerset: peerset.mode,
        alerts: sink instanceof StreamAlertSink ? "alert stream" : "core",
        subjects: metricSubjects,
      },
      "peermon monitor serving",
    );
    monitor = new Monitor(config, sup, nc, peerset.mode, {
      http,
      sink,
      probe,
      peerset,
      subscriptions,
      service,
      log,
      delivery, // [delivery, issue 10]
    });
    return monitor;
  }

  /** Ready when connected to NATS and not cut off: its answers and alerts can be relied on. */
  readiness(): Readiness {
    if (this.stopping) return { ready: false, reason: "stopping" };
    if (this.nc.isClosed()) return { ready: false, reason: "the NATS connection is closed" };
    if (this.supervisor.guard.impaired) return { ready: false, reason: "the connection to NATS is impaired" };
    return { ready: true };
  }

  /** The port of the HTTP server (health, metrics, status page), when one runs. */
  get httpPort(): number | undefined {
    const address = this.parts.http?.address();
    return typeof address === "object" && address ? address.port : undefined;
  }

  get stats(): MonitorStats {
    return this.supervisor.stats;
  }

  /** Alert delivery to people, when a destination is set. [delivery, issue 10] */
  get delivery(): Delivery | undefined {
    return this.parts.delivery;
  }

  /** Stops serving: queries and subscriptions end, confirmed alerts are flushed, the connection drains. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const { sink, probe, peerset, service, log, http, delivery } = this.parts;
    probe.stop();
    http?.close();
    this.supervisor.stop();
    if (this.nc.isClosed()) return;
    // Each step is bounded: a monitor whose server is gone must still stop.
    await bounded(service.stop(), 2_000);
    await bounded(peerset.stop(), 2_000);
    await bounded(delivery?.stop() ?? Promise.resolve(), 2_000); // [delivery, issue 10]
    const settled = await sink.settle(2_000);
    if (!settled) log.warn({ pending: sink.pending }, "stopping with alerts the server has not confirmed");
    await bounded(this.nc.drain(), 3_000);
    // drain() can resolve while a reconnect loop still runs (server gone): close for good.
    if (!this.nc.isClosed()) await this.nc.close();
    log.info({}, "peermon monitor stopped");
  }
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

/** The alert log when JetStream is there (exactly once across replicas), plain publishes otherwise. */
async function alertSink(
  config: MonitorConfig,
  nc: NatsConnection,
  jsm: JetStreamManager | undefined,
  subjects: Subjects,
  stats: MonitorStats,
  log: Logger,
): Promise<BusAlertSink> {
  if (jsm) {
    try {
      await ensureAlertStream(jsm, subjects, { replicas: config.streamReplicas, retentionMs: config.alertRetentionMs });
      return await StreamAlertSink.open(nc, subjects, stats, log, config.repeatIntervalMs);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "cannot use the alert log stream: publishing alerts directly");
    }
  }
  return new CoreAlertSink(nc, subjects, stats);
}

async function watchStatus(nc: NatsConnection, sup: Supervisor, sink: BusAlertSink, probe: LinkProbe, log: Logger) {
  const events = nc.status();
  // nats.js does not end status iterators when the connection closes; end ours then.
  void nc.closed().then(() => (events as { stop?: () => void }).stop?.());
  for await (const s of events) {
    switch (s.type) {
      case Events.Disconnect:
        sink.disconnected();
        probe.disconnected();
        sup.linkImpaired("disconnected");
        break;
      case Events.Reconnect:
        log.info({ server: s.data }, "reconnected to NATS");
        sink.reconnected();
        probe.reconnected();
        sup.linkRecovered("disconnected");
        sup.sinkReady();
        break;
      case Events.LDM:
        log.warn({ server: s.data }, "NATS server entering lame duck mode: will reconnect elsewhere");
        break;
      case Events.Error:
        log.warn({ err: String(s.data) }, "NATS reported an error");
        break;
      case DebugEvents.StaleConnection:
        log.warn({}, "NATS connection stale: reconnecting");
        break;
    }
  }
}
