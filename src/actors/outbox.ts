/**
 * Outbox: the one road out. Everything the monitor emits (alerts from the window machines, their
 * suspicion events, disruption events; emission.ts) waits here between its maker and the bus. The
 * outbox hands each to a `Transport`, keeps the emissions of one lane in order (a resolved alert
 * never overtakes its firing one), retries a failed attempt after the bus backoff (RETRY.bus,
 * retry-policy.ts), holds everything while the bus cannot take it (until `resume()`: the one
 * hold-while-disconnected rule), counts, and tells the poster when an emission was taken and when
 * the server confirmed it. Nothing is dropped: only a window that is freed (its peer left) takes
 * its untaken emissions with it.
 */
import type { Clock, TimerHandle } from "../clock.js";
import { RateLimitedLog, type Logger } from "../log.js";
import { backoffMs, RETRY, type RetryPolicy } from "../retry-policy.js";
import type { MonitorStats } from "../stats.js";
import { countTaken, describe, isRepeat, lane, laneOf, type Emission } from "./emission.js";

export type { Emission } from "./emission.js";

/** The bus side of the outbox: one attempt at a time per emission. */
export interface Transport {
  /**
   * Hands `item` to the bus. Returns false when the bus cannot take it now (disconnected): the
   * outbox holds it until `resume()`. Once taken, `done()` is called when the server confirmed it,
   * `done(err)` when this attempt failed. A transition another replica had already stored is
   * confirmed with the `episode` it was stored under and whether that copy was `muted` (default:
   * the item's own).
   */
  send(item: Emission, done: (err?: unknown, episode?: string, muted?: boolean) => void): boolean;
}

export interface OutboxOptions {
  transport: Transport;
  clock: Clock;
  stats: MonitorStats;
  log: Logger;
  /** Emissions handed to the transport at once. */
  maxInFlight: number;
  /** How long a failed attempt waits. @default RETRY.bus */
  retry?: RetryPolicy;
  /** Randomness for the backoff's jitter, in [0, 1). */
  random: () => number;
}

interface Entry {
  item: Emission;
  /** Handed to the transport at least once: a consumer may have seen it. */
  taken: boolean;
  /** The window's deadline, for the detection lag of a firing alert (NaN otherwise). */
  deadline: number;
  /** Called once, when the item is first handed to the bus. */
  onTaken?: () => void;
  /** Called once the server confirmed the item, with the episode it is stored under and its mute. */
  confirmed?: (episode: string, muted: boolean) => void;
}

/** What a poster wants to hear about its emission. */
export interface PostOptions {
  /** The window's deadline (firing alerts): the detection lag ends when the alert is taken. */
  deadline?: number;
  /** It was first handed to the bus: a consumer may have it. */
  taken?: () => void;
  /** The server has it, stored under `episode` (another replica's, when it logged first), muted or not. */
  confirmed?: (episode: string, muted: boolean) => void;
}

/** Log lines about published alerts allowed per interval before they are summarised. */
const ALERT_LOG_BURST = 20;

export class Outbox {
  /** Alerts not yet confirmed, per (name, peer), oldest first; only a head is ever in flight. */
  private readonly queues = new Map<string, Entry[]>();
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
  private readonly retry: RetryPolicy;

  constructor(private readonly o: OutboxOptions) {
    this.alertLog = new RateLimitedLog(
      (f, m) => o.log.info(f, m),
      1_000,
      () => o.clock.now(),
      ALERT_LOG_BURST,
    );
    this.retry = o.retry ?? RETRY.bus;
  }

  /** Emissions posted and not yet confirmed by the server. */
  get waiting(): number {
    return this.count;
  }

  /**
   * Queues `alert` behind the earlier alerts of its (name, peer). `deadline` (firing alerts) feeds
   * the detection lag; `taken` runs when it is first handed to the bus, `confirmed` once the server
   * has it. A repeat replaces a repeat of the same episode that has not left yet (an outage does
   * not pile them up).
   */
  post(alert: Emission, options: PostOptions = {}): void {
    const key = laneOf(alert);
    let queue = this.queues.get(key);
    if (!queue) {
      queue = [];
      this.queues.set(key, queue);
    }
    const entry: Entry = { item: alert, taken: false, deadline: options.deadline ?? Number.NaN, onTaken: options.taken, confirmed: options.confirmed };
    const last = queue[queue.length - 1];
    if (last && !last.taken && isRepeat(alert) && isRepeat(last.item) && episodeOf(last.item) === episodeOf(alert)) {
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
    this.removeUntaken(lane("alerts", name, peer), (e) => e.item.kind === "firing" && e.item.episode === episode);
  }

  /** The window of (name, peer) was freed: its untaken alerts and suspicion events go with it. */
  forget(name: string, peer: string): void {
    this.removeUntaken(lane("alerts", name, peer), () => true);
    this.removeUntaken(lane("suspects", name, peer), () => true);
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
    const taken = this.o.transport.send(entry.item, (err, episode, muted) => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      if (err === undefined) this.confirmed(key, entry, episode ?? episodeOf(entry.item), muted ?? mutedOf(entry.item));
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
    countTaken(entry.item, entry.deadline, this.o.stats, this.o.clock.now());
    entry.onTaken?.();
  }

  private confirmed(key: string, entry: Entry, episode: string, muted: boolean): void {
    this.failures = 0;
    const queue = this.queues.get(key)!;
    queue.shift();
    this.count--;
    if (queue.length > 0) this.ready.unshift(key);
    else this.queues.delete(key);
    const line = describe(entry.item);
    if (line) this.alertLog.note(...line);
    entry.confirmed?.(episode, muted);
    if (this.count === 0) for (const done of this.drained.splice(0)) done();
  }

  private failed(key: string, err: unknown): void {
    this.failures++;
    this.o.stats.alertsResent++;
    this.ready.unshift(key);
    if (this.failures === 1) {
      this.o.log.warn(
        { err: (err as Error)?.message ?? String(err) },
        "not confirmed by the server yet (alerts, suspicion, disruptions): retrying until it is",
      );
    }
    if (this.pause !== undefined) return;
    const wait = backoffMs(this.failures, { ...this.retry, random: this.o.random });
    this.pause = this.o.clock.setTimer(() => {
      this.pause = undefined;
      this.pump();
    }, wait);
  }

  private removeUntaken(key: string, match: (e: Entry) => boolean): void {
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

/** The failure episode an alert belongs to; other emissions stand for themselves. */
function episodeOf(e: Emission): string {
  return "episode" in e ? e.episode : e.id;
}

function mutedOf(e: Emission): boolean {
  return "muted" in e && e.muted === true;
}

function removeFrom(list: string[], key: string): void {
  const i = list.indexOf(key);
  if (i >= 0) list.splice(i, 1);
}
