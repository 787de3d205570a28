/**
 * Disruption arithmetic, pure (ARCHITECTURE.md, "Disruption: when too many fail at once"). A
 * partition that silences half the fleet is one event, not hundreds of alerts: when a window of
 * name N is about to fire and more than `threshold` of N's tracked peers (at least `minPeers` of
 * them) are late or expired, the alerts of N are held; they are released once the fraction falls
 * below `threshold * (1 - hysteresis)`, so that a fraction wavering around the threshold does not
 * flap between "started" and "ended".
 *
 * Late, before the adaptive detector has history: nothing valid for more than half the ttl. IPFS
 * Cluster's informers publish every ttl/2, so a live peer's latest metric is never older than
 * that, and a partition makes every silent peer late by the time the first of them expires.
 */

export interface DisruptionRule {
  /** Fraction of tracked peers late or expired above which a disruption starts; 0 turns it off. */
  threshold: number;
  /** Fewer tracked peers than this never make a disruption. */
  minPeers: number;
  /** The disruption ends below threshold * (1 - hysteresis). */
  hysteresis: number;
}

/** How many of a name's tracked peers are late or expired. */
export interface Tally {
  count: number;
  tracked: number;
}

/**
 * True when a window is late at `nowMs`: its latest valid metric arrived at `armedAtMs` and is
 * fresh until `deadlineMs`, and more than half of that ttl has passed. A window that never had a
 * valid metric (NaN) is not late: there is nothing it was expected to repeat.
 */
export function isLate(nowMs: number, armedAtMs: number, deadlineMs: number): boolean {
  if (Number.isNaN(armedAtMs) || Number.isNaN(deadlineMs)) return false;
  return nowMs - armedAtMs > (deadlineMs - armedAtMs) / 2;
}

/** The fraction of tracked peers that are late or expired (0 when none are tracked). */
export function fractionOf(t: Tally): number {
  return t.tracked === 0 ? 0 : t.count / t.tracked;
}

/** True when a firing alert must become a disruption: enough peers, and more than the threshold of them. */
export function disruptionStarts(rule: DisruptionRule, t: Tally): boolean {
  return rule.threshold > 0 && t.tracked >= rule.minPeers && fractionOf(t) > rule.threshold;
}

/** The fraction below which an open disruption ends. */
export function endBelow(rule: DisruptionRule): number {
  return rule.threshold * (1 - rule.hysteresis);
}

/**
 * True when an open disruption ends: the fraction fell below the threshold less the hysteresis,
 * or too few peers are tracked for the rule to apply (a peerset change took them away).
 */
export function disruptionEnds(rule: DisruptionRule, t: Tally): boolean {
  return rule.threshold <= 0 || t.tracked < rule.minPeers || fractionOf(t) < endBelow(rule);
}
