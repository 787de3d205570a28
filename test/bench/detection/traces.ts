/**
 * Synthetic heartbeat traces, seeded and reproducible: one peer sending one metric every interval
 * with ttl = 2 x interval, and what the monitor receives of it. The peer's life is a list of down
 * periods (crashes, restarts); on top of it come the delay of each metric (jitter), lost metrics
 * (Gilbert's two-state burst model), sender and network stalls, and a slowly drifting interval.
 * Every parameter and its source is in docs/detection.md ("Traces").
 */
import { seededRandom } from "../../../src/cli/demo/scenario.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What one peer does; everything optional but the jitter and the crashes. */
export interface Behaviour {
  /** Standard deviation of a metric's delay, as a fraction of the interval (shifted gamma, shape 2). */
  jitter: number;
  /** Gilbert's burst loss: long-run loss rate, mean burst length in metrics. */
  loss?: { rate: number; burst: number };
  /** Stalls (GC-like): rate, duration range (log-uniform), the share that stalls the network rather than the sender. */
  pauses?: { perHour: number; minMs: number; maxMs: number; networkShare: number };
  /** Quick restarts: rate and downtime range; the new process sends at once, then every interval. */
  restarts?: { perHour: number; minDownMs: number; maxDownMs: number };
  /** The interval swings by ±amplitude over a period: interval x (1 + amplitude sin(2πt/period + phase)). */
  drift?: { amplitude: number; periodMs: number };
  /** Crashes: rate and downtime range (log-uniform); the detection time is measured on each. */
  crashes: { perDay: number; minDownMs: number; maxDownMs: number };
}

export interface PeerTrace {
  intervalMs: number;
  ttlMs: number;
  /** Arrival times at the monitor (ms), ascending. */
  arrivals: Float64Array;
  /** Down periods as [start, end) pairs, ascending, inside the trace. */
  down: Float64Array;
  /** Per down period: 1 for a crash (detection time measured), 0 for a quick restart. */
  crash: Uint8Array;
  /** Figures count from here (every detector has had a day of its peer) to `endMs`. */
  measureFromMs: number;
  /** False suspicions of the first day are counted apart from here on (an hour of history). */
  firstDayFromMs: number;
  endMs: number;
}

/** Delay floor (ms): a NATS hop inside a data centre. */
const BASE_DELAY_MS = 1;
/** Metrics flushed after a network stall arrive this far apart (ms), in order. */
const FLUSH_SPACING_MS = 0.05;
/**
 * Figures count from the second day: a long-running monitor's detectors know their peers. The
 * first day's false suspicions (after the first hour) are counted apart: what a new window, or a
 * restarted monitor, costs.
 */
export const WARMUP_MS = DAY;
export const FIRST_DAY_FROM_MS = HOUR;

/** One peer's trace over `days`, from `seed`; its metrics carry `ttlMs` (2 x interval unless said). */
export function generateTrace(b: Behaviour, intervalMs: number, days: number, seed: number, ttlMs = 2 * intervalMs): PeerTrace {
  const random = seededRandom(seed);
  const endMs = days * DAY;
  const { down, crash } = downPeriods(b, endMs, random);
  const stalls = pauseList(b, endMs, random);
  const sends = sendTimes(b, intervalMs, endMs, down, stalls.sender, random);
  const arrivals = deliver(b, intervalMs, sends, stalls.network, random);
  return { intervalMs, ttlMs, arrivals, down, crash, measureFromMs: WARMUP_MS, firstDayFromMs: FIRST_DAY_FROM_MS, endMs };
}

// ---- the peer's life ---------------------------------------------------------------------------

function downPeriods(b: Behaviour, endMs: number, random: () => number): { down: Float64Array; crash: Uint8Array } {
  const crashRate = b.crashes.perDay / DAY;
  const restartRate = (b.restarts?.perHour ?? 0) / HOUR;
  const rate = crashRate + restartRate;
  const down: number[] = [];
  const crash: number[] = [];
  for (let t = exponential(random, rate); t < endMs; t += exponential(random, rate)) {
    const isCrash = random() * rate < crashRate;
    const length = isCrash ? logUniform(random, b.crashes.minDownMs, b.crashes.maxDownMs) : uniform(random, b.restarts!.minDownMs, b.restarts!.maxDownMs);
    if (t + length >= endMs) break;
    down.push(t, t + length);
    crash.push(isCrash ? 1 : 0);
    t += length;
  }
  return { down: Float64Array.from(down), crash: Uint8Array.from(crash) };
}

