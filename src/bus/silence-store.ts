/**
 * Silences in JetStream: the KV bucket `<PREFIX>_SILENCES` (one key per silence id, JSON values,
 * see api/silence.ts), shared by every shard and replica and kept across restarts.
 *
 * Expiry without per-key TTLs (nats-server 2.9 has none): every entry says when it ends, and every
 * reader honours that end on its own wall clock (src/clock.ts `wallNow`, as for `e`), so a silence ends at its time whether or not a process
 * is up then. The bucket's max_age (the longest silence plus a day) makes the server forget ended
 * entries by itself, so nothing has to clean up after them.
 *
 * `SilenceFollower` is a monitor's side: it watches the bucket into a SilenceBook (the Muter) and
 * tells the supervisor which silences ended, by removal or by time.
 */
import type { KV, KvEntry, NatsConnection, QueuedIterator } from "nats";
import { decodeSilence, MAX_SILENCE_MS } from "../api/silence.js";
import type { Subjects } from "../api/subjects.js";
import type { MuteScope } from "../actors/muter.js";
import type { SilenceBook } from "../actors/silence-book.js";
import type { Clock, TimerHandle } from "../clock.js";
import { RateLimitedLog, type Logger } from "../log.js";

/** How long the server keeps an entry after it was written, ms: the longest silence and a day. */
export const SILENCE_BUCKET_MAX_AGE_MS = MAX_SILENCE_MS + 24 * 3_600_000;
/** The bucket's size, bytes: some 4,000 silences of 4 KiB; plenty for maintenance windows. */
const SILENCE_BUCKET_MAX_BYTES = 16 * 1024 ** 2;
/** The largest entry, bytes: a silence with a 1,000-character comment fits several times over. */
const SILENCE_MAX_VALUE_BYTES = 8 * 1024;
/** The first reading of the bucket waits at most this long at start, ms. */
const INITIAL_LOAD_MS = 5_000;
/** Expiry timers wake at least this often, ms (a timer cannot wait 30 days: Node caps them at ~24.8). */
const MAX_TIMER_MS = 3_600_000;

/**
 * The silence bucket, created when missing (`create`) with the bounds above; an existing bucket is
 * used as it is. Throws when the server has no JetStream.
 */
export async function openSilenceBucket(nc: NatsConnection, subjects: Subjects, o: { replicas?: number; create: boolean }): Promise<KV> {
  return nc.jetstream().views.kv(subjects.stream("SILENCES"), {
    bindOnly: !o.create,
    history: 1,
    ttl: SILENCE_BUCKET_MAX_AGE_MS,
    replicas: o.replicas ?? 1,
    max_bytes: SILENCE_BUCKET_MAX_BYTES,
    maxValueSize: SILENCE_MAX_VALUE_BYTES,
    description: "peermon: silences (maintenance windows); each entry ends at its endsAt",
  });
}

export interface SilenceFollowerOptions {
  kv: KV;
  book: SilenceBook;
  clock: Clock;
  log: Logger;
  /** Silences of these scopes stopped muting (removed, replaced or ended). */
  ended: (scopes: MuteScope[]) => void;
}

export class SilenceFollower {
  private timer: TimerHandle | undefined;
  private watch: QueuedIterator<KvEntry> | undefined;
  private readonly badLog: RateLimitedLog;
  private stopWallSteps: (() => void) | undefined;
  /** Bucket entries that were not silences (written by something else): ignored. */
  rejected = 0;

  private constructor(private readonly o: SilenceFollowerOptions) {
    this.badLog = new RateLimitedLog(
      (f, m) => o.log.warn(f, m),
      10_000,
      () => o.clock.now(),
    );
  }

  /**
   * Follows the bucket; resolves once every silence stored so far is in the book (or after
   * INITIAL_LOAD_MS, with a warning: the monitor must start even when the watch is slow).
   */
  static async start(o: SilenceFollowerOptions): Promise<SilenceFollower> {
    const f = new SilenceFollower(o);
    let loaded!: (done: boolean) => void;
    const initial = new Promise<boolean>((resolve) => (loaded = resolve));
    const timer = o.clock.setTimer(() => loaded(false), INITIAL_LOAD_MS);
    f.watch = await o.kv.watch({ initializedFn: () => loaded(true) });
    void f.follow(f.watch);
    if (!(await initial)) o.log.warn({ silences: o.book.size }, "the silences bucket is slow to answer: starting with the silences read so far");
    o.clock.clearTimer(timer);
    f.stopWallSteps = o.clock.onWallStep(() => f.arm()); // ends are wall-clock times: a step moves them
    f.arm();
    return f;
  }

  stop(): void {
    this.stopWallSteps?.();
    this.watch?.stop();
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private async follow(watch: QueuedIterator<KvEntry>): Promise<void> {
    try {
      for await (const e of watch) this.apply(e);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, "stopped following the silences bucket: silences added from now on are not seen; restart the monitor");
    }
  }

  private apply(e: KvEntry): void {
    const now = this.o.clock.wallNow();
    let ended: MuteScope | undefined;
    if (e.operation === "PUT") {
      try {
        ended = this.o.book.put(decodeSilence(e.value), now);
      } catch (err) {
        this.rejected++;
        this.badLog.note({ key: e.key, err: (err as Error).message }, "ignored an entry of the silences bucket that is not a silence");
        return;
      }
    } else {
      ended = this.o.book.remove(e.key, now);
    }
    if (ended) this.o.ended([ended]);
    this.arm();
  }

  /** Wakes at the next silence's end (or within MAX_TIMER_MS) to end what is due. */
  private arm(): void {
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
    const next = this.o.book.nextEndAt();
    if (next === Infinity) return;
    const wait = Math.min(Math.max(0, next - this.o.clock.wallNow()), MAX_TIMER_MS);
    this.timer = this.o.clock.setTimer(() => {
      this.timer = undefined;
      const ended = this.o.book.expire(this.o.clock.wallNow());
      if (ended.length > 0) this.o.ended(ended);
      this.arm();
    }, wait);
  }
}
