/**
 * SupersedeStage: an alert that a newer transition of the same (name, peer) has overtaken in the
 * alert log is skipped (settled as superseded) instead of undoing it at the receiver; see
 * episodes.ts for the rule. It runs before every attempt, so an alert retried while the peer came
 * back is dropped as soon as the resolved alert is logged.
 */
import type { EpisodeTable } from "./episodes.js";
import { filterStage, type Stage } from "./stage.js";

/**
 * `resolvedToo`: also skip a resolved alert once a new episode fired (Alertmanager: a late resolved
 * post would end the new episode, whose labels are the same). A webhook receiver tells episodes
 * apart by fingerprint, and gets every resolved alert.
 */
export function supersedeStage(table: EpisodeTable, resolvedToo: boolean): Stage {
  return filterStage((p) => !table.supersedes(p.seq, p.event, resolvedToo), "superseded");
}
