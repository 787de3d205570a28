/**
 * Replays a trace through one detector and peermon's deadline code, and scores it with Chen,
 * Toueg and Aguilera's metrics. No clock is needed: between two arrivals a detector's verdict
 * changes at most once (at its suspectAt) and `latest` at most once (at the deadline), so each
 * gap is scored exactly from those two times and the peer's down periods.
 *
 * - verdict: the detector's "gone" from `v` on: its suspectAt for the verdict family (ttl,
 *   ipfs-tick); min(suspectAt, deadline) for the suspicion family (under the TTL).
 * - latest with suspects excluded leaves the peer out from min(v, deadline) on.
 * - a mistake: the verdict starts while the peer is up; it lasts until the next arrival (or the
 *   crash that makes it right).
 * - detection time: crash → the start of the verdict that lasts until the peer is back.
 * - query accuracy: the share of time `latest` is right (an up peer in, a down peer out).
 */
import { deadlineOf } from "../../../src/window/deadline.js";
import type { Detector, DetectorFamily } from "./detectors/mod.js";
import type { PeerTrace } from "./traces.js";

const NS_PER_MS = 1_000_000;

export interface Tally {
  peers: number;
  /** Time measured (ms), over all peers. */
  totalMs: number;
  /** Of which the peers were up. */
  upMs: number;
  /** Time `latest` (suspects excluded) was wrong about a peer. */
  wrongMs: number;
  mistakes: number;
  mistakeMs: number;
  /** Mistakes that began before the deadline: false suspicions proper (the rest are the TTL's). */
  earlyMistakes: number;
  /** False suspicions on the first day (before the figures start): a new window's cost. */
  firstDayEarlyMistakes: number;
  /** Detection time of each crash (ms). */
  detections: number[];
  /** Crashes the verdict missed (the peer was back first). */
  undetected: number;
}

export function emptyTally(): Tally {
  return { peers: 0, totalMs: 0, upMs: 0, wrongMs: 0, mistakes: 0, mistakeMs: 0, earlyMistakes: 0, firstDayEarlyMistakes: 0, detections: [], undetected: 0 };
}

/** Scores `detector` on `trace` into `tally`. */
export function replay(trace: PeerTrace, detector: Detector, family: DetectorFamily, tally: Tally): void {
  const scorer = new GapScorer(trace, tally);
  const a = trace.arrivals;
  const ttlNs = trace.ttlMs * NS_PER_MS;
  for (let k = 0; k < a.length; k++) {
    const arrival = a[k]!;
    const deadline = deadlineOf(arrival, ttlNs, undefined);
    detector.observe(arrival, deadline);
    const suspectAt = detector.suspectAt();
    // A verdict cannot start before the arrival that re-armed the detector.
    const verdict = Math.max(arrival, family === "suspicion" ? Math.min(suspectAt, deadline) : suspectAt);
    scorer.gap(arrival, k + 1 < a.length ? a[k + 1]! : trace.endMs, verdict, Math.min(verdict, deadline), verdict < deadline);
  }
  scorer.finish();
}

/** Scores gaps in order against the trace's down periods (a pointer walks them once). */
class GapScorer {
  private readonly from: number;
  private readonly to: number;
  private readonly down: Float64Array;
  /** First down period that ends after the current gap's start. */
  private first = 0;
  private wrong = 0;
  private mistakes = 0;
  private mistakeMs = 0;
  private earlyMistakes = 0;
  private firstDayEarly = 0;

  constructor(
    private readonly trace: PeerTrace,
    private readonly tally: Tally,
  ) {
    this.from = trace.measureFromMs;
    this.to = trace.endMs;
    this.down = trace.down;
  }

  /**
   * The gap [start, end) after an arrival: the verdict from `verdict` (`early`: before the
   * deadline), latest excludes from `excluded`.
   */
  gap(start: number, end: number, verdict: number, excluded: number, early: boolean): void {
    const down = this.down;
    const periods = down.length / 2;
    while (this.first < periods && down[2 * this.first + 1]! <= start) this.first++;
    const out = Math.min(Math.max(excluded, start), end);
    // Wrong: excluded while up, or included while down.
    this.wrong += this.measured(out, end) - this.downWithin(out, end) + this.downWithin(start, out);
    if (verdict < end) this.verdictStarts(verdict, end, early);
    // Crashes the peer recovered from before `end`: their detection is this gap's verdict.
    for (let i = this.first; i < periods && down[2 * i + 1]! <= end; i++) {
      const crashAt = down[2 * i]!;
      if (!this.trace.crash[i] || crashAt < this.from) continue;
      if (verdict < end) this.tally.detections.push(Math.max(0, verdict - crashAt));
      else this.tally.undetected++;
    }
  }

