/**
 * Monitor: the wiring, and only the wiring. `Monitor.start` runs the stages in order (their code is
 * in monitor-stages.ts); each builds one part from the parts before it and returns it, so that
 * nothing is used before it exists: the connection, JetStream, the outgoing bus (alert and
 * suspicion outboxes), the operator controls, the windows' units with their link probe, the intake
 * with the peerset and metric subscriptions, the restore, delivery, history, the queries, durable
 * windows, the connection watch, and the HTTP side.
 */
import type { NatsConnection } from "nats";
import type { Server } from "node:http";
import { Subjects } from "./api/subjects.js";
import type { SelfHealth } from "./actors/self-health.js";
import type { TrackedWindow } from "./actors/tracked-window.js";
import type { WindowViews } from "./actors/window-views.js";
import type { Disruptions } from "./actors/disruptions.js";
import type { EpisodeIndex } from "./window/history.js";
import { OutgoingBus } from "./bus/outgoing.js";
import type { Supervisor } from "./actors/supervisor.js";
import { openConnection } from "./bus/connection.js";
import { MetricIntake } from "./bus/intake.js";
import { LinkProbe } from "./bus/link-probe.js";
import { answerShardNames } from "./bus/names.js";
import { QueryStats } from "./bus/query-stats.js";
import { OperatorControls } from "./bus/operator-controls.js";
import type { PeerSetMode } from "./bus/peerset-source.js";
import { ownershipOf } from "./bus/ownership.js";
import { SystemClock, type Clock } from "./clock.js";
import { TUNING, type MonitorConfig } from "./config.js";
import { checkHttpAddress, type Readiness } from "./http/server.js";
import { silentLogger, type Logger } from "./log.js";
import {
  bounded,
  followMonitorHistory,
  followMonitorPeerSet,
  jetStreamOrWarn,
  readinessOf,
  restore,
  startDurableWindows,
  startHttp,
  startQueries,
  subscribeMetrics,
  watchLink,
  windowsOf,
  type Ground,
  type Parts,
} from "./monitor-stages.js";
import { MonitorStats } from "./stats.js";
import { startMonitorDelivery, type Delivery } from "./delivery/delivery.js";

export interface MonitorOptions {
  log?: Logger;
  clock?: Clock;
  /** Randomness in [0, 1): backoff jitter, checkpoint spread. @default Math.random */
  random?: () => number;
}

export class Monitor {
  private stopped: Promise<void> | undefined;

  private constructor(
    readonly config: MonitorConfig,
    private readonly clock: Clock,
    /** The registry and router of this monitor's windows. */
    readonly supervisor: Supervisor,
    readonly nc: NatsConnection,
    readonly peersetMode: PeerSetMode,
    private readonly parts: Parts,
  ) {}

