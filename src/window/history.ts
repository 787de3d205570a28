/**
 * Failure history of each (name, peer), derived from the alert log: its failure episodes (start,
 * end) as the log's alerts tell them, and from those the availability and flap count over a span.
 * No metric is stored here: an episode is opened by a firing alert (`i` == `x`), continued by its
 * repeats and closed by the resolved alert that carries its `x`. Pure: times are passed in (ms on
 * the monitor's clock, as the alerts carry them).
 *
 * The record of a pair is complete from `completeSinceMs` on: earlier alerts may be missing (the
 * log keeps the last 64 per pair, and an alert whose episode opened before the log's first kept
 * alert has an unknown start), so spans never reach before it.
 */
import type { Alert, AlertKind } from "../api/types.js";

export interface Episode {
  /** The episode's id: the ULID of its first firing alert (the alerts' `x`). */
  id: string;
  /** When the peer went silent, ms: the deadline its firing alert names (or the alert's own time). */
  startMs: number;
  /** When the resolved alert said it was back, ms; null while the episode is open. */
  endMs: number | null;
}

/** What the history needs of one alert. */
export interface AlertFact {
  name: string;
  peer: string;
  kind: AlertKind;
  id: string;
  episode: string;
  /** When the monitor decided (`r`), ms. */
  atMs: number;
  /** The deadline of the metric the alert carries (`t + l`), ms; null without a ttl (`e` is the sender's clock). */
  deadlineMs: number | null;
}

const NS_PER_MS = 1_000_000n;

/** The facts of a decoded alert. */
export function alertFact(a: Alert): AlertFact {
  const deadline = a.ttl !== undefined && a.receivedAt > 0n ? Number((a.receivedAt + a.ttl) / NS_PER_MS) : null;
  return { name: a.name, peer: a.peer, kind: a.kind, id: a.id, episode: a.episode, atMs: Number(a.triggeredAt / NS_PER_MS), deadlineMs: deadline };
}

class PairRecord {
  /** Oldest first. */
  readonly episodes: Episode[] = [];
  completeSinceMs = -Infinity;
  /** Alerts recorded, and the time of the first, to tell whether the log may have dropped older ones. */
  alerts = 0;
  firstAlertMs = 0;
}

/** Where the records come from: the time from which the source holds alerts, and how long it keeps them. */
export interface Coverage {
  /** ms; nothing is known before it. */
  sinceMs: number;
  /** ms; alerts older than this are gone from the log. */
  retentionMs: number;
}

export class EpisodeIndex {
  private readonly pairs = new Map<string, Map<string, PairRecord>>();
  private coverageNow: Coverage;

  /**
   * `maxEpisodes`: episodes kept per pair (the log's 64 alerts hold at most 32 with their ends).
   * `coverage`: until a feed says otherwise, what this monitor saw since it started.
   */
  constructor(
    coverage: Coverage,
    private readonly maxEpisodes = 32,
  ) {
    this.coverageNow = coverage;
  }

  get coverage(): Coverage {
    return this.coverageNow;
  }

  /** The source of the alerts is known now (the alert log's first time and retention). */
  setCoverage(coverage: Coverage): void {
    this.coverageNow = coverage;
  }

  /** Pairs with a record. */
  get size(): number {
    let n = 0;
    for (const byPeer of this.pairs.values()) n += byPeer.size;
    return n;
  }

  /** One alert, in the log's order for its pair. A duplicate (same alert twice) changes nothing. */
  record(f: AlertFact): void {
    const r = this.pair(f.name, f.peer);
    if (r.alerts++ === 0) r.firstAlertMs = f.atMs;
    const known = findEpisode(r.episodes, f.episode);
    if (f.kind === "resolved") {
      if (known) {
        if (known.endMs === null) known.endMs = Math.max(known.startMs, f.atMs);
      } else {
        // Its firing alert is older than what the log kept: the start is unknown.
        r.completeSinceMs = Math.max(r.completeSinceMs, f.atMs);
      }
      return;
    }
    if (known) return; // a repeat (or the same firing alert twice)
    const opening = f.id === f.episode;
    const startMs = opening && f.deadlineMs !== null && f.deadlineMs <= f.atMs ? f.deadlineMs : f.atMs;
    if (!opening) r.completeSinceMs = Math.max(r.completeSinceMs, f.atMs);
    const last = r.episodes[r.episodes.length - 1];
    // An episode left open (its window was freed, or a restart lost the resolved alert) ends when
    // the next one starts: a window is in one episode at a time.
    if (last && last.endMs === null) last.endMs = Math.max(last.startMs, startMs);
    r.episodes.push({ id: f.episode, startMs, endMs: null });
    if (r.episodes.length > this.maxEpisodes) {
      const dropped = r.episodes.shift()!;
      r.completeSinceMs = Math.max(r.completeSinceMs, dropped.endMs ?? dropped.startMs);
    }
  }

