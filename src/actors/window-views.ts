/**
 * WindowViews: read-only views of the windows for queries and operators — latest metrics, one
 * peer's window, names, windows per state, never-seen peers, a peer's failure history (windows and
 * the episode index fed from the alert log), the status page's snapshot. Reads the registry, the
 * peerset, the episode index and the clock, changes nothing.
 */
import type { Clock } from "../clock.js";
import type { Metric } from "../api/types.js";
import type { PeerHistory } from "../api/history.js";
import type { MetricWindow } from "../window/metric-window.js";
import { LatestReplies, type LatestReply } from "./latest-replies.js";
import { isFresh } from "../window/deadline.js";
import { summarize, type EpisodeIndex } from "../window/history.js";
import type { LinkReport } from "../window/self-outage.js";
import type { TrackedWindow } from "./tracked-window.js";
import type { WindowRegistry } from "./window-registry.js";
import { NeverSeen } from "./never-seen.js";
import { WINDOW_STATES, type WindowState } from "./window-machine.js";
import type { HistoryStatus, PairHistoryStatus, PeerStatus, StatusCounts, StatusSnapshot } from "./window-status.js";

const SEVERITY: Record<WindowState, number> = { alerted: 0, expired: 1, healthy: 2 };
const NS_PER_MS = 1_000_000n;

export interface LatestOptions {
  /** Leave out peers announced suspect (the `Peermon-Exclude: suspect` request header). @default false */
  excludeSuspects?: boolean;
}

export class WindowViews {
  private readonly silent: NeverSeen;
  /** Each name's `latest` reply, kept between changes. */
  private readonly replies = new LatestReplies<TrackedWindow>({ listed, encode: (w, out) => w.metrics.writeLatest(out) });

  constructor(
    private readonly windows: WindowRegistry,
    private readonly clock: Clock,
    /** The current peerset's members, or undefined before one is known. */
    private readonly peerset: () => ReadonlySet<string> | undefined,
    private readonly link: (now: number) => LinkReport,
    /** Failure episodes per (name, peer), fed from the alert log. */
    private readonly episodes: EpisodeIndex,
    /** The last peers outside the peerset whose metrics of a name were ignored. */
    private readonly ignoredSenders: (name: string) => readonly string[] = () => [],
  ) {
    this.silent = new NeverSeen(windows, peerset);
  }

  /** Windows tracked. */
  get windowCount(): number {
    return this.windows.size;
  }

  /** Peers in the current peerset, or null before one is known. */
  get peerCount(): number | null {
    return this.peerset()?.size ?? null;
  }

  /**
   * Latest metric of each current peer for `name`, when it is valid and fresh; sorted by peer.
   * With `excludeSuspects`, peers announced suspect (early suspicion) are left out.
   */
  latest(name: string, options: LatestOptions = {}): Metric[] {
    return this.fresh(name, options.excludeSuspects === true, this.clock.now()).map((w) => w.metrics.latest()!);
  }

  /** `latest(name)` as its msgpack reply (Metric[]), written straight from window storage. */
  latestEncoded(name: string, options: LatestOptions = {}): Uint8Array {
    return this.latestReply(name, options).bytes;
  }

  /**
   * `latest(name)` as its msgpack reply, with the oldest restore snapshot it lists: kept from an
   * earlier request while nothing it depends on changed (latest-replies.ts), else written straight
   * from window storage and kept.
   */
  latestReply(name: string, options: LatestOptions = {}): LatestReply {
    return this.replies.reply(name, options.excludeSuspects === true, this.windows.group(name), this.peerset(), this.clock.now(), this.windows.sorted(name));
  }

  /** Latest metric of one peer, expired or invalid included; undefined when there is none. */
  latestForPeer(name: string, peer: string): Metric | undefined {
    return this.windows.get(name, peer)?.metrics.latest();
  }

  /** When the restored metric the window of (name, peer) holds was snapshotted (ms); undefined when it holds a live one. */
  restoredFrom(name: string, peer: string): number | undefined {
    return this.windows.get(name, peer)?.restoredFrom;
  }

  /** Every metric in one window, newest first. */
  history(name: string, peer: string): Metric[] {
    return this.windows.get(name, peer)?.metrics.all() ?? [];
  }

  names(): string[] {
    return this.windows.names();
  }

  /** True when `name` has windows or had some (a PeerSet change may have freed them all): not a typo. */
  isKnownName(name: string): boolean {
    return this.windows.wasSeen(name);
  }

