/**
 * The monitor's outgoing side, built in one stage: the alert outbox on its transport (the alert log
 * with JetStream: exactly once across replicas; plain publishes otherwise) and, with early
 * suspicion on, the suspicion outbox on its own (the suspicion log, or plain publishes). The
 * connection watch tells it when the bus is lost and back.
 */
import type { JetStreamManager, NatsConnection } from "nats";
import { encodeAlert, encodeSuspicion } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { Alert, SuspicionEvent } from "../api/types.js";
import { Outbox, type Outgoing, type Transport } from "../actors/outbox.js";
import { SUSPICION_ACCOUNT } from "../actors/suspicion.js";
import type { Clock } from "../clock.js";
import { TUNING, type MonitorConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { ensureAlertStream, StreamAlertTransport } from "./alert-stream.js";
import { CoreTransport } from "./core-transport.js";
import { ensureSuspicionStream, StreamSuspicionTransport } from "./suspicion-log.js";

/** A transport that hears about the connection. */
type BusTransport<T extends Outgoing> = Transport<T> & { disconnected(): void; reconnected(): void };

export interface OutgoingGround {
  config: MonitorConfig;
  nc: NatsConnection;
  clock: Clock;
  stats: MonitorStats;
  subjects: Subjects;
  root: Logger;
}

export class OutgoingBus {
  private constructor(
    /** Alerts, from the windows' machines to the bus. */
    readonly alerts: Outbox<Alert>,
    /** Early suspicion's events, when it is on. */
    readonly suspects: Outbox<SuspicionEvent> | undefined,
    /** Alerts go through the alert log (JetStream), so open episodes can be read back at start. */
    readonly logged: boolean,
    private readonly transports: BusTransport<never>[],
  ) {}

  static async open(g: OutgoingGround, jsm: JetStreamManager | undefined): Promise<OutgoingBus> {
    const alerts = await alertTransport(g, jsm);
    const suspects = g.config.suspicion ? await suspicionTransport(g, jsm) : undefined;
    return new OutgoingBus(outbox(g, alerts.transport, "alerts"), suspects && outbox(g, suspects, "suspicion", SUSPICION_ACCOUNT), alerts.logged, [
      alerts.transport,
      ...(suspects ? [suspects] : []),
    ] as BusTransport<never>[]);
  }

  disconnected(): void {
    for (const t of this.transports) t.disconnected();
  }

  /** The bus is back: what waited goes out. */
  reconnected(): void {
    for (const t of this.transports) t.reconnected();
    this.alerts.resume();
    this.suspects?.resume();
  }

  /** Resolves true once everything posted is confirmed, false after `timeoutMs` (each outbox). */
  async settle(timeoutMs: number): Promise<boolean> {
    const [alerts] = await Promise.all([this.alerts.settle(timeoutMs), this.suspects?.settle(timeoutMs)]);
    return alerts;
  }
}

function outbox<T extends Outgoing>(
  g: OutgoingGround,
  transport: Transport<T>,
  component: string,
  account?: ConstructorParameters<typeof Outbox<T>>[0]["account"],
) {
  return new Outbox<T>({
    transport,
    ...(account ? { account } : {}),
    clock: g.clock,
    stats: g.stats,
    log: g.root.child({ component }),
    maxInFlight: TUNING.maxAlertsInFlight,
    maxRetryPauseMs: TUNING.maxAlertRetryPauseMs,
  });
}

/** The alert log when JetStream is there (exactly once across replicas), plain publishes otherwise. */
async function alertTransport(g: OutgoingGround, jsm: JetStreamManager | undefined): Promise<{ transport: BusTransport<Alert>; logged: boolean }> {
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

/** The suspicion log when JetStream is there (once across replicas), plain publishes otherwise. */
async function suspicionTransport(g: OutgoingGround, jsm: JetStreamManager | undefined): Promise<BusTransport<SuspicionEvent>> {
  const { config, nc, subjects, stats } = g;
  if (jsm) {
    try {
      await ensureSuspicionStream(jsm, subjects, { replicas: config.streamReplicas, retentionMs: config.alertRetentionMs });
      return await StreamSuspicionTransport.open(nc, subjects, stats);
    } catch (err) {
      g.root.child({ component: "suspicion" }).warn({ err: (err as Error).message }, "cannot use the suspicion log stream: publishing suspicion directly");
    }
  }
  return new CoreTransport<SuspicionEvent>(nc, (e) => subjects.suspects(e.name, e.peer), encodeSuspicion);
}
