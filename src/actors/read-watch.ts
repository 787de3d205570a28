/**
 * ReadWatch: when the monitor itself read late. A metric is stamped when the monitor reads it, so
 * on-time metrics look late when the monitor reads behind: its event loop stood still (a garbage
 * collection, other work) or it read slower than they came for a while (a checkpoint round at 1M
 * windows on two shared cores) and they waited in the socket and the server. A rhythm that learned
 * that lateness would widen its margins, and suspicion and expiry confirmation would wait out the
 * monitor's own delays (seen: confirmation margins of one to four seconds at 1M windows). The
 * conviction's round trip already covers a late read; the rhythm must not learn from one.
 *
 * Two signs, both cheap:
 * - a timer every `tickMs` measures how late it runs (and an arrival that finds it overdue: after a
 *   pause the socket's backlog is read before timers run). After the loop ran `late` ms late, what
 *   is read in the next `DOUBT_FACTOR` x `late` may have waited (the backlog of a pause is worked
 *   off with the capacity left beside the live load: four times the pause at 80% busy);
 * - a round trip to the bus is kept out (one at a time, a tick apart). Its answer comes behind
 *   everything the server sent before it, so while one is out for `thresholdMs` or more, what is
 *   read now waited at least that long; and for as long again after it comes back so late.
 * Delays under `thresholdMs` are a timer's jitter and the cost of one socket read; but the tick
 * itself casts doubt once four times its lateness reaches `thresholdMs` (a tick 7 ms late doubts
 * 28 ms of reads). Kept so on purpose: with the threshold on the lateness itself, one full `steady`
 * run (1M windows, 2026-12-07) had alert lag p50 437 ms and p99 2.16 s against 140–266 ms and
 * 1.40–2.97 s that day, since under load reads behind by 6–25 ms are common and are the monitor's.
 */
import type { Clock, TimerHandle } from "../clock.js";
import { TUNING } from "../config.js";
import type { RoundTrip } from "./self-health.js";

/** How long after a late tick arrivals are in doubt, in multiples of its lateness. */
export const DOUBT_FACTOR = 4;

export interface ReadWatchOptions {
  clock: Clock;
  /** Round trips to the bus (none: only the event loop is watched). */
  roundTrip?: RoundTrip;
  /** @default TUNING.readWatchTickMs */
  tickMs?: number;
  /** @default TUNING.readLateMs */
  thresholdMs?: number;
}

export class ReadWatch {
  private timer: TimerHandle | undefined;
  private expectedAt = Number.NaN;
  /** When the round trip out left (ms); undefined when none is out. */
  private outSince: number | undefined;
  /** Arrivals before this time (ms, monotonic) may have waited behind the monitor's own delay. */
  private doubtUntil = -Infinity;
  private readonly tickMs: number;
  private readonly thresholdMs: number;

  constructor(private readonly o: ReadWatchOptions) {
    this.tickMs = o.tickMs ?? TUNING.readWatchTickMs;
    this.thresholdMs = o.thresholdMs ?? TUNING.readLateMs;
  }

  /** True when what is read at `now` was read on time (the monitor is not reading behind). */
  readsOnTime(now: number): boolean {
    const overdue = now - this.expectedAt;
    if (overdue >= this.thresholdMs) this.late(now, DOUBT_FACTOR * overdue);
    if (this.outSince !== undefined && now - this.outSince >= this.thresholdMs) return false;
    return now >= this.doubtUntil;
  }

  /** Reads until `ms` after `now` may have waited. */
  private late(now: number, ms: number): void {
    if (ms >= this.thresholdMs) this.doubtUntil = Math.max(this.doubtUntil, now + ms);
  }

  start(): void {
    if (this.timer === undefined) this.tickLater();
  }

  stop(): void {
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private tickLater(): void {
    this.expectedAt = this.o.clock.now() + this.tickMs;
    this.timer = this.o.clock.setTimer(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    const now = this.o.clock.now();
    this.late(now, DOUBT_FACTOR * (now - this.expectedAt));
    this.tickLater();
    if (this.o.roundTrip && this.outSince === undefined) {
      const since = now;
      this.outSince = since;
      this.o.roundTrip.request(() => {
        if (this.outSince !== since) return;
        this.outSince = undefined;
        const at = this.o.clock.now();
        this.late(at, at - since);
      });
    }
  }
}