  finish(): void {
    const t = this.tally;
    const measured = this.to - this.from;
    t.peers++;
    t.totalMs += measured;
    t.upMs += measured - this.downWithin(this.from, this.to, 0);
    t.wrongMs += this.wrong;
    t.mistakes += this.mistakes;
    t.mistakeMs += this.mistakeMs;
    t.earlyMistakes += this.earlyMistakes;
    t.firstDayEarlyMistakes += this.firstDayEarly;
  }

  /** A verdict starting at `at` (before the gap ends at `end`): a mistake if the peer is up then. */
  private verdictStarts(at: number, end: number, early: boolean): void {
    if (at < this.from) {
      if (early && at >= this.trace.firstDayFromMs && !this.isDown(at)) this.firstDayEarly++;
      return;
    }
    if (at >= this.to) return;
    const down = this.down;
    let until = end;
    for (let i = this.first; i < down.length / 2 && down[2 * i]! < end; i++) {
      if (down[2 * i]! <= at && at < down[2 * i + 1]!) return; // right: the peer is down
      if (down[2 * i]! > at) {
        until = down[2 * i]!; // the mistake ends when the peer crashes
        break;
      }
    }
    this.mistakes++;
    this.mistakeMs += until - at;
    if (early) this.earlyMistakes++;
  }

  /** Whether the peer is down at `t` (any period, for the first day's count). */
  private isDown(t: number): boolean {
    const down = this.down;
    for (let i = 0; i < down.length / 2 && down[2 * i]! <= t; i++) if (t < down[2 * i + 1]!) return true;
    return false;
  }

  /** Length of [a, b) inside the measured span. */
  private measured(a: number, b: number): number {
    return Math.max(0, Math.min(b, this.to) - Math.max(a, this.from));
  }

  /** Down time inside [a, b) and the measured span, from down period `firstPeriod` on. */
  private downWithin(a: number, b: number, firstPeriod = this.first): number {
    const down = this.down;
    let sum = 0;
    for (let i = firstPeriod; i < down.length / 2 && down[2 * i]! < b; i++) {
      sum += this.measured(Math.max(a, down[2 * i]!), Math.min(b, down[2 * i + 1]!));
    }
    return sum;
  }
}

export interface Summary {
  peers: number;
  peerDays: number;
  crashes: number;
  undetected: number;
  /** Detection time (ms): mean and 99th percentile. */
  detectMeanMs: number;
  detectP99Ms: number;
  mistakesPerDay: number;
  mistakesPerWeek: number;
  /** False suspicions proper: mistakes that began before the deadline, per peer-week. */
  earlyPerWeek: number;
  /** False suspicions per peer on its first day (from its first hour): a new window's cost. */
  firstDayEarlyPerPeer: number;
  /** Mean mistake duration (ms); NaN without mistakes. */
  mistakeMeanMs: number;
  /** Share of time `latest` with suspects excluded is right. */
  accuracy: number;
}

const DAY = 86_400_000;

export function summarize(t: Tally): Summary {
  const sorted = Float64Array.from(t.detections).sort();
  const upDays = t.upMs / DAY;
  return {
    peers: t.peers,
    peerDays: t.totalMs / DAY,
    crashes: sorted.length + t.undetected,
    undetected: t.undetected,
    detectMeanMs: sorted.length ? sorted.reduce((s, x) => s + x, 0) / sorted.length : Number.NaN,
    detectP99Ms: sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]! : Number.NaN,
    mistakesPerDay: upDays > 0 ? t.mistakes / upDays : Number.NaN,
    mistakesPerWeek: upDays > 0 ? (7 * t.mistakes) / upDays : Number.NaN,
    earlyPerWeek: upDays > 0 ? (7 * t.earlyMistakes) / upDays : Number.NaN,
    firstDayEarlyPerPeer: t.peers > 0 ? t.firstDayEarlyMistakes / t.peers : Number.NaN,
    mistakeMeanMs: t.mistakes ? t.mistakeMs / t.mistakes : Number.NaN,
    accuracy: t.totalMs > 0 ? 1 - t.wrongMs / t.totalMs : Number.NaN,
  };
}
