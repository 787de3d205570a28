/**
 * StreamAlertTransport: alerts through a JetStream alert log, exactly once per transition whichever
 * replicas are alive. Each replica appends to `<prefix>.alertlog.<name>.<peer>`, guarded by the
 * subject's last sequence (see replica-dedup.ts); the stream `<PREFIX>_ALERTS` republishes each
 * stored alert to the public `<prefix>.alerts.<name>.<peer>`, and keeps them for consumers that
 * were offline. An alert is confirmed once stored (by this replica or another); order per
 * (name, peer), retries and pacing are the outbox's.
 */
import type { JetStreamClient, JetStreamManager, NatsConnection } from "nats";
import type { AlertTransport } from "../actors/outbox.js";
import { encodeAlert, MAX_MESSAGE_BYTES } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { Alert } from "../api/types.js";
import { decodeAlert } from "../api/validate.js";
import { alreadyLogged, appendId, type LoggedAlert } from "./replica-dedup.js";
import type { MonitorStats } from "../stats.js";
import { TUNING } from "../config.js";
import { ensureStream, isNotFound, isSequenceConflict } from "./jetstream.js";

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
  await ensureStream(jsm, {
    name: subjects.stream("ALERTS"),
    subjects: [subjects.alertLog("*", "*")],
    republish: { src: subjects.alertLogAll, dest: subjects.alertsAll },
    max_msgs_per_subject: ALERT_HISTORY,
    max_age: o.retentionMs * 1_000_000,
    max_msg_size: MAX_MESSAGE_BYTES,
    max_bytes: ALERT_STREAM_MAX_BYTES,
    num_replicas: o.replicas,
    description: "peermon: alert log, republished to the alert subjects (exactly once per transition)",
  });
}

/** What the log holds for an appended transition. */
interface Logged {
  episode: string;
  muted: boolean;
}

export class StreamAlertTransport implements AlertTransport {
  private connected = true;
  private readonly js: JetStreamClient;
  private readonly stream: string;

  /** `jsm` must come from `nc.jetstreamManager({ timeout: ... })`; see `StreamAlertTransport.open`. */
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly subjects: Subjects,
    private readonly stats: MonitorStats,
    private readonly repeatIntervalMs: number,
  ) {
    this.js = nc.jetstream({ timeout: TUNING.appendTimeoutMs });
    this.stream = subjects.stream("ALERTS");
  }

  /** A transport whose JetStream requests time out quickly (see TUNING.appendTimeoutMs). */
  static async open(nc: NatsConnection, subjects: Subjects, stats: MonitorStats, repeatIntervalMs: number): Promise<StreamAlertTransport> {
    const jsm = await nc.jetstreamManager({ timeout: TUNING.appendTimeoutMs, checkAPI: false });
    return new StreamAlertTransport(nc, jsm, subjects, stats, repeatIntervalMs);
  }

  send(alert: Alert, done: (err?: unknown, episode?: string, muted?: boolean) => void): boolean {
    if (!this.connected || this.nc.isClosed()) return false;
    this.append(this.subjects.alertLog(alert.name, alert.peer), alert, encodeAlert(alert)).then(
      (logged) => done(undefined, logged.episode, logged.muted),
      (err: unknown) => done(err ?? new Error("alert append failed")),
    );
    return true;
  }

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
  }

  /**
   * Read-then-append until the log holds the transition (another writer may append in between).
   * Resolves with the episode the log holds it under (another replica's, when it logged first)
   * and whether that copy is muted.
   */
  private async append(subject: string, alert: Alert, data: Uint8Array): Promise<Logged> {
    for (;;) {
      const logged = await this.appendOnce(subject, alert, data);
      if (logged !== undefined) return logged;
    }
  }

  /** One read-then-append: what is logged, or undefined when another writer appended in between. */
  private async appendOnce(subject: string, alert: Alert, data: Uint8Array): Promise<Logged | undefined> {
    const last = await this.lastLogged(subject);
    const unmutedRepeat = alert.kind === "firing" && alert.episode !== alert.id && !alert.muted;
    if (alreadyLogged(last.alert, alert.kind, alert.triggeredAt, this.repeatIntervalMs, unmutedRepeat)) {
      this.stats.alertsDeduplicated++;
      return { episode: last.alert!.episode ?? alert.episode, muted: last.alert!.muted === true };
    }
    try {
      const ack = await this.js.publish(subject, data, {
        msgID: appendId(alert.name, alert.peer, last.seq, alert.kind),
        expect: { lastSubjectSequence: last.seq },
      });
      if (ack.duplicate) this.stats.alertsDeduplicated++;
      return { episode: alert.episode, muted: alert.muted === true };
    } catch (err) {
      if (isSequenceConflict(err)) return undefined;
      throw err;
    }
  }

  /** The subject's last logged alert (from the stream leader, so never stale) and its sequence. */
  private async lastLogged(subject: string): Promise<{ seq: number; alert?: LoggedAlert }> {
    try {
      const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      try {
        const a = decodeAlert(m.data);
        return { seq: m.seq, alert: { kind: a.kind, triggeredAt: a.triggeredAt, episode: a.episode, muted: a.muted === true } };
      } catch {
        return { seq: m.seq };
      }
    } catch (err) {
      if (isNotFound(err)) return { seq: 0 };
      throw err;
    }
  }
}
