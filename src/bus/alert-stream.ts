/**
 * StreamAlertWriter: alerts through a JetStream alert log, exactly once per transition whichever
 * replicas are alive. Each replica appends to `<prefix>.alertlog.<name>.<peer>`, guarded by the
 * subject's last sequence (see replica-dedup.ts); the stream `<PREFIX>_ALERTS` keeps them for
 * consumers that were offline, and the monitor whose alert the log holds publishes it on the public
 * `<prefix>.alerts.<name>.<peer>` (transition-log.ts says why not the stream). An alert is
 * confirmed once stored (by this replica or another) and, when it is this replica's, once its
 * public copy is out; order per (name, peer), retries, pacing and the hold while disconnected are
 * the outbox's.
 */
import type { JetStreamManager, NatsConnection } from "nats";
import { encodeAlert, MAX_MESSAGE_BYTES } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { Alert } from "../api/types.js";
import { decodeAlert } from "../api/validate.js";
import { alreadyLogged, type LoggedAlert } from "./replica-dedup.js";
import { ensureTransitionLog, TransitionLog } from "./transition-log.js";
import type { LogWriter } from "./bus-transport.js";
import type { MonitorStats } from "../stats.js";

/** The alert log's size, bytes; the oldest alerts go first when full. */
const ALERT_STREAM_MAX_BYTES = 256 * 1024 ** 2;

/** Alerts kept per (name, peer) in the log. */
export const ALERT_HISTORY = 64;

export interface AlertStreamOptions {
  /** Stream replicas (3 on a 3-node cluster). @default 1 */
  replicas: number;
  /** How long alerts stay in the log for consumers to catch up, ms. @default 86400000 (a day) */
  retentionMs: number;
}

/** Creates the alert log stream when missing. */
export async function ensureAlertStream(jsm: JetStreamManager, subjects: Subjects, o: AlertStreamOptions): Promise<void> {
  await ensureTransitionLog(jsm, {
    ...o,
    name: subjects.stream("ALERTS"),
    subject: subjects.alertLog("*", "*"),
    history: ALERT_HISTORY,
    maxMsgBytes: MAX_MESSAGE_BYTES,
    maxBytes: ALERT_STREAM_MAX_BYTES,
    description: "peermon: alert log (exactly once per transition); each alert is published to the alert subjects by the monitor that logged it",
  });
}

/** What the log holds for an appended transition. */
interface Logged {
  episode: string;
  muted: boolean;
}

export class StreamAlertWriter implements LogWriter<Alert> {
  private constructor(
    private readonly log: TransitionLog<LoggedAlert>,
    private readonly subjects: Subjects,
    private readonly stats: MonitorStats,
    private readonly repeatIntervalMs: number,
  ) {}

  static async open(nc: NatsConnection, subjects: Subjects, stats: MonitorStats, repeatIntervalMs: number): Promise<StreamAlertWriter> {
    const log = await TransitionLog.open<LoggedAlert>(nc, { stream: subjects.stream("ALERTS"), decode: loggedAlert, idOf: (a) => a.id ?? "" });
    return new StreamAlertWriter(log, subjects, stats, repeatIntervalMs);
  }

  /** The stream republishes on its own (made by an older peermon): the server, not this monitor, publishes the public copies. */
  get republishedByServer(): boolean {
    return this.log.republishedByServer;
  }

  write(alert: Alert, done: (err?: unknown, episode?: string, muted?: boolean) => void): void {
    this.append(alert).then(
      (logged) => done(undefined, logged.episode, logged.muted),
      (err: unknown) => done(err ?? new Error("alert append failed")),
    );
  }

  /**
   * Appends until the log holds the transition; resolves with the episode the log holds it under
   * (another replica's, when it logged first) and whether that copy is muted.
   */
  private async append(alert: Alert): Promise<Logged> {
    const unmutedRepeat = alert.kind === "firing" && alert.episode !== alert.id && !alert.muted;
    const subject = this.subjects.alertLog(alert.name, alert.peer);
    const data = encodeAlert(alert);
    const appended = await this.log.append(subject, alert.kind, data, alert.id, (last) =>
      alreadyLogged(last, alert.kind, alert.triggeredAt, this.repeatIntervalMs, unmutedRepeat),
    );
    if (!appended.fresh) this.stats.alertsDeduplicated++;
    if (appended.mine) await this.log.announce(this.subjects.alert(alert.name, alert.peer), data, subject, appended.seq);
    if (appended.mine || !appended.logged) return { episode: alert.episode, muted: alert.muted === true };
    return { episode: appended.logged.episode ?? alert.episode, muted: appended.logged.muted === true };
  }
}

/** What the replica de-duplication needs of a logged alert. */
function loggedAlert(data: Uint8Array): LoggedAlert {
  const a = decodeAlert(data);
  return { kind: a.kind, triggeredAt: a.triggeredAt, episode: a.episode, muted: a.muted === true, id: a.id };
}
