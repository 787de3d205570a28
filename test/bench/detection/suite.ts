/**
 * Runs detectors over the trace suite: for each (scenario, interval) cell every peer's trace is
 * generated once and replayed through every detector configuration, so all of them see the same
 * heartbeats. Also the parameter sweeps behind the frontier plot and the tuning run.
 */
import { seededRandom } from "../../../src/cli/demo/scenario.js";
import {
  detectorFactory,
  DETECTOR_FAMILY,
  DEFAULT_CHEN,
  DEFAULT_PHI,
  DEFAULT_CONFIRMATION,
  DEFAULT_RHYTHM,
  type Detector,
  type DetectorName,
  type DetectorOptions,
} from "./detectors/mod.js";
import { emptyTally, replay, summarize, type Summary, type Tally } from "./replay.js";
import { drawBehaviour, peerSeed, type Cell, type ScenarioName } from "./scenarios.js";
import { OracleDetector } from "./oracle.js";
import { generateTrace, type Behaviour } from "./traces.js";

/** One detector with its parameters, as a row of the tables. */
export interface DetectorConfig<N extends DetectorName = DetectorName> {
  /** Label in tables and plots, e.g. "rhythm" or "rhythm k=6". */
  label: string;
  name: N;
  options: DetectorOptions[N];
  /** The swept parameter's value, for sweep configs. */
  knob?: number;
  /** Makes the detector from the peer's true behaviour instead (the oracle bound). */
  make?: (b: Behaviour, intervalMs: number) => Detector;
}

/** The six detectors with their defaults (ipfs-tick at a checker phase drawn from the seed). */
export function defaultConfigs(seed: number): DetectorConfig[] {
  const phaseMs = Math.floor(seededRandom(seed ^ 0x5eed)() * 15_000);
  return [
    { label: "ttl", name: "ttl", options: {} },
    { label: "ipfs-tick", name: "ipfs-tick", options: { phaseMs } },
    { label: "ttl+confirm", name: "ttl+confirm", options: {} },
    { label: "phi", name: "phi", options: {} },
    { label: "chen", name: "chen", options: {} },
    { label: "rhythm", name: "rhythm", options: {} },
  ];
}

/** The knob of each adaptive detector swept for the frontier plot. */
export const SWEEPS = {
  rhythm: { knob: "slackGain", values: [1, 1.25, 1.5, 1.75, 2, 2.5, 3] },
  chen: { knob: "alpha", values: [0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5] },
  phi: { knob: "threshold", values: [1, 2, 3, 4, 6, 8, 12, 16] },
  oracle: { knob: "c", values: [4, 5, 6, 7, 8, 9, 10, 12] },
} as const;

/** Expiry confirmation's price of an interval waited, swept for its plot (false expiries against detection time). */
export const CONFIRM_SWEEP = { knob: "intervalCost", values: [0.0005, 0.00075, 0.001, 0.00125, 0.0015, 0.002, 0.003, 0.005] } as const;

export function confirmSweepConfigs(): DetectorConfig[] {
  return CONFIRM_SWEEP.values.map((v) => ({ label: `ttl+confirm k=${v}`, name: "ttl+confirm", options: { intervalCost: v }, knob: v }));
}

/** Expiry confirmation's grid (price of an interval x margin in spreads): what its defaults were tuned on. */
export const CONFIRM_TUNING = { intervalCost: [0.001, 0.00125, 0.0015, 0.002], marginSpreads: [1.5, 2, 3] } as const;

export function confirmTuningConfigs(): DetectorConfig[] {
  return CONFIRM_TUNING.marginSpreads.flatMap((m) =>
    CONFIRM_TUNING.intervalCost.map((k) => ({
      label: `ttl+confirm k=${k} m=${m}`,
      name: "ttl+confirm" as const,
      options: { intervalCost: k, marginSpreads: m },
      knob: k,
    })),
  );
}

export function sweepConfigs(): DetectorConfig[] {
  const out: DetectorConfig[] = [];
  for (const v of SWEEPS.rhythm.values) out.push({ label: `rhythm g=${v}`, name: "rhythm", options: { slackGain: v }, knob: v });
  for (const v of SWEEPS.chen.values) out.push({ label: `chen α=${v}`, name: "chen", options: { alpha: v }, knob: v });
  for (const v of SWEEPS.phi.values) out.push({ label: `phi φ=${v}`, name: "phi", options: { threshold: v }, knob: v });
  return out;
}

/** The bound on `steady`: margin c x the peer's true jitter (standard deviation), for each c. */
export function oracleConfigs(): DetectorConfig[] {
  return SWEEPS.oracle.values.map((c) => ({
    label: `oracle c=${c}`,
    name: "rhythm",
    options: {},
    knob: c,
    make: (b: Behaviour, intervalMs: number) => new OracleDetector(intervalMs, c * b.jitter * intervalMs),
  }));
}

/** Rhythm over a grid of gain x half-life, and Chen's α: what the defaults were tuned on. */
export const TUNING = { slackGain: [1.5, 1.75, 2], halfLifeMetrics: [3_000, 10_000, 30_000, 100_000], alpha: SWEEPS.chen.values } as const;

export function tuningConfigs(): DetectorConfig[] {
  const out: DetectorConfig[] = [];
  for (const h of TUNING.halfLifeMetrics) {
    for (const g of TUNING.slackGain) {
      out.push({ label: `rhythm g=${g} h=${h}`, name: "rhythm", options: { slackGain: g, slackHalfLifeMetrics: h }, knob: g });
    }
  }
  for (const a of TUNING.alpha) out.push({ label: `chen α=${a}`, name: "chen", options: { alpha: a }, knob: a });
  return out;
}

export interface CellResult {
  scenario: ScenarioName;
  intervalMs: number;
  ttlMs: number;
  /** Summary per config label. */
  byLabel: Map<string, Summary>;
  /** Heartbeats replayed (per detector) and the wall time of the cell. */
  arrivals: number;
  ms: number;
}

/** Replays every config over the peers of one cell. */
export function runCell(cell: Cell, days: number, seed: number, configs: DetectorConfig[]): CellResult {
  const { scenario, intervalMs, peers } = cell;
  const ttlMs = cell.ttlMs ?? 2 * intervalMs;
  const started = performance.now();
  const tallies: Tally[] = configs.map(() => emptyTally());
  const factories = configs.map((c) => detectorFactory(c.name, c.options));
  let arrivals = 0;
  for (let p = 0; p < peers; p++) {
    const s = peerSeed(seed, scenario, intervalMs, p);
    const behaviour = drawBehaviour(scenario, seededRandom(s));
    const trace = generateTrace(behaviour, intervalMs, days, s ^ 0x7f4a7c15, ttlMs);
    arrivals += trace.arrivals.length;
    configs.forEach((c, i) => {
      const detector = c.make ? c.make(behaviour, intervalMs) : factories[i]!();
      replay(trace, detector, DETECTOR_FAMILY[c.name], tallies[i]!);
    });
  }
  const byLabel = new Map(configs.map((c, i) => [c.label, summarize(tallies[i]!)]));
  return { scenario, intervalMs, ttlMs, byLabel, arrivals, ms: performance.now() - started };
}

/** The defaults the tables report, for the record in docs and the JSON line. */
export const DEFAULTS = { phi: DEFAULT_PHI, chen: DEFAULT_CHEN, rhythm: DEFAULT_RHYTHM, confirm: DEFAULT_CONFIRMATION } as const;
