/**
 * The trace suite: seven scenarios, each drawn afresh for every peer from its own seed. Every
 * scenario has crashes (about one a day) so that each has a detection time; `crashes` has many.
 * Parameters and their sources: docs/detection.md ("Traces").
 */
import type { Behaviour } from "./traces.js";
import { uniform } from "./traces.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const SCENARIOS = ["steady", "burst-loss", "pauses", "restarts", "drift", "crashes", "mixed"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Intervals of the suite (ms); ttl = 2 x interval. */
export const INTERVALS_MS = [1_000, 15_000, 30_000] as const;

type Draw = (random: () => number) => Behaviour;

/** Jitter 1–10% of the interval, crashes once a day for 5–30 min: what every peer has. */
const base: Draw = (random) => ({
  jitter: uniform(random, 0.01, 0.1),
  crashes: { perDay: 1, minDownMs: 5 * MINUTE, maxDownMs: 30 * MINUTE },
});

const DRAWS: Record<Exclude<ScenarioName, "mixed">, Draw> = {
  steady: base,
  "burst-loss": (random) => ({
    ...base(random),
    loss: { rate: uniform(random, 0.001, 0.01), burst: uniform(random, 1.5, 3) },
  }),
  pauses: (random) => ({
    ...base(random),
    pauses: { perHour: 1, minMs: 1 * SECOND, maxMs: 10 * SECOND, networkShare: 0.5 },
  }),
  restarts: (random) => ({
    ...base(random),
    restarts: { perHour: 1 / 3, minDownMs: 200, maxDownMs: 3 * SECOND },
  }),
  drift: (random) => ({
    ...base(random),
    drift: { amplitude: uniform(random, 0.1, 0.3), periodMs: uniform(random, 2 * HOUR, 12 * HOUR) },
  }),
  crashes: (random) => ({
    ...base(random),
    crashes: { perDay: 12, minDownMs: 1 * MINUTE, maxDownMs: 1 * HOUR },
  }),
};

/** The mixed fleet: 40% steady peers, 15% each of burst loss, pauses, restarts and drift. */
const MIX: [Exclude<ScenarioName, "mixed">, number][] = [
  ["steady", 0.4],
  ["burst-loss", 0.15],
  ["pauses", 0.15],
  ["restarts", 0.15],
  ["drift", 0.15],
];

/** The behaviour of one peer of `scenario`, drawn with `random`. */
export function drawBehaviour(scenario: ScenarioName, random: () => number): Behaviour {
  if (scenario !== "mixed") return DRAWS[scenario](random);
  let pick = random();
  for (const [name, share] of MIX) {
    if (pick < share) return DRAWS[name](random);
    pick -= share;
  }
  return DRAWS.steady(random);
}

/** One cell of the suite: a scenario at an interval (ms), ttl = 2 x interval unless said. */
export interface Cell {
  scenario: ScenarioName;
  intervalMs: number;
  ttlMs?: number;
  peers: number;
}

/** What one run replays: the main table, the sweeps behind the plot, the what-if, the tuning grid. */
export interface SuitePlan {
  /** Simulated days per peer. */
  days: number;
  main: Cell[];
  sweeps: Cell[];
  /** Where expiry confirmation is swept and the loss-clairvoyant bound computed (its plot). */
  confirmSweeps: Cell[];
  whatIf: Cell[];
  tuning: Cell[];
}

/** The intervals the targets are set at (ms). */
export const TARGET_INTERVALS_MS = [15_000, 30_000] as const;

export function suitePlan(quick: boolean): SuitePlan {
  const peers = (intervalMs: number) => (quick ? (intervalMs < 10_000 ? 2 : 12) : intervalMs < 10_000 ? 20 : 200);
  const at = (scenario: ScenarioName, intervalMs: number, ttlMs?: number, n = peers(intervalMs)): Cell => ({
    scenario,
    intervalMs,
    peers: n,
    ...(ttlMs ? { ttlMs } : {}),
  });
  const targetCells = (names: ScenarioName[], n?: number) => TARGET_INTERVALS_MS.flatMap((iv) => names.map((s) => at(s, iv, undefined, n)));
  return {
    days: quick ? 2 : 7,
    main: INTERVALS_MS.flatMap((iv) => SCENARIOS.map((s) => at(s, iv))),
    sweeps: targetCells(["steady", "mixed"]),
    confirmSweeps: targetCells(["burst-loss", "mixed"]),
    // Peers that send every 7.5 s with the same 30 s ttl: what early suspicion would need.
    whatIf: (["steady", "burst-loss", "mixed"] as const).map((s) => at(s, 7_500, 30_000, peers(15_000))),
    tuning: targetCells(["steady", "burst-loss", "restarts", "mixed"], quick ? 6 : 100),
  };
}

/** A seed per (run seed, scenario, interval, peer): the same peer gets the same trace in every run. */
export function peerSeed(seed: number, scenario: ScenarioName, intervalMs: number, peer: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of `${scenario}/${intervalMs}/${peer}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}
