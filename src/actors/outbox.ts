/**
 * Outbox: the one place alerts wait between the window machines and the bus. An alert leaves its
 * machine into the outbox; the outbox hands it to a `Transport`, keeps the alerts of one
 * (name, peer) in order (a resolved alert never overtakes its firing one), retries a failed attempt
 * after a backoff, holds everything while the bus cannot take it (until `resume()`), counts, and
 * tells the window once the server confirmed its firing alert. Alerts are never dropped: only a
 * window that is freed (its peer left) takes its untaken alerts with it.
 *
 * The same shape carries every per-window event the monitor publishes: an Outbox<SuspicionEvent>
 * carries early suspicion, with its own transport and accounting.
 */
import type { Clock, TimerHandle } from "../clock.js";
import type { Alert } from "../api/types.js";
import { RateLimitedLog, type Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import { backoffMs } from "../window/backoff.js";

/** What the outbox carries: an event about one (name, peer) window. */
export interface Outgoing {
  name: string;
  peer: string;
  kind: string;
  id: string;
  /** The failure episode (alerts); events without one stand for themselves. */
  episode?: string;
  muted?: boolean;
}

/** The bus side of the outbox: one attempt at a time per event. */
export interface Transport<T extends Outgoing> {
  /**
   * Hands `item` to the bus. Returns false when the bus cannot take it now (disconnected): the
   * outbox holds it until `resume()`. Once taken, `done()` is called when the server confirmed it,
   * `done(err)` when this attempt failed. A transition another replica had already stored is
   * confirmed with the `episode` it was stored under and whether that copy was `muted` (default:
   * the item's own).
   */
  send(item: T, done: (err?: unknown, episode?: string, muted?: boolean) => void): boolean;
}

export type AlertTransport = Transport<Alert>;

/** What the outbox counts and logs of its events. @default alert accounting (ALERT_ACCOUNT) */
export interface OutboxAccount<T extends Outgoing> {
  /** `item` was handed to the bus for the first time (`deadline`: a firing alert's window's). */
  taken(item: T, deadline: number, stats: MonitorStats, now: number): void;
  /** The server confirmed `item`: a log line, or undefined for none. */
  describe(item: T): [fields: Record<string, unknown>, msg: string] | undefined;
}

export interface OutboxOptions<T extends Outgoing = Alert> {
  transport: Transport<T>;
  account?: OutboxAccount<T>;
  clock: Clock;
  stats: MonitorStats;
  log: Logger;
  /** Alerts handed to the transport at once. */
  maxInFlight: number;
  /** Longest pause after failed attempts, ms. */
  maxRetryPauseMs: number;
  /** Randomness for the backoff's jitter. @default Math.random */
  random?: () => number;
}

interface Entry<T extends Outgoing> {
  alert: T;
  /** Handed to the transport at least once: a consumer may have seen it. */
  taken: boolean;
  /** The window's deadline, for the detection lag of a firing alert (NaN otherwise). */
  deadline: number;
  /** Called once, when the alert is first handed to the bus. */
  onTaken?: () => void;
  /** Called once the server confirmed the alert, with the episode it is stored under and its mute. */
  confirmed?: (episode: string, muted: boolean) => void;
}

/** What a poster wants to hear about its alert. */
export interface PostOptions {
  /** The window's deadline (firing alerts): the detection lag ends when the alert is taken. */
  deadline?: number;
  /** The alert was first handed to the bus: a consumer may have it. */
  taken?: () => void;
  /** The server has the alert, stored under `episode` (another replica's, when it logged first), muted or not. */
  confirmed?: (episode: string, muted: boolean) => void;
}

/** Log lines about published alerts allowed per interval before they are summarised. */
const ALERT_LOG_BURST = 20;

export class Outbox<T extends Outgoing = Alert> {
  /** Alerts not yet confirmed, per (name, peer), oldest first; only a head is ever in flight. */
  private readonly queues = new Map<string, Entry<T>[]>();
  /** Keys whose head may be sent, in turn. */
  private readonly ready: string[] = [];
  /** Keys whose head the transport refused: they wait for `resume()`. */
  private held: string[] = [];
  private blocked = false;
  private inFlight = 0;
  private failures = 0;
  private pause: TimerHandle | undefined;
  private pumping = false;
  private count = 0;
  private drained: (() => void)[] = [];
  private readonly alertLog: RateLimitedLog;
  private readonly account: OutboxAccount<T>;

  constructor(private readonly o: OutboxOptions<T>) {
    this.alertLog = new RateLimitedLog(
      (f, m) => o.log.info(f, m),
      1_000,
      () => o.clock.now(),
      ALERT_LOG_BURST,
    );
    this.account = o.account ?? (ALERT_ACCOUNT as unknown as OutboxAccount<T>);
  }

  /** Alerts posted and not yet confirmed by the server. */
  get waiting(): number {
    return this.count;
  }

  /**
   * Queues `alert` behind the earlier alerts of its (name, peer). `deadline` (firing alerts) feeds
   * the detection lag; `taken` runs when it is first handed to the bus, `confirmed` once the server
   * has it. A repeat replaces a repeat of the same episode that has not left yet (an outage does
   * not pile them up).
   */
  post(alert: T, options: PostOptions = {}): void {
    const key = keyOf(alert.name, alert.peer);
    let queue = this.queues.get(key);
    if (!queue) {
      queue = [];
      this.queues.set(key, queue);
    }
    const entry: Entry<T> = { alert, taken: false, deadline: options.deadline ?? Number.NaN, onTaken: options.taken, confirmed: options.confirmed };
    const last = queue[queue.length - 1];
    if (last && !last.taken && isRepeat(alert) && isRepeat(last.alert) && last.alert.episode === alert.episode) {
      queue[queue.length - 1] = entry;
      return;
    }
    queue.push(entry);
    this.count++;
    if (queue.length > 1) return;
    if (this.blocked) {
      this.held.push(key);
      this.o.stats.alertsDeferred++;
      return;
    }
    this.ready.push(key);
    this.pump();
  }

  /** Drops the firing alert of `episode` if it was never handed to the bus: its episode ended silently. */
  withdraw(name: string, peer: string, episode: string | undefined): void {
    this.removeUntaken(keyOf(name, peer), (e) => e.alert.kind === "firing" && e.alert.episode === episode);
  }

  /** The window of (name, peer) was freed: its untaken alerts go with it. */
  forget(name: string, peer: string): void {
    this.removeUntaken(keyOf(name, peer), () => true);
  }

  /** The bus can take alerts again: send what waited, oldest first. */
  resume(): void {
    this.blocked = false;
    this.ready.push(...this.held);
    this.held = [];
    this.pump();
  }

  /** Resolves true once every alert posted so far is confirmed, false after `timeoutMs`. */
  settle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimer(() => resolve(this.count === 0), timeoutMs);
      this.drained.push(() => {
        this.o.clock.clearTimer(timer);
        resolve(true);
      });
    });
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.blocked && this.pause === undefined && this.inFlight < this.o.maxInFlight && this.ready.length > 0) {
        this.attempt(this.ready.shift()!);
      }
    } finally {
      this.pumping = false;
    }
  }

  private attempt(key: string): void {
    const entry = this.queues.get(key)?.[0];
    if (!entry) return;
    this.inFlight++;
    let settled = false;
    const taken = this.o.transport.send(entry.alert, (err, episode, muted) => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      if (err === undefined) this.confirmed(key, entry, episode ?? entry.alert.episode ?? entry.alert.id, muted ?? entry.alert.muted === true);
      else this.failed(key, err);
      this.pump();
    });
    if (!taken) {
      // The bus refuses: this key and every key waiting for a turn wait for resume(), in order.
      this.inFlight--;
      this.blocked = true;
      this.held.push(key, ...this.ready.splice(0));
      this.o.stats.alertsDeferred++;
      return;
    }
    if (entry.taken) return;
    entry.taken = true;
    this.account.taken(entry.alert, entry.deadline, this.o.stats, this.o.clock.now());
    entry.onTaken?.();
  }

  private confirmed(key: string, entry: Entry<T>, episode: string, muted: boolean): void {
    this.failures = 0;
    const queue = this.queues.get(key)!;
    queue.shift();
    this.count--;
    if (queue.length > 0) this.ready.unshift(key);
    else this.queues.delete(key);
    const line = this.account.describe(entry.alert);
    if (line) this.alertLog.note(...line);
    entry.confirmed?.(episode, muted);
    if (this.count === 0) for (const done of this.drained.splice(0)) done();
  }

  private failed(key: string, err: unknown): void {
    this.failures++;
    this.o.stats.alertsResent++;
    this.ready.unshift(key);
    if (this.failures === 1) {
      this.o.log.warn({ err: (err as Error)?.message ?? String(err) }, "alert not confirmed by the server yet: retrying until it is");
    }
    if (this.pause !== undefined) return;
    const wait = backoffMs(this.failures, { baseMs: 100, maxMs: this.o.maxRetryPauseMs, random: this.o.random });
    this.pause = this.o.clock.setTimer(() => {
      this.pause = undefined;
      this.pump();
    }, wait);
  }

  private removeUntaken(key: string, match: (e: Entry<T>) => boolean): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    const kept = queue.filter((e) => e.taken || !match(e));
    this.count -= queue.length - kept.length;
    if (kept.length > 0) {
      this.queues.set(key, kept);
    } else {
      this.queues.delete(key);
      removeFrom(this.ready, key);
      removeFrom(this.held, key);
    }
    if (this.count === 0) for (const done of this.drained.splice(0)) done();
  }
}

