/**
 * StreamAlertSink: alerts through a JetStream alert log, exactly once per transition whichever
 * replicas are alive. Each replica appends to `<prefix>.alertlog.<name>.<peer>`, guarded by the
 * subject's last sequence (see actors/replica-dedup.ts); the stream `<PREFIX>_ALERTS` republishes
 * each stored alert to the public `<prefix>.alerts.<name>.<peer>`, and keeps them for consumers that
 * were offline. Appends for one (name, peer) are serialised, so a resolved alert never overtakes
 * its firing one; an append that fails (timeout, reconnect) is retried until it is stored.
 */
import type { JetStreamClient, JetStreamManager, NatsConnection } from "nats";
import { encodeAlert, MAX_MESSAGE_BYTES } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";
import type { Alert } from "../api/types.js";
import { decodeAlert } from "../api/validate.js";
import { alreadyLogged, appendId, type LoggedAlert } from "./replica-dedup.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import type { BusAlertSink } from "./alert-sink.js";
import { delay, ensureStream, isNotFound, isSequenceConflict } from "./jetstream.js";

/**
 * Each JetStream request of an append gives up after this long, ms: while a stream elects a new
 * leader (a server died) requests go unanswered, and a short timeout with quick retries gets the
 * alert through soon after the election instead of one default timeout (5 s) later.
 */
const APPEND_TIMEOUT_MS = 1_000;
/** Longest pause between two attempts of an append, ms. */
const MAX_RETRY_PAUSE_MS = 1_000;

/** The alert log's size, bytes; the oldest alerts go first when full. */
const ALERT_STREAM_MAX_BYTES = 256 * 1024 ** 2;
/** Appends in flight at once: a backlog of alerts (the log unreachable) is worked off this many at a time. */
const MAX_CONCURRENT_APPENDS = 64;

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

export class StreamAlertSink implements BusAlertSink {
  private connected = true;
  private readonly js: JetStreamClient;
  private readonly stream: string;
  /** The tail of the append chain of each log subject. */
  private readonly chains = new Map<string, Promise<void>>();
  private inFlight = 0;
  /** Appends allowed to run now, and the ones waiting for a turn. */
  private slots = MAX_CONCURRENT_APPENDS;
  private readonly queue: (() => void)[] = [];
  /** Consecutive failed appends across all subjects, and when the next attempt may go. */
  private failures = 0;
  private pauseUntil = 0;

  private readonly jsm: JetStreamManager;

  /** `jsm` must come from `nc.jetstreamManager({ timeout: ... })`; see `StreamAlertSink.open`. */
  private constructor(
    private readonly nc: NatsConnection,
    jsm: JetStreamManager,
    private readonly subjects: Subjects,
    private readonly stats: MonitorStats,
    private readonly log: Logger,
    private readonly repeatIntervalMs: number,
  ) {
    this.jsm = jsm;
    this.js = nc.jetstream({ timeout: APPEND_TIMEOUT_MS });
    this.stream = subjects.stream("ALERTS");
  }

  /** A sink whose JetStream requests time out quickly (see APPEND_TIMEOUT_MS). */
  static async open(
    nc: NatsConnection,
    subjects: Subjects,
    stats: MonitorStats,
    log: Logger,
    repeatIntervalMs: number,
  ): Promise<StreamAlertSink> {
    const jsm = await nc.jetstreamManager({ timeout: APPEND_TIMEOUT_MS, checkAPI: false });
    return new StreamAlertSink(nc, jsm, subjects, stats, log, repeatIntervalMs);
  }

  offer(alert: Alert): boolean {
    if (!this.connected || this.nc.isClosed()) return false;
    const subject = this.subjects.alertLog(alert.name, alert.peer);
    const data = encodeAlert(alert);
    this.inFlight++;
    const next: Promise<void> = (this.chains.get(subject) ?? Promise.resolve())
      .then(() => this.deliver(subject, alert, data))
      .finally(() => {
        this.inFlight--;
        if (this.chains.get(subject) === next) this.chains.delete(subject);
      });
    this.chains.set(subject, next);
    return true;
  }

  /** Alerts taken but not yet stored (or found stored) in the log. */
  get pending(): number {
    return this.inFlight;
  }

  disconnected(): void {
    this.connected = false;
  }

  reconnected(): void {
    this.connected = true;
  }

  async settle(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < end && !this.nc.isClosed()) await delay(20);
    return this.inFlight === 0;
  }

  /**
   * Appends until stored (by us or another replica). At most MAX_CONCURRENT_APPENDS run at once,
   * and failures pause every append (growing to a second), so that a log that cannot be reached
   * is not hammered by one retry loop per waiting alert.
   */
  private async deliver(subject: string, alert: Alert, data: Uint8Array): Promise<void> {
    await this.acquire();
    try {
      while (!this.nc.isClosed()) {
        const wait = this.pauseUntil - Date.now();
        if (wait > 0) await delay(wait);
        try {
          if (await this.appendOnce(subject, alert, data)) {
            this.failures = 0;
            return;
          }
        } catch (err) {
          this.failures++;
          this.stats.alertsResent++;
          this.pauseUntil = Date.now() + Math.min(100 * 2 ** this.failures, MAX_RETRY_PAUSE_MS);
          if (this.failures === 1) {
            this.log.warn({ subject, err: (err as Error).message }, "alert not stored yet: retrying until it is");
          }
        }
      }
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.slots > 0) {
      this.slots--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.slots++;
  }

  /** One read-then-append; false when another writer appended in between (read again). */
  private async appendOnce(subject: string, alert: Alert, data: Uint8Array): Promise<boolean> {
    const last = await this.lastLogged(subject);
    if (alreadyLogged(last.alert, alert.kind, alert.triggeredAt, this.repeatIntervalMs)) {
      this.stats.alertsDeduplicated++;
      return true;
    }
    try {
      const ack = await this.js.publish(subject, data, {
        msgID: appendId(alert.name, alert.peer, last.seq, alert.kind),
        expect: { lastSubjectSequence: last.seq },
      });
      if (ack.duplicate) this.stats.alertsDeduplicated++;
      return true;
    } catch (err) {
      if (isSequenceConflict(err)) return false;
      throw err;
    }
  }

  /** The subject's last logged alert (from the stream leader, so never stale) and its sequence. */
  private async lastLogged(subject: string): Promise<{ seq: number; alert?: LoggedAlert }> {
    try {
      const m = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      try {
        const a = decodeAlert(m.data);
        return { seq: m.seq, alert: { kind: a.kind, triggeredAt: a.triggeredAt } };
      } catch {
        return { seq: m.seq };
      }
    } catch (err) {
      if (isNotFound(err)) return { seq: 0 };
      throw err;
    }
  }
}
