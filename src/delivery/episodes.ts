/**
 * EpisodeTable: the latest transition of every (name, peer) as the alert log holds it, pure. Each
 * delivering instance keeps one, fed by every alert in log order (not only those it delivers), and
 * asks it two things:
 * - is an alert stale? A firing alert is, once a resolved one of the same (name, peer) follows it in
 *   the log; a resolved one is, once a new firing one follows it (for Alertmanager, which would take
 *   the late resolved post as the end of the new episode). Stale alerts are skipped, so an alert
 *   redelivered after an instance died, or retried while the peer came back, never undoes a newer one;
 * - what is firing now? What the Alertmanager re-poster keeps alive, and the recently resolved ones
 *   it posts again so that a late re-post elsewhere cannot leave a resolved alert firing (whether
 *   one is muted is the re-post's mute stage's to say, as for a first post).
 * Positions are the log's stream sequences (arrival order without JetStream).
 */
import { eventKey, type DeliveryEvent } from "./event.js";

interface Entry {
  latest: DeliveryEvent;
  seq: number;
  /** Positions of the newest firing and resolved transitions seen (0: none). */
  firingSeq: number;
  resolvedSeq: number;
  /** When the newest firing transition started, ms: the start of a resolved alert's episode. */
  firingStartMs?: number;
  /** When this table learnt of the latest transition, ms on the local clock. */
  seenAtMs: number;
}

export class EpisodeTable {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /** Records a transition found at `seq` in the log; older or repeated positions change nothing. */
  record(seq: number, event: DeliveryEvent, nowMs: number): void {
    const key = eventKey(event);
    const entry = this.entries.get(key);
    if (entry && seq <= entry.seq) return;
    const next: Entry = entry ?? { latest: event, seq, firingSeq: 0, resolvedSeq: 0, seenAtMs: nowMs };
    next.latest =
      event.status === "resolved" && event.startedAtMs === undefined && next.firingStartMs !== undefined
        ? { ...event, startedAtMs: next.firingStartMs }
        : event;
    next.seq = seq;
    next.seenAtMs = nowMs;
    if (event.status === "firing") {
      next.firingSeq = seq;
      next.firingStartMs = event.type === "metric" ? event.deadlineMs : event.atMs;
    } else {
      next.resolvedSeq = seq;
    }
    if (!entry) this.entries.set(key, next);
  }

  /** True when a newer transition makes the alert at `seq` stale (see the file comment). */
  supersedes(seq: number, event: DeliveryEvent, resolvedToo: boolean): boolean {
    const entry = this.entries.get(eventKey(event));
    if (!entry) return false;
    if (event.status === "firing") return entry.resolvedSeq > seq;
    return resolvedToo && entry.firingSeq > seq;
  }

  /** When the episode a resolved alert ends started, ms, when this table saw its firing alert. */
  episodeStart(event: DeliveryEvent): number | undefined {
    return this.entries.get(eventKey(event))?.firingStartMs;
  }

  /** The latest transition of `event`'s (name, peer), if any. */
  latest(event: DeliveryEvent): DeliveryEvent | undefined {
    return this.entries.get(eventKey(event))?.latest;
  }

  /**
   * What is firing, and what was resolved within `recentMs`, as of `nowMs`. `scope` narrows it to
   * the events this instance answers for.
   */
  current(nowMs: number, recentMs: number, scope: (e: DeliveryEvent) => boolean = () => true): DeliveryEvent[] {
    const out: DeliveryEvent[] = [];
    for (const { latest, seenAtMs } of this.entries.values()) {
      if (!scope(latest)) continue;
      if (latest.status === "firing" || nowMs - seenAtMs <= recentMs) out.push(latest);
    }
    return out;
  }

  /** Forgets resolved (name, peer)s whose latest transition is older than `keepMs`: memory stays bounded by the firing ones. */
  prune(nowMs: number, keepMs: number): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.latest.status === "resolved" && nowMs - entry.seenAtMs > keepMs) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }
}