function keyOf(name: string, peer: string): string {
  return `${name}\u0000${peer}`;
}

/** A firing alert that is not the first of its episode. */
function isRepeat(alert: Outgoing): boolean {
  return alert.kind === "firing" && alert.episode !== alert.id;
}

function removeFrom(list: string[], key: string): void {
  const i = list.indexOf(key);
  if (i >= 0) list.splice(i, 1);
}

/**
 * Alerts are counted when first handed to the bus (the detection lag ends there), whatever the
 * retries, and each confirmed alert is one log line (a storm is summarised).
 */
export const ALERT_ACCOUNT: OutboxAccount<Alert> = {
  taken(alert, deadline, stats, now) {
    if (alert.muted) stats.alertsMuted++;
    if (alert.kind === "resolved") stats.alertsResolved++;
    else if (isRepeat(alert)) stats.alertsRepeated++;
    else {
      stats.alertsFiring++;
      if (!Number.isNaN(deadline)) stats.recordDetectionLag(now - deadline);
    }
  },
  describe(alert) {
    return [
      { kind: alert.kind, name: alert.name, peer: alert.peer, id: alert.id, episode: alert.episode, muted: alert.muted || undefined },
      alert.kind === "resolved" ? "peer is back: resolved alert published" : "peer went silent: firing alert published",
    ];
  },
};
