/**
 * One run of the detection benchmark: the main table (every scenario x interval, the six
 * detectors with their defaults), the sweeps behind the frontier plots (with the oracle on
 * `steady`, and expiry confirmation's loss-clairvoyant bound on burst-loss and mixed), the what-if (peers sending every 7.5 s with a 30 s ttl), the tuning grid on its own
 * seed, and the bytes per window of each detector's state.
 */
import { progress } from "../common.js";
import { type BoundPoint, lossBound } from "./bound.js";
import { suitePlan, type Cell, type SuitePlan } from "./scenarios.js";
import { measureStateBytes, type StateBytes } from "./state-memory.js";
import {
  confirmSweepConfigs,
  confirmTuningConfigs,
  defaultConfigs,
  oracleConfigs,
  runCell,
  sweepConfigs,
  tuningConfigs,
  type CellResult,
  type DetectorConfig,
} from "./suite.js";

/** Tuning and reporting never share a seed (docs/detection.md, "Tuning"). */
export const TUNING_SEED = 1;
export const REPORT_SEED = 2;

export interface SuiteOptions {
  quick: boolean;
  seed: number;
  /** Run the sweeps (the plot). */
  sweeps: boolean;
  /** Run the tuning grid on TUNING_SEED. */
  tuning: boolean;
  /** Measure the detectors' bytes per window (a child process with --expose-gc). */
  memory: boolean;
  /** Run only this part. */
  only?: "tuning";
}

export interface SuiteRun {
  options: SuiteOptions;
  plan: SuitePlan;
  main: CellResult[];
  whatIf: CellResult[];
  tuning: CellResult[];
  /** The loss-clairvoyant bound of expiry confirmation, per confirmation sweep cell (with the sweeps). */
  bounds: { scenario: Cell["scenario"]; intervalMs: number; points: BoundPoint[] }[];
  memory: StateBytes[];
  /** Heartbeats replayed (per detector configuration) and wall time. */
  arrivals: number;
  peerDays: number;
  seconds: number;
}

export async function runSuite(o: SuiteOptions): Promise<SuiteRun> {
  const started = performance.now();
  const plan = suitePlan(o.quick);
  const defaults = defaultConfigs(o.seed);
  const within = (list: Cell[]) => (c: Cell) => o.sweeps && list.some((s) => s.scenario === c.scenario && s.intervalMs === c.intervalMs);
  const isSweep = within(plan.sweeps);
  const isConfirmSweep = within(plan.confirmSweeps);
  const configsFor = (c: Cell): DetectorConfig[] => [
    ...defaults,
    ...(isSweep(c) ? sweepConfigs() : []),
    ...(isSweep(c) && c.scenario === "steady" ? oracleConfigs() : []),
    ...(isConfirmSweep(c) ? confirmSweepConfigs() : []),
  ];
  const main = o.only ? [] : cells(plan.main, plan.days, o.seed, configsFor, "main");
  const whatIf = o.only ? [] : cells(plan.whatIf, plan.days, o.seed, () => defaults, "what-if");
  const tuningDefaults = defaultConfigs(TUNING_SEED).slice(0, 2); // ttl, and ipfs-tick for confirmation's ratios
  const tuning = o.tuning ? cells(plan.tuning, plan.days, TUNING_SEED, () => [...tuningDefaults, ...tuningConfigs(), ...confirmTuningConfigs()], "tuning") : [];
  const bounds =
    o.sweeps && !o.only
      ? plan.confirmSweeps.map((c) => {
          progress(`detection bound: ${c.scenario} @ ${c.intervalMs / 1000} s`);
          return { scenario: c.scenario, intervalMs: c.intervalMs, points: lossBound(c, plan.days, o.seed) };
        })
      : [];
  const memory = o.memory ? await measureStateBytes(o.quick) : [];
  const all = [...main, ...whatIf];
  return {
    options: o,
    plan,
    main,
    whatIf,
    tuning,
    bounds,
    memory,
    arrivals: all.reduce((s, c) => s + c.arrivals, 0),
    peerDays: all.reduce((s, c) => s + (c.byLabel.get("ttl")?.peerDays ?? 0), 0),
    seconds: (performance.now() - started) / 1000,
  };
}

function cells(list: Cell[], days: number, seed: number, configs: (c: Cell) => DetectorConfig[], what: string): CellResult[] {
  return list.map((cell, i) => {
    const r = runCell(cell, days, seed, configs(cell));
    progress(`detection ${what} ${i + 1}/${list.length}: ${cell.scenario} @ ${cell.intervalMs / 1000} s, ${cell.peers} peers, ${Math.round(r.ms)} ms`);
    return r;
  });
}
