/**
 * Sink: delivery to one destination (one Alertmanager, or the webhook). It takes alert log
 * messages from its feed, holds each one until its fate is decided, and runs them through its
 * pipeline: catch-up -> mute -> batch (per metric name) -> retry(supersede -> post). Settling an alert
 * acknowledges it to the log (or releases it to be handed out again) and counts it. While alerts
 * are held, the log is told that this instance still works on them, so they are not handed to
 * another one; if this instance dies, they are after the consumer's AckWait.
 */
import type { Clock, TimerHandle } from "../clock.js";
import { RateLimitedLog, type Logger } from "../log.js";
import { backoffMs, RETRY } from "../retry-policy.js";
import { BatchStage } from "./batch.js";
import { catchUpStage } from "./catch-up.js";
import type { EpisodeTable } from "./episodes.js";
import { decodeMetricEvent, type DeliveryEvent } from "./event.js";
import type { LogMessage } from "./feed.js";
import { muteStage, type Muter } from "./mute.js";
import { FAILURE_REASONS, PostStage, type Destination, type FailureReason, type Poster, type PostReport, type Verdict } from "./post.js";
import type { SinkCounters, SinkStatus } from "./sink-status.js";
import { repostPipeline } from "./repost.js";
import { RetryStage } from "./retry.js";
import { pipeline, type Outcome, type Pending, type Stage } from "./stage.js";
import { supersedeStage } from "./supersede.js";

export interface SinkOptions {
  destination: Destination;
  table: EpisodeTable;
  poster: Poster;
  clock: Clock;
  rng: () => number;
  log: Logger;
  muter: Muter;
  /** See MonitorConfig.deliveryBatchMs and deliveryBatchMax. */
  batchMs: number;
  batchMax: number;
  /** The feed's AckWait, ms: held alerts are confirmed as in progress three times per AckWait. */
  ackWaitMs: number;
  /** Describes the feed for status. */
  feed: string;
}

/** Minimum ms between two log lines about rejected or undecodable alerts of one sink. */
const REJECT_LOG_INTERVAL_MS = 10_000;
/** How long a stopping sink waits for its stages to finish their current step, ms. */
const STOP_WAIT_MS = 1_000;

class HeldAlert implements Pending {
  settled = false;
  workingAtMs: number;

  readonly catchUp: boolean;

  constructor(
    readonly event: DeliveryEvent,
    readonly seq: number,
    readonly loggedAtMs: number,
    readonly message: LogMessage,
    private readonly onSettle: (p: HeldAlert, outcome: Outcome) => void,
    nowMs: number,
  ) {
    this.workingAtMs = nowMs;
    this.catchUp = message.catchUp === true;
  }

  settle(outcome: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettle(this, outcome);
  }
}

export class Sink implements PostReport {
  readonly counters: SinkCounters = {
    delivered: 0,
    retried: 0,
    muted: 0,
    superseded: 0,
    past: 0,
    rejected: 0,
    reposted: 0,
    posts: 0,
    failed: Object.fromEntries(FAILURE_REASONS.map((r) => [r, 0])) as Record<FailureReason, number>,
  };
  private readonly held = new Set<HeldAlert>();
  /** The pipeline runs in progress, one per alert taken. */
  private readonly running = new Set<Promise<void>>();
  private readonly retry: RetryStage;
  private readonly intake: Stage;
  /** The stages a re-post goes through (Alertmanager): mute, batch, post, without the retry. */
  readonly reposts: Stage;
  private readonly rejectLog: RateLimitedLog;
  private sweep: TimerHandle;
  private stopping = false;
  private failuresInARow = 0;
  private lastError: SinkStatus["lastError"] = null;
  private lastDeliveredAtMs: number | null = null;
  private backlog = 0;

  constructor(private readonly o: SinkOptions) {
    const d = o.destination;
    this.retry = new RetryStage(pipeline(supersedeStage(o.table, d.kind === "alertmanager"), new PostStage(d, o.poster, this)), {
      clock: o.clock,
      rng: o.rng,
      onRetry: (items) => (this.counters.retried += items.length),
    });
    this.intake = pipeline(catchUpStage(), muteStage(o.muter), new BatchStage(this.retry, { clock: o.clock, windowMs: o.batchMs, max: o.batchMax }));
    this.reposts = repostPipeline({
      destination: d,
      poster: o.poster,
      muter: o.muter,
      clock: o.clock,
      batchMs: o.batchMs,
      max: o.batchMax,
      report: { posted: (items, verdict) => this.answered(items.length, verdict, true) },
    });
    this.rejectLog = new RateLimitedLog(
      (f, m) => o.log.warn(f, m),
      REJECT_LOG_INTERVAL_MS,
      () => o.clock.now(),
    );
    this.sweep = o.clock.setTimer(() => this.confirmWorking(), o.ackWaitMs / 3);
  }

  get id(): string {
    return this.o.destination.id;
  }

  get destination(): Destination {
    return this.o.destination;
  }