interface Stalls {
  sender: number[];
  network: number[];
}

function pauseList(b: Behaviour, endMs: number, random: () => number): Stalls {
  const out: Stalls = { sender: [], network: [] };
  const p = b.pauses;
  if (!p) return out;
  for (let t = exponential(random, p.perHour / HOUR); t < endMs; t += exponential(random, p.perHour / HOUR)) {
    const length = logUniform(random, p.minMs, p.maxMs);
    (random() < p.networkShare ? out.network : out.sender).push(t, t + length);
    t += length;
  }
  return out;
}

// ---- sending -----------------------------------------------------------------------------------

/**
 * When the peer sends: on its own grid (a ticker), from a random phase at the start and at once
 * after every (re)start. A sender stall skips the ticks inside it and sends once when it ends.
 */
function sendTimes(b: Behaviour, intervalMs: number, endMs: number, down: Float64Array, stalls: number[], random: () => number): number[] {
  const sends: number[] = [];
  const driftPhase = random() * 2 * Math.PI;
  const step = (t: number) => (b.drift ? intervalMs * (1 + b.drift.amplitude * Math.sin((2 * Math.PI * t) / b.drift.periodMs + driftPhase)) : intervalMs);
  let stall = 0;
  let upFrom = random() * intervalMs;
  for (let i = 0; i <= down.length / 2; i++) {
    const upTo = i < down.length / 2 ? down[2 * i]! : endMs;
    for (let t = upFrom; t < upTo; t += step(t)) {
      while (stall < stalls.length && stalls[stall + 1]! <= t) stall += 2;
      const inStall = stall < stalls.length && stalls[stall]! <= t;
      if (!inStall) {
        sends.push(t);
        continue;
      }
      const resume = stalls[stall + 1]!;
      if (resume < upTo && sends[sends.length - 1] !== resume) sends.push(resume);
    }
    upFrom = i < down.length / 2 ? down[2 * i + 1]! : endMs;
  }
  return sends;
}

/** What arrives: each send survives the loss chain, then takes a delay; a network stall holds it. */
function deliver(b: Behaviour, intervalMs: number, sends: number[], stalls: number[], random: () => number): Float64Array {
  const out = new Float64Array(sends.length);
  // Shifted gamma of shape 2: mean 2θ, standard deviation θ·√2 = jitter x interval.
  const theta = (b.jitter * intervalMs) / Math.SQRT2;
  const toBad = b.loss ? b.loss.rate / b.loss.burst / (1 - b.loss.rate) : 0;
  const toGood = b.loss ? 1 / b.loss.burst : 1;
  let bad = false;
  let stall = 0;
  let n = 0;
  let flushed = 0;
  for (const sent of sends) {
    if (b.loss) {
      bad = bad ? random() >= toGood : random() < toBad;
      if (bad) continue;
    }
    let at = sent + BASE_DELAY_MS - theta * (Math.log(1 - random()) + Math.log(1 - random()));
    while (stall < stalls.length && stalls[stall + 1]! <= sent) {
      stall += 2;
      flushed = 0;
    }
    if (stall < stalls.length && stalls[stall]! <= sent) at = Math.max(at, stalls[stall + 1]! + BASE_DELAY_MS + FLUSH_SPACING_MS * flushed++);
    out[n++] = at;
  }
  return out.subarray(0, n).sort();
}

// ---- random draws ------------------------------------------------------------------------------

export function exponential(random: () => number, rate: number): number {
  return rate > 0 ? -Math.log(1 - random()) / rate : Infinity;
}

export function uniform(random: () => number, lo: number, hi: number): number {
  return lo + (hi - lo) * random();
}

export function logUniform(random: () => number, lo: number, hi: number): number {
  return lo * (hi / lo) ** random();
}
