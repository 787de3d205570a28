/**
 * Detection quality (the `detection` scenario of `npm run bench`): the trace-replay benchmark of
 * test/bench/detection/ with the defaults only (no sweeps, no tuning), and the targets for
 * the chosen detector. `npm run bench:detection` runs it all and rewrites docs/detection.md.
 */
import type { BenchOptions, Row, ScenarioResult } from "./common.js";
import { REPORT_SEED, runSuite } from "./detection/run-suite.js";
import { CONFIRM, confirmJson, confirmTargets } from "./detection/confirm-figures.js";
import { CHOSEN, cellOf, fmt, jsonFigures, targets } from "./detection/tables.js";
import { TARGET_INTERVALS_MS } from "./detection/scenarios.js";

/** Bytes per window today (window + actor, 1M full windows): docs/benchmarks.md, memory scenario. */
const WINDOW_BYTES = 5329;

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const result = await runSuite({ quick: o.quick, seed: REPORT_SEED, sweeps: false, tuning: false, memory: true });
  const rows: Row[] = [];
  for (const iv of TARGET_INTERVALS_MS) {
    const c = cellOf(result.main, "mixed", iv);
    const [s, ttl] = [c.byLabel.get(CHOSEN)!, c.byLabel.get("ttl")!];
    rows.push({
      figure: `detection: ${CHOSEN}, mixed fleet @ ${iv / 1000} s: T_D mean / p99, false susp./wk, accuracy`,
      value: `${fmt(s.detectMeanMs / 1000, 1)} / ${fmt(s.detectP99Ms / 1000, 1)} s (ttl ${fmt(ttl.detectMeanMs / 1000, 1)} s), ${fmt(s.earlyPerWeek, 2)}, ${fmt(s.accuracy * 100, 3)}%`,
    });
  }
  for (const iv of TARGET_INTERVALS_MS) {
    const c = cellOf(result.main, "burst-loss", iv);
    const [s, ttl, tick] = [c.byLabel.get(CONFIRM)!, c.byLabel.get("ttl")!, c.byLabel.get("ipfs-tick")!];
    rows.push({
      figure: `detection: ${CONFIRM}, burst-loss @ ${iv / 1000} s: false expiries/wk (ttl, ipfs-tick), T_D mean (ttl, ipfs-tick)`,
      value:
        `${fmt(s.mistakesPerWeek, 1)} (${fmt(ttl.mistakesPerWeek, 1)}, ${fmt(tick.mistakesPerWeek, 1)}), ` +
        `${fmt(s.detectMeanMs / 1000, 1)} s (${fmt(ttl.detectMeanMs / 1000, 1)}, ${fmt(tick.detectMeanMs / 1000, 1)} s)`,
    });
  }
  for (const t of [...targets(result), ...confirmTargets(result)]) {
    if (t.wanted === "-") continue;
    rows.push({
      figure: `detection: ${t.what}`,
      value: t.at.map((a) => `${a.intervalMs / 1000} s: ${a.value}`).join("; "),
      target: t.wanted,
      met: t.at.every((a) => a.met),
    });
  }
  const bytes = result.memory.find((m) => m.detector === CHOSEN)?.bytesPerWindow ?? Number.NaN;
  rows.push({
    figure: `detection: ${CHOSEN} state per window (${result.memory[0]?.instances ?? 0} instances), + today's window`,
    value: `${bytes} B + ${WINDOW_BYTES} B = ${WINDOW_BYTES + bytes} B`,
    target: "<= 6 KiB",
    met: WINDOW_BYTES + bytes <= 6 * 1024,
  });
  rows.push({
    figure: "detection: replay speed",
    value: `${Math.round((result.peerDays / result.seconds) * 60)} peer-days/min (${Math.round(result.peerDays)} in ${fmt(result.seconds, 1)} s)`,
  });
  const { detection_cells: _cells, ...json } = jsonFigures(result);
  return { rows, json: { ...json, ...confirmJson(result) } };
}