  /** Takes one alert log message; `backlog` is what the log still holds for this destination. */
  accept(message: LogMessage, backlog = 0, decode: (data: Uint8Array) => DeliveryEvent = decodeMetricEvent): void {
    this.backlog = backlog;
    if (this.stopping) return message.nak();
    let event: DeliveryEvent;
    try {
      event = decode(message.data);
    } catch (err) {
      this.counters.rejected++;
      this.counters.failed.undecodable++;
      message.ack();
      this.rejectLog.note({ sink: this.id, seq: message.seq, err: (err as Error).message }, "skipped an alert log message that is not an alert");
      return;
    }
    if (event.status === "resolved" && event.startedAtMs === undefined) {
      const started = this.o.table.episodeStart(event);
      if (started !== undefined) event = { ...event, startedAtMs: started };
    }
    const p = new HeldAlert(event, message.seq, message.loggedAtMs, message, (h, outcome) => this.settled(h, outcome), this.o.clock.now());
    this.held.add(p);
    const run = this.intake.exec([p]).then(
      () => p.settle("released"),
      (err: Error) => {
        this.o.log.error({ sink: this.id, err: err.message }, "delivery failed unexpectedly: the alert is handed out again");
        p.settle("released");
      },
    );
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Counts a POST's outcome and logs when the receiver starts or stops failing. */
  posted(items: readonly Pending[], verdict: Verdict): void {
    this.answered(items.length, verdict, false);
  }

  status(): SinkStatus {
    let oldest = Infinity;
    for (const p of this.held) if (p.loggedAtMs < oldest) oldest = p.loggedAtMs;
    const undelivered = this.held.size;
    return {
      id: this.id,
      kind: this.o.destination.kind,
      url: this.o.destination.redacted,
      feed: this.o.feed,
      state: undelivered === 0 ? "idle" : this.failuresInARow > 0 ? "retrying" : "delivering",
      undelivered,
      // Logged on the server's wall clock: compared with ours, not with the monotonic one.
      oldestUndeliveredMs: undelivered === 0 ? null : Math.max(0, this.o.clock.wallNow() - oldest),
      backlog: this.backlog,
      lastError: this.lastError,
      lastDeliveredAtMs: this.lastDeliveredAtMs,
      counters: { ...this.counters, failed: { ...this.counters.failed } },
    };
  }

  /**
   * Stops taking alerts and ends every wait; what is still held is released, so that another
   * instance (or this one after a restart) delivers it. Resolves once nothing is held.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.o.clock.clearTimer(this.sweep);
    this.retry.stop();
    // Stages finish their current step (a POST is aborted by the poster's signal) and release.
    if (this.running.size > 0) {
      let timer: TimerHandle | undefined;
      const timeout = new Promise<void>((r) => (timer = this.o.clock.setTimer(r, STOP_WAIT_MS)));
      await Promise.race([Promise.allSettled([...this.running]), timeout]);
      this.o.clock.clearTimer(timer!);
    }
    for (const p of [...this.held]) p.settle("released");
  }

  private settled(p: HeldAlert, outcome: Outcome): void {
    this.held.delete(p);
    switch (outcome) {
      case "released":
        // Released by a failure: handed out again after the receivers' backoff, growing with each delivery.
        return p.message.nak(this.stopping ? undefined : backoffMs(p.message.deliveries, { ...RETRY.receivers, random: this.o.rng }));
      case "delivered":
        this.counters.delivered++;
        this.lastDeliveredAtMs = this.o.clock.wallNow();
        break;
      case "muted":
        this.counters.muted++;
        break;
      case "superseded":
        this.counters.superseded++;
        break;
      case "past":
        this.counters.past++;
        break;
      case "rejected":
        this.counters.rejected++;
        break;
    }
    p.message.ack();
  }

  private answered(count: number, verdict: Verdict, repost: boolean): void {
    // POSTs aborted by the stop are not the receiver's failures.
    if (this.stopping && verdict.kind !== "delivered") return;
    this.counters.posts++;
    const d = this.o.destination;
    if (verdict.kind === "delivered") {
      if (repost) this.counters.reposted += count;
      if (this.failuresInARow > 0) {
        this.o.log.info({ sink: this.id, url: d.redacted, failedPosts: this.failuresInARow }, "the receiver takes alerts again");
      }
      this.failuresInARow = 0;
      return;
    }
    this.counters.failed[verdict.reason] += count;
    this.lastError = { reason: verdict.reason, detail: verdict.detail, atMs: this.o.clock.wallNow() };
    if (verdict.kind === "rejected") {
      this.rejectLog.note(
        { sink: this.id, url: d.redacted, alerts: count, answer: verdict.detail },
        "the receiver refused alerts for good (not retried): check its URL and what it expects",
      );
      return;
    }
    if (this.failuresInARow++ === 0) {
      this.o.log.warn(
        { sink: this.id, url: d.redacted, reason: verdict.reason, answer: verdict.detail },
        repost ? "re-posting firing alerts failed: the next round tries again" : "the receiver did not take alerts: retrying with backoff until it does",
      );
    }
  }

  /** Tells the log that held alerts are still being worked on (they would be handed out again after AckWait). */
  private confirmWorking(): void {
    const now = this.o.clock.now();
    for (const p of this.held) {
      if (now - p.workingAtMs >= this.o.ackWaitMs / 3) {
        p.message.working();
        p.workingAtMs = now;
      }
    }
    if (!this.stopping) this.sweep = this.o.clock.setTimer(() => this.confirmWorking(), this.o.ackWaitMs / 3);
  }
}
