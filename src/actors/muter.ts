/**
 * Muter: whether an alert may reach people, decided once, where the alert is made (the
 * AlertFactory), as Alertmanager's MuteStage asks its Muters. A muted alert is still published on
 * NATS, with `m: true`, so that machine consumers see it and may wait too; the sinks (Alertmanager,
 * webhooks) skip it. Silences are one Muter (silence-book.ts). Holding alerts during a disruption
 * is not muting: a held alert is not published at all (disruptions.ts).
 */
export interface Muter {
  /** True when alerts of (name, peer) made at `now` (ms) must not reach people. */
  mutes(name: string, peer: string, now: number): boolean;
}

/** Mutes nothing: a monitor without silences (no JetStream), and unit tests. */
export const NO_MUTER: Muter = { mutes: () => false };

/** What a silence covers: one peer, for one metric name or (name undefined) for all of them. */
export interface MuteScope {
  name?: string;
  peer: string;
}