  /**
   * The replay of the log ended; it keeps `perPair` alerts per pair at most, so a pair that came
   * with that many may have lost older ones: its record is complete from its first alert only.
   */
  replayEnded(perPair: number): void {
    for (const byPeer of this.pairs.values()) {
      for (const r of byPeer.values()) if (r.alerts >= perPair) r.completeSinceMs = Math.max(r.completeSinceMs, r.firstAlertMs);
    }
  }

  /** The episodes of a pair, oldest first. */
  episodes(name: string, peer: string): readonly Episode[] {
    return this.pairs.get(name)?.get(peer)?.episodes ?? [];
  }

  /** Where a span ending at `nowMs` starts: the source's first time, or its retention back from now. */
  coverageStart(nowMs: number): number {
    const { sinceMs, retentionMs } = this.coverageNow;
    return Math.min(nowMs, Math.max(sinceMs, nowMs - retentionMs));
  }

  /** Where a pair's span ending at `nowMs` starts: the coverage, or later where its own record is incomplete. */
  spanStart(name: string, peer: string, nowMs: number): number {
    const own = this.pairs.get(name)?.get(peer)?.completeSinceMs ?? -Infinity;
    return Math.min(nowMs, Math.max(this.coverageStart(nowMs), own));
  }

  /** Forgets what the log no longer keeps at `nowMs`: episodes that ended before its retention. */
  prune(nowMs: number): void {
    const horizon = nowMs - this.coverageNow.retentionMs;
    for (const [name, byPeer] of this.pairs) {
      for (const [peer, r] of byPeer) {
        while (r.episodes.length > 0 && r.episodes[0]!.endMs !== null && r.episodes[0]!.endMs < horizon) r.episodes.shift();
        if (r.episodes.length === 0 && r.completeSinceMs < horizon) byPeer.delete(peer);
      }
      if (byPeer.size === 0) this.pairs.delete(name);
    }
  }

  private pair(name: string, peer: string): PairRecord {
    let byPeer = this.pairs.get(name);
    if (!byPeer) this.pairs.set(name, (byPeer = new Map()));
    let r = byPeer.get(peer);
    if (!r) byPeer.set(peer, (r = new PairRecord()));
    return r;
  }
}

/** The episode with `id`, looked for from the newest (where alerts land). */
function findEpisode(episodes: Episode[], id: string): Episode | undefined {
  for (let i = episodes.length - 1; i >= 0; i--) if (episodes[i]!.id === id) return episodes[i];
  return undefined;
}

export interface HistorySummary {
  /** The span, ms. */
  sinceMs: number;
  untilMs: number;
  /** Episodes that overlap the span, oldest first (an open one last). */
  episodes: Episode[];
  /** Time spent in failure episodes within the span, ms. */
  downMs: number;
  /** 1 - downMs / span (1 for an empty span). */
  availability: number;
  /** Episodes that ended within the span: the peer went away and came back. */
  flaps: number;
}

/** Availability and flaps over [sinceMs, untilMs] from a pair's episodes. */
export function summarize(episodes: readonly Episode[], sinceMs: number, untilMs: number): HistorySummary {
  const kept: Episode[] = [];
  let downMs = 0;
  let flaps = 0;
  for (const e of episodes) {
    const end = e.endMs ?? untilMs;
    if (end < sinceMs || e.startMs > untilMs) continue;
    kept.push(e);
    downMs += Math.max(0, Math.min(end, untilMs) - Math.max(e.startMs, sinceMs));
    if (e.endMs !== null) flaps++;
  }
  const span = untilMs - sinceMs;
  return { sinceMs, untilMs, episodes: kept, downMs, availability: span > 0 ? 1 - downMs / span : 1, flaps };
}
