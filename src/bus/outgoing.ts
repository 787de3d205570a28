/**
 * The monitor's road out, built in one stage: the one outbox (actors/outbox.ts) on the one bus
 * transport, which writes each log as JetStream permits: the alert log (exactly once across
 * replicas), the suspicion log when suspicion is on, the disruption log; plain publishes where a
 * stream cannot be used. The connection watch tells it when the bus is lost and back.
 */
import type { JetStreamManager, NatsConnection } from "nats";
import { encodeAlert, encodeDisruption, encodeSuspicion } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { Alert, DisruptionEvent, SuspicionEvent } from "../api/types.js";
import { Outbox } from "../actors/outbox.js";
import type { Clock } from "../clock.js";
import { TUNING, type MonitorConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { ensureAlertStream, StreamAlertWriter } from "./alert-stream.js";
import { BusTransport, type LogWriter } from "./bus-transport.js";
import { CoreWriter } from "./core-writer.js";
import { ensureDisruptionStream, openDisruptionWriter } from "./disruption-log.js";
import { isPermissionDenied } from "./jetstream.js";
import { backoffMs, RETRY } from "../retry-policy.js";
import { ensureSuspicionStream, openSuspicionWriter } from "./suspicion-log.js";

export interface OutgoingGround {
  config: MonitorConfig;
  nc: NatsConnection;
  clock: Clock;
  stats: MonitorStats;
  subjects: Subjects;
  root: Logger;
  /** Randomness for the outbox's backoff. */
  random: () => number;
}

export class OutgoingBus {
  private constructor(
    /** Everything the monitor emits, on its way to the bus. */
    readonly outbox: Outbox,
    /** Alerts go through the alert log (JetStream), so open episodes can be read back at start. */
    readonly logged: boolean,
    private readonly transport: BusTransport,
  ) {}

  static async open(g: OutgoingGround, jsm: JetStreamManager | undefined): Promise<OutgoingBus> {
    const alerts = await alertWriter(g, jsm);
    const suspects = g.config.suspicion ? await streamOr(g, jsm, "suspicion", suspicionLog, suspicionCore) : undefined;
    const disruptions = await streamOr(g, jsm, "disruption", disruptionLog, disruptionCore);
    const transport = new BusTransport(g.nc, { alerts: alerts.writer, suspects, disruptions });
    const outbox = new Outbox({
      transport,
      clock: g.clock,
      stats: g.stats,
      log: g.root.child({ component: "outbox" }),
      maxInFlight: TUNING.maxAlertsInFlight,
      random: g.random,
    });
    return new OutgoingBus(outbox, alerts.logged, transport);
  }

  disconnected(): void {
    this.transport.disconnected();
  }

  /** The bus is back: what waited goes out. */
  reconnected(): void {
    this.transport.reconnected();
    this.outbox.resume();
  }

  /** Resolves true once everything posted is confirmed, false after `timeoutMs`. */
  settle(timeoutMs: number): Promise<boolean> {
    return this.outbox.settle(timeoutMs);
  }
}

/** The alert log when JetStream is there (exactly once across replicas), plain publishes otherwise. */
async function alertWriter(g: OutgoingGround, jsm: JetStreamManager | undefined): Promise<{ writer: LogWriter<Alert>; logged: boolean }> {
  const { config, nc, subjects, stats } = g;
  if (jsm) {
    try {
      const writer = await settingUp(g, "alert", async () => {
        await ensureAlertStream(jsm, subjects, { replicas: config.streamReplicas, retentionMs: config.alertRetentionMs });
        return StreamAlertWriter.open(nc, subjects, stats, config.repeatIntervalMs);
      });
      if (writer.republishedByServer) {
        g.root
          .child({ component: "alerts" })
          .warn(
            { stream: subjects.stream("ALERTS") },
            "the alert log republishes alerts itself (made by an older peermon): when its leader's server dies a consumer may get an alert twice; " +
              "delete the stream (nats stream rm) while no monitor runs, and the next start makes it without",
          );
      }
      return { writer, logged: true };
    } catch (err) {
      g.root.child({ component: "alerts" }).warn({ err: (err as Error).message }, "cannot use the alert log stream: publishing alerts directly");
    }
  }
  return { writer: new CoreWriter<Alert>(nc, (a) => subjects.alert(a.name, a.peer), encodeAlert), logged: false };
}

/**
 * Sets up a log's stream, again and again while JetStream is there but busy (a cluster that has
 * just formed has no leader for a new stream yet, or times out): giving up on the log at the first
 * failure would leave this monitor publishing without it, each replica its own copy of every alert,
 * for its whole life. At most TUNING.streamSetupMs; a refusal (permissions) is final at once.
 */
async function settingUp<T>(g: OutgoingGround, what: string, attempt: () => Promise<T>): Promise<T> {
  const started = g.clock.now();
  for (let failures = 1; ; failures++) {
    try {
      return await attempt();
    } catch (err) {
      if (isPermissionDenied(err) || g.clock.now() - started >= TUNING.streamSetupMs) throw err;
      g.root.child({ component: what }).info({ err: (err as Error).message }, `the ${what} log stream is not ready yet: trying again`);
      const wait = backoffMs(failures, { ...RETRY.bus, random: g.random });
      await new Promise<void>((resolve) => g.clock.setTimer(resolve, wait));
    }
  }
}

/** A log's stream writer when JetStream is there (once across replicas), its plain publisher otherwise. */
async function streamOr<T>(
  g: OutgoingGround,
  jsm: JetStreamManager | undefined,
  what: string,
  stream: (g: OutgoingGround, jsm: JetStreamManager) => Promise<T>,
  core: (g: OutgoingGround) => T,
): Promise<T> {
  if (jsm) {
    try {
      return await settingUp(g, what, () => stream(g, jsm));
    } catch (err) {
      g.root.child({ component: what }).warn({ err: (err as Error).message }, `cannot use the ${what} log stream: publishing ${what} events directly`);
    }
  }
  return core(g);
}

async function suspicionLog({ config, nc, subjects, stats }: OutgoingGround, jsm: JetStreamManager): Promise<LogWriter<SuspicionEvent>> {
  await ensureSuspicionStream(jsm, subjects, { replicas: config.streamReplicas, retentionMs: config.alertRetentionMs });
  return openSuspicionWriter(nc, subjects, stats);
}

function suspicionCore({ nc, subjects }: OutgoingGround): LogWriter<SuspicionEvent> {
  return new CoreWriter<SuspicionEvent>(nc, (e) => subjects.suspects(e.name, e.peer), encodeSuspicion);
}

async function disruptionLog({ config, nc, subjects, stats }: OutgoingGround, jsm: JetStreamManager): Promise<LogWriter<DisruptionEvent>> {
  await ensureDisruptionStream(jsm, subjects, { replicas: config.streamReplicas, retentionMs: config.alertRetentionMs });
  return openDisruptionWriter(nc, subjects, stats);
}

function disruptionCore({ nc, subjects }: OutgoingGround): LogWriter<DisruptionEvent> {
  return new CoreWriter<DisruptionEvent>(nc, (e) => subjects.disruption(e.name), encodeDisruption);
}
