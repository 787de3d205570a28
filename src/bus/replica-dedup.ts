/**
 * Exactly-once alerts across replicas of a shard, decided from the alert log alone. Every replica
 * of a shard sees the same metrics and decides the same transitions; the alert log (a JetStream
 * stream, one subject per (name, peer)) holds the alternating firing/resolved alerts. Before a
 * replica appends, it reads the subject's last alert: if that already records this transition,
 * another replica got there first and there is nothing to publish. The append itself is guarded
 * by the subject's last sequence, so two replicas racing cannot both succeed. A silence that ends
 * while an episode is alerted makes one more transition: the firing alert delivered at last (an
 * unmuted repeat after a muted firing), logged once too. Pure.
 * (Used by alert-stream.ts.)
 */
import type { AlertKind } from "../api/types.js";

/** What the log's last alert for a (name, peer) says, if there is one that decodes. */
export interface LoggedAlert {
  kind: AlertKind;
  /** Unix ns, when the replica that wrote it decided. */
  triggeredAt: bigint;
  /**
   * The episode it belongs to: replicas name episodes independently, so a replica whose firing
   * alert was already logged adopts the logged episode for its repeats and resolved alert.
   */
  episode?: string;
  /** It was published muted (a silence matched). */
  muted?: boolean;
  /** Its id (`i`): the monitor that wrote it publishes its public copy. */
  id?: string;
}

/**
 * True when the transition to `kind`, decided at `triggeredAt`, is already in the log: the last
 * logged alert has the same kind. A firing alert repeated at `repeatIntervalMs` (0: never) counts
 * as new once half the interval has passed since the logged one. An `unmutedRepeat` (a repeat of
 * the episode's firing alert, not muted) after a muted firing alert is new: a silence ended. (A
 * first firing alert never is, muted or not: replicas that disagree on a silence added at that
 * very moment still log one episode.)
 */
export function alreadyLogged(last: LoggedAlert | undefined, kind: AlertKind, triggeredAt: bigint, repeatIntervalMs: number, unmutedRepeat = false): boolean {
  if (!last || last.kind !== kind) return false;
  if (unmutedRepeat && last.muted) return false;
  if (kind === "resolved" || repeatIntervalMs <= 0) return true;
  const sinceMs = Number(triggeredAt - last.triggeredAt) / 1e6;
  return sinceMs < repeatIntervalMs / 2;
}
