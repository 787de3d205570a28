/**
 * Reposter: keeps firing alerts alive in Alertmanager. Alertmanager resolves an alert it has not
 * heard of for its resolve_timeout (5 m by default), so every `intervalMs` each instance posts
 * again, to its Alertmanager, what is firing now among the alerts it answers for (`scope`: by
 * default all; in a monitor, the windows it tracks, so the replicas of the owning shard all post
 * them and a peer removed from the peerset is let go). Duplicates are harmless (Alertmanager merges
 * by labels); a missed round is not, hence several rounds per resolve_timeout. Recently resolved
 * alerts are posted again too, so that a re-post racing a resolution elsewhere cannot leave a
 * resolved alert firing.
 *
 * A re-post goes through the same stages as a first post (`repostPipeline`): mute (whatever Muter
 * the sink has), batch per metric name, post; only the retry is left out: a failed round is
 * counted and not retried, the next round is the retry.
 */
import type { Clock, TimerHandle } from "../clock.js";
import { BatchStage } from "./batch.js";
import type { EpisodeTable } from "./episodes.js";
import type { DeliveryEvent } from "./event.js";
import { muteStage, type Muter } from "./mute.js";
import { PostStage, type Destination, type Poster, type PostReport } from "./post.js";
import { pipeline, type Pending, type Stage } from "./stage.js";

export interface ReposterOptions {
  clock: Clock;
  intervalMs: number;
  scope: (e: DeliveryEvent) => boolean;
}

export interface RepostPipelineOptions {
  destination: Destination;
  poster: Poster;
  muter: Muter;
  clock: Clock;
  /** See MonitorConfig.deliveryBatchMs and deliveryBatchMax. */
  batchMs: number;
  max: number;
  /** Told of each POST of a round. */
  report: PostReport;
}

/** The stages a re-post goes through, as a first post does: mute, batch (per metric name), post. */
export function repostPipeline(o: RepostPipelineOptions): Stage {
  const post = new PostStage(o.destination, o.poster, o.report);
  return pipeline(muteStage(o.muter), new BatchStage(post, { clock: o.clock, windowMs: o.batchMs, max: o.max }));
}

/** An alert posted again: nothing to acknowledge, the log already has it. */
class Repost implements Pending {
  settled = false;
  readonly seq = 0;
  readonly loggedAtMs = 0;

  constructor(readonly event: DeliveryEvent) {}

  settle(): void {
    this.settled = true;
  }
}

export class Reposter {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly table: EpisodeTable,
    private readonly stages: Stage,
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

  /** One round: what is current, through the stages. */
  async round(): Promise<void> {
    // Resolved within two rounds: every instance has posted the resolution after any late re-post.
    const events = this.table.current(this.o.clock.now(), 2 * this.o.intervalMs, this.o.scope);
    if (events.length === 0 || this.stopped) return;
    try {
      await this.stages.exec(events.map((e) => new Repost(e)));
    } catch {
      // counted by the post stage's report; the next round is the retry
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