  static async start(config: MonitorConfig, options: MonitorOptions = {}): Promise<Monitor> {
    // Before connecting and restoring: a port in use is found in milliseconds, not after the restore.
    if (config.http) await checkHttpAddress(config.http);
    const ownership = ownershipOf(config);
    const nc = await openConnection(config.nats, { name: `peermon-serve shard ${ownership.label}` });
    const ground: Ground = {
      config,
      nc,
      clock: options.clock ?? new SystemClock({ wallStepThresholdMs: config.wallStepThresholdMs }),
      stats: new MonitorStats(),
      subjects: new Subjects(config.prefix),
      queryStats: new QueryStats(),
      root: options.log ?? silentLogger,
      random: options.random ?? Math.random,
      ownership,
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
    return readinessOf(this.nc, this.parts.units, this.parts.life.stopping);
  }

  /** The port of the HTTP server (health, metrics, status page), when one runs (`--http :0`: the one the system assigned). */
  get httpPort(): number | undefined {
    const address = this.parts.http?.address();
    return typeof address === "object" && address ? address.port : undefined;
  }

  /** Silences this monitor follows and its disruption events. */
  get controls(): OperatorControls {
    return this.parts.controls;
  }

  get stats(): MonitorStats {
    return this.parts.units.stats;
  }

  /** The windows, read-only: latest metrics, states, history, the status snapshot. */
  get views(): WindowViews {
    return this.parts.units.views;
  }

  /** The monitor's own link, outages and grace. */
  get health(): SelfHealth<TrackedWindow> {
    return this.parts.units.health;
  }

  /** Failure history: episodes per (name, peer), fed from the alert log. */
  get history(): EpisodeIndex {
    return this.parts.units.history;
  }

  /** Alerts held when too many peers of a name fail at once. */
  get disruptions(): Disruptions<TrackedWindow> {
    return this.parts.units.disruptions;
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
    const { outgoing, probe, peerset, service, durable, log, http, delivery, controls, history } = this.parts;
    probe.stop();
    history.stop();
    http?.close();
    this.parts.units.stop();
    controls.stop();
    if (this.nc.isClosed() || !this.parts.life.connected) {
      // Closed under it (a crash as far as the server knows), or cut off from it: nothing more can
      // reach the server, so nothing waits for it; stop what still holds timers, and close.
      return this.stopCutOff();
    }
    // Each step is bounded: a monitor whose server is gone must still stop.
    await bounded(this.clock, service.stop(), TUNING.stopStepMs);
    // A last checkpoint, so that a restart finds the windows as they are now.
    await durable?.stop(TUNING.stopStepMs);
    await bounded(this.clock, peerset.stop(), TUNING.stopStepMs);
    await bounded(this.clock, delivery?.stop() ?? Promise.resolve(), TUNING.stopStepMs);
    if (!(await outgoing.settle(TUNING.stopStepMs))) {
      log.warn({ pending: outgoing.outbox.waiting }, "stopping with alerts or events the server has not confirmed");
    }
    await bounded(this.clock, this.nc.drain(), TUNING.drainMs);
    // drain() can resolve while a reconnect loop still runs (server gone): close for good.
    if (!this.nc.isClosed()) await this.nc.close();
    log.info({}, "peermon monitor stopped");
  }

  /**
   * Stops without the server (the connection closed, or down: a stop must not wait for it). What
   * the server has not confirmed stays unconfirmed: another replica, or this one restarted, takes
   * over from the alert log and the last checkpoint.
   */
  private async stopCutOff(): Promise<void> {
    const { outgoing, peerset, durable, log, delivery } = this.parts;
    const wasConnected = !this.nc.isClosed();
    if (wasConnected) await this.nc.close();
    await Promise.all([
      bounded(this.clock, peerset.stop(), TUNING.stopStepMs),
      bounded(this.clock, delivery?.stop() ?? Promise.resolve(), TUNING.stopStepMs),
      durable?.stop(),
    ]);
    if (wasConnected) {
      log.warn(
        { pending: outgoing.outbox.waiting },
        "stopped while cut off from NATS: no last checkpoint, and alerts or events not yet confirmed are left to the alert log's next writer",
      );
    }
  }

  /** The stages, in order: each builds one part from the ones before it. */
  private static async build(g: Ground): Promise<Monitor> {
    const { config, nc, clock, stats, root } = g;
    const log = root.child({ component: "monitor" });
    const jsm = config.jetstream ? await jetStreamOrWarn(nc, log) : undefined;
    const outgoing = await OutgoingBus.open(g, jsm);
    const probe = new LinkProbe(nc, clock, config.probeIntervalMs, config.probeTimeoutMs);
    const controls = new OperatorControls({ ...g, log: root.child({ component: "operator" }) }, jsm);
    const units = windowsOf(g, outgoing.outbox, probe, controls.silences, jsm !== undefined && config.durableWindows);
    const { supervisor } = units;
    const intake = new MetricIntake({ ...config, target: supervisor, stats, clock, log: root.child({ component: "intake" }) });
    const peerset = await followMonitorPeerSet(g, jsm, intake, supervisor);
    const metrics = await subscribeMetrics(g, intake);
    await controls.attach(units);
    const restored = await restore(g, jsm, units, metrics.gate, outgoing.logged, log);
    const subscriptions = metrics.subscriptions;
    if (config.shard) subscriptions.push(answerShardNames(nc, g.subjects, config.shard, () => units.views.names()));
    // Alerts to people, downstream of the alert log (never in detection's way).
    const delivery = await startMonitorDelivery({
      nc,
      jsm: outgoing.logged ? jsm : undefined,
      subjects: g.subjects,
      config,
      clock,
      rng: g.random,
      log: root,
      views: units.views,
    });
    const history = await followMonitorHistory(g, units, outgoing.logged);
    const service = await startQueries(g, units, delivery, controls);
    const durable = restored && config.durableWindows ? startDurableWindows(g, units, restored) : undefined;
    const life = { stopping: false, connected: true };
    watchLink(g, outgoing, probe, units.health, life);
    await nc.flush();
    const http = config.http ? await startHttp(g, config.http, units, life, delivery, controls) : undefined;
    const alerts = outgoing.logged ? "alert stream" : "core";
    const where = { servers: nc.getServer(), shard: g.ownership.label, peerset: peerset.mode, alerts, subjects: metrics.subjects };
    log.info({ ...where, http: http && listening(http) }, "peermon monitor serving");
    return new Monitor(config, clock, supervisor, nc, peerset.mode, {
      units,
      life,
      outgoing,
      probe,
      controls,
      peerset,
      subscriptions,
      history,
      service,
      durable,
      http,
      log,
      delivery,
    });
  }
}

/** `host:port` the server listens on (the port the system assigned for `:0`). */
function listening(server: Server): string | undefined {
  const address = server.address();
  return typeof address === "object" && address ? `${address.address}:${address.port}` : undefined;
}