  /** Peers outside the current peerset that sent `name` lately: their metrics were ignored. */
  nonMembersSending(name: string): string[] {
    const members = this.peerset();
    return this.ignoredSenders(name).filter((p) => !members?.has(p));
  }

  /** Each metric name with its windows' storage, read in place: what checkpoints and transfers to a sibling copy. */
  *metricWindows(): IterableIterator<[name: string, windows: IterableIterator<MetricWindow>]> {
    for (const [name, byPeer] of this.windows.byNames()) yield [name, storageOf(byPeer.values())];
  }

  /** Windows per state, per metric name. */
  stateCounts(): Record<string, Record<WindowState, number>> {
    const out: Record<string, Record<WindowState, number>> = {};
    for (const [name, byPeer] of this.windows.byNames()) {
      const counts = zeroCounts();
      for (const w of byPeer.values()) counts[w.state]++;
      out[name] = counts;
    }
    return out;
  }

  /**
   * Windows per state as `status` shows them, per metric name: the machine's states, except that a
   * healthy window that `latest` leaves out because its valid metric is past its deadline — during
   * a grace, or while the round trip that convicts it is out, or that arrived expired — is
   * `overdue` (present only when some are), not healthy.
   */
  statusCounts(): Record<string, StatusCounts> {
    const now = this.clock.now();
    const out: Record<string, StatusCounts> = {};
    for (const [name, byPeer] of this.windows.byNames()) out[name] = countStates(byPeer.values(), now);
    return out;
  }

  /** Windows announced suspect now (early suspicion), per metric name. */
  suspectCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, byPeer] of this.windows.byNames()) {
      let n = 0;
      for (const w of byPeer.values()) if (w.suspect) n++;
      out[name] = n;
    }
    return out;
  }

  /**
   * True when `peer` is in the peerset and has no window of `name` while other peers report it:
   * a peer that never reported the name (not alerted: it may not have started yet).
   */
  isNeverSeen(name: string, peer: string): boolean {
    return this.silent.isNeverSeen(name, peer);
  }

  /** The never-seen peers of `name`, sorted (none before a peerset is known, or for an unknown name). */
  neverSeen(name: string): string[] {
    return this.silent.neverSeen(name);
  }

  /** Per name: how many peers were never seen, and the first `listed` of them (`total` over all names). */
  neverSeenSummary(listed: number, total = Infinity): Record<string, { count: number; peers: string[] }> {
    return this.silent.summary(listed, total);
  }

  /** Members with no window of any name: how many, and the first `listed`. */
  silentMembers(listed: number): { count: number; peers: string[] } {
    return this.silent.silentMembers(listed);
  }

  /**
   * The failure history of (name, peer) over the alert log's retention, with when it was last
   * seen; undefined when nothing is known of it (no window, not a never-seen member, no episode).
   */
  historyOf(name: string, peer: string): PeerHistory | undefined {
    // The wall clock, as the alerts' and metrics' stamps; whole ms, as the reply carries them (in ns).
    const now = Math.floor(this.clock.wallNow());
    const w = this.windows.get(name, peer);
    const neverSeen = !w && this.isNeverSeen(name, peer);
    const all = this.episodes.episodes(name, peer);
    if (!w && !neverSeen && all.length === 0) return undefined;
    const s = summarize(all, Math.floor(this.spanStart(name, peer, w, now)), now);
    const received = w?.metrics.latestReceivedAt() ?? 0n;
    return {
      name,
      peer,
      lastSeenMs: received > 0n ? Number(received / NS_PER_MS) : null,
      neverSeen,
      sinceMs: s.sinceMs,
      untilMs: s.untilMs,
      availability: s.availability,
      flaps: s.flaps,
      episodes: s.episodes.map((e) => ({ ...e })),
    };
  }

  /** Per metric name, the windows per state, the never-seen peers and up to `perName` peers, troubled first. */
  statusSnapshot(perName: number): StatusSnapshot {
    const now = this.clock.now();
    // Stamps (t, r, so history and silence) are on the wall clock; deadlines on the monotonic one.
    const wall = this.clock.wallNow();
    const names: StatusSnapshot["names"] = {};
    const history: HistoryStatus = { sinceMs: this.episodes.coverageStart(wall), untilMs: wall, pairs: {} };
    const budget = this.silent.budget();
    for (const name of this.windows.names()) {
      const list = [...this.windows.sorted(name)].sort((a, b) => SEVERITY[a.state] - SEVERITY[b.state]);
      const counts = countStates(list, now);
      const peers = list.slice(0, perName);
      names[name] = { counts, neverSeen: this.silent.of(name, perName, budget), peers: peers.map((w) => peerStatus(w, now, wall)) };
      const pairs = this.pairHistories(name, peers, wall);
      if (pairs) history.pairs[name] = pairs;
    }
    const members = this.peerset();
    return { at: new Date(wall).toISOString(), link: this.link(now), windows: this.windows.size, peerset: members?.size ?? null, names, history };
  }

  /**
   * Where the history of (name, peer) ending at `now` starts: the alert log's span for it, but not
   * before the peer was in the fleet (its window's start), unless an episode the log keeps began
   * earlier: availability is over the peer's own time, not the log's.
   */
  private spanStart(name: string, peer: string, w: TrackedWindow | undefined, now: number): number {
    const span = this.episodes.spanStart(name, peer, now);
    if (!w || Number.isNaN(w.sinceMs)) return span;
    const firstEpisode = this.episodes.episodes(name, peer)[0]?.startMs ?? Infinity;
    return Math.min(now, Math.max(span, Math.min(w.sinceMs, firstEpisode)));
  }

  /** The histories of `windows` (one name) that had episodes in their span (ending at `wall`); undefined when none did. */
  private pairHistories(name: string, windows: readonly TrackedWindow[], wall: number) {
    let out: Record<string, PairHistoryStatus> | undefined;
    for (const w of windows) {
      const all = this.episodes.episodes(name, w.peer);
      if (all.length === 0) continue;
      const s = summarize(all, this.spanStart(name, w.peer, w, wall), wall);
      if (s.episodes.length === 0) continue;
      out ??= {};
      out[w.peer] = { sinceMs: s.sinceMs, availability: s.availability, flaps: s.flaps, episodes: s.episodes.map((e) => [e.startMs, e.endMs]) };
    }
    return out;
  }

  /** Windows of `name` whose latest metric is valid and fresh at `now` (and not suspect, with `excludeSuspects`), sorted by peer. */
  private fresh(name: string, excludeSuspects: boolean, now: number): TrackedWindow[] {
    return this.windows.sorted(name).filter((w) => listed(w, now, excludeSuspects));
  }
}

