/**
 * Reposter: keeps firing alerts alive in Alertmanager. Alertmanager resolves an alert it has not
 * heard of for its resolve_timeout (5 m by default), so every `intervalMs` each instance posts
 * again, to its Alertmanager, what is firing now among the alerts it answers for (`scope`: by
 * default all; in a monitor, the windows it tracks, so the replicas of the owning shard all post
 * them and a peer removed from the peerset is let go). Duplicates are harmless (Alertmanager merges
 * by labels); a missed round is not, hence several rounds per resolve_timeout. Recently resolved
 * alerts are posted again too, so that a re-post racing a resolution elsewhere cannot leave a
 * resolved alert firing. A failed round is counted and not retried: the next round is the retry.
 */
import type { Clock, TimerHandle } from "../clock.js";
import type { EpisodeTable } from "./episodes.js";
import { batchKey, type DeliveryEvent } from "./event.js";
import { classify, type Destination, type Poster, type Verdict } from "./post.js";

export interface ReposterOptions {
  clock: Clock;
  intervalMs: number;
  /** Most alerts in one POST. */
  max: number;
  scope: (e: DeliveryEvent) => boolean;
  /** Told of each POST of a round. */
  posted(events: readonly DeliveryEvent[], verdict: Verdict): void;
}

export class Reposter {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly destination: Destination,
    private readonly table: EpisodeTable,
    private readonly poster: Poster,
    private readonly o: ReposterOptions,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.o.clock.clearTimer(this.timer);
    return this.running ?? Promise.resolve();
  }

  /** One round: what is current, grouped by batch key, in POSTs of at most `max`. */
  async round(): Promise<void> {
    // Resolved within two rounds: every instance has posted the resolution after any late re-post.
    const events = this.table.current(this.o.clock.now(), 2 * this.o.intervalMs, this.o.scope);
    const groups = new Map<string, DeliveryEvent[]>();
    for (const e of events) {
      const key = batchKey(e);
      const group = groups.get(key);
      if (group) group.push(e);
      else groups.set(key, [e]);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.length && !this.stopped; i += this.o.max) {
        const batch = group.slice(i, i + this.o.max);
        const body = this.destination.body(batch);
        const answer = await this.poster.post(this.destination.endpoint, body, this.destination.headers(body));
        if (!this.stopped) this.o.posted(batch, classify(answer));
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.o.intervalMs);
  }
}
