/**
 * CheckpointTurns: how the replicas of a shard take turns at checkpoint rounds. After a round a
 * writer announces it on `<prefix>.internal.checkpointed.<shard>` (`{ i: writer id, d: the round's
 * length, ms }`); the others hear it, skip the round it made fresh, and know that every window it
 * held when the round started is in the checkpoints now (the journal of new windows frees what
 * that round carried).
 */
import type { NatsConnection, Subscription } from "nats";
import { decode, encode } from "../api/codec.js";
import type { Subjects } from "../api/subjects.js";

/** A sibling's round: how long it took (ms), when the announcement says (older writers do not). */
export type SiblingRound = (roundMs: number | undefined) => void;

export class CheckpointTurns {
  private announcements: Subscription | undefined;
  private readonly subject: string;

  constructor(
    private readonly nc: NatsConnection,
    subjects: Subjects,
    shardTag: string,
    /** This writer's id: its own announcements come back and are not a sibling's. */
    private readonly id: string,
  ) {
    this.subject = subjects.checkpointed(shardTag);
  }

  /** From now on `sibling` hears each round another replica of the shard announces. */
  listen(sibling: SiblingRound): void {
    this.announcements = this.nc.subscribe(this.subject, {
      callback: (err, m) => {
        if (err) return;
        try {
          const a = decode(m.data) as { i?: unknown; d?: unknown };
          if (a.i !== this.id) sibling(typeof a.d === "number" ? a.d : undefined);
        } catch {
          // not an announcement
        }
      },
    });
  }

  /** Announces a round of `roundMs` that stored every bucket it wrote. */
  announce(roundMs: number): void {
    if (!this.nc.isClosed()) this.nc.publish(this.subject, encode({ i: this.id, d: roundMs }));
  }

  stop(): void {
    this.announcements?.unsubscribe();
    this.announcements = undefined;
  }
}

/** A writer's id in its announcements and journal subjects, from `random`. */
export const writerId = (random: () => number) => random().toString(36).slice(2, 12);