/**
 * `w` belongs in `latest`: its newest metric is valid, did not arrive expired and is fresh at
 * `now` (and it is not suspect, with `excludeSuspects`).
 */
function listed(w: TrackedWindow, now: number, excludeSuspects: boolean): boolean {
  return w.metrics.latestIsValid() && !w.arrivedExpired && isFresh(w.deadline, now) && !(excludeSuspects && w.suspect);
}

/** Healthy per its machine, but left out of `latest`: its valid metric is past its deadline, or arrived so. */
function isOverdue(w: TrackedWindow, now: number): boolean {
  return w.state === "healthy" && w.metrics.latestIsValid() && (w.arrivedExpired || (!Number.isNaN(w.deadline) && !isFresh(w.deadline, now)));
}

function countStates(windows: Iterable<TrackedWindow>, now: number): StatusCounts {
  const counts: StatusCounts = zeroCounts();
  let overdue = 0;
  for (const w of windows) {
    if (isOverdue(w, now)) overdue++;
    else counts[w.state]++;
  }
  if (overdue > 0) counts.overdue = overdue;
  return counts;
}

function peerStatus(w: TrackedWindow, now: number, wall: number): PeerStatus {
  return {
    peer: w.peer,
    state: w.state,
    ...(isOverdue(w, now) ? { overdue: true as const } : {}),
    value: w.metrics.latest()?.value ?? "",
    valid: w.metrics.latestIsValid(),
    expiresInMs: Number.isNaN(w.deadline) ? null : Math.round(w.deadline - now),
    silentForMs: Math.max(0, Math.round(wall - Number(w.metrics.latestReceivedAt() / NS_PER_MS))),
    ...(w.suspect ? { suspect: true as const } : {}),
  };
}

function* storageOf(windows: Iterable<TrackedWindow>): IterableIterator<MetricWindow> {
  for (const w of windows) yield w.metrics;
}

function zeroCounts(): Record<WindowState, number> {
  return Object.fromEntries(WINDOW_STATES.map((s) => [s, 0])) as Record<WindowState, number>;
}
