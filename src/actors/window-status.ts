/**
 * What the status page, `/events` and `peermon status` show of a monitor's windows: the snapshot
 * WindowViews makes, with the panels the wiring adds (shard, silences, disruptions).
 */
import type { LinkReport } from "../window/self-outage.js";
import type { WindowState } from "./window-machine.js";
import type { ClockReport } from "./clock-watch.js";

export interface PeerStatus {
  peer: string;
  state: WindowState;
  value: string;
  valid: boolean;
  /** ms until the latest valid metric's deadline (negative: past it); null before a valid metric. */
  expiresInMs: number | null;
  /** ms since the newest metric arrived. */
  silentForMs: number;
  /** Announced suspect by early suspicion (later than its rhythm explains); omitted when not. */
  suspect?: true;
  /** Healthy, but past its deadline (a grace holds the judgement) or arrived expired: not in `latest`. */
  overdue?: true;
}

/**
 * Windows per state as operators see them: the machine's states, except that healthy windows
 * `latest` leaves out for being past their deadline are `overdue` (present only when some are).
 */
export type StatusCounts = Record<WindowState, number> & { overdue?: number };

export interface NameStatus {
  counts: StatusCounts;
  /** Peerset members with no window of this name: how many, and the first of them, sorted. */
  neverSeen: { count: number; peers: string[] };
  /** Up to the snapshot's `perName` peers, troubled first. */
  peers: PeerStatus[];
}

/** A listed pair's failure history over its span; pairs without episodes in it were available throughout. */
export interface PairHistoryStatus {
  sinceMs: number;
  availability: number;
  flaps: number;
  /** [start, end] in Unix ms, end null while open; oldest first. */
  episodes: [number, number | null][];
}

export interface HistoryStatus {
  /** The span every pair shares unless its own record starts later, Unix ms. */
  sinceMs: number;
  untilMs: number;
  /** name -> peer -> history, for listed pairs with episodes in their span. */
  pairs: Record<string, Record<string, PairHistoryStatus>>;
}

/** A silence as the status page shows it (set by the wiring from the silences, when they exist). */
export interface SilenceStatus {
  id: string;
  /** The metric name it mutes; absent: every name. */
  name?: string;
  peer: string;
  /** ISO time it ends. */
  endsAt: string;
  comment?: string;
}

/** An open disruption of one metric name (set by the wiring from the disruption unit, when it exists). */
export interface DisruptionStatus {
  name: string;
  /** ISO time it was declared. */
  since: string;
  /** Share of the name's peers late or expired when it was declared (or now), 0..1. */
  fraction: number;
  /** Peers late or expired. */
  count: number;
  /** Firing alerts held back. */
  held?: number;
}

export interface StatusSnapshot {
  at: string;
  /** The monitor's own link to NATS and the grace after an outage (alerts are held meanwhile). */
  link: LinkReport;
  windows: number;
  /** Peers in the peerset, or null before one is known. */
  peerset: number | null;
  names: Record<string, NameStatus>;
  history: HistoryStatus;
  /** This instance's shard (`all`, `0/2`): set by the wiring. */
  shard?: string;
  /** Active silences: set by the wiring; absent where silences do not exist. */
  silences?: SilenceStatus[];
  /** Open disruptions: set by the wiring; absent where disruption mode does not exist. */
  disruptions?: DisruptionStatus[];
  /** Peers whose clock is off: set by the wiring. */
  clocks?: ClockReport;
}
