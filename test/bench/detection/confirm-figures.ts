/**
 * Expiry confirmation's figures (`ttl+confirm` against `ttl` and IPFS Cluster's `ipfs-tick`): its
 * table, the targets with a verdict, its tuning grid and rule, and its keys of the JSON line.
 * A verdict detector's mistakes are false expiries: firing alerts while the peer is up.
 */
import type { SuiteRun } from "./run-suite.js";
import { SCENARIOS, TARGET_INTERVALS_MS, type ScenarioName } from "./scenarios.js";
import type { CellResult } from "./suite.js";
import { cellOf, fmt, type TargetCheck } from "./tables.js";

export const CONFIRM = "ttl+confirm";
export const VERDICTS = ["ttl", "ipfs-tick", CONFIRM] as const;
/** Where the false-expiry target is set, and where no new false alert may appear. */
export const LOSSY: readonly ScenarioName[] = ["burst-loss", "mixed"];
export const NO_NEW_FALSE: readonly ScenarioName[] = ["steady", "pauses", "restarts", "drift"];

const HEADER = ["scenario", "detector", "false exp./wk", "vs ipfs-tick", "T_D mean s", "T_D p99 s", "T_D / ipfs-tick", "T_D / ttl"];

const falseRatio = (c: CellResult, label = CONFIRM) => c.byLabel.get(label)!.mistakesPerWeek / c.byLabel.get("ipfs-tick")!.mistakesPerWeek;
const tdRatio = (c: CellResult, label = CONFIRM, to = "ipfs-tick") => c.byLabel.get(label)!.detectMeanMs / c.byLabel.get(to)!.detectMeanMs;

function rows(cells: CellResult[], intervalMs: number): string[][] {
  return cells
    .filter((c) => c.intervalMs === intervalMs)
    .flatMap((c) =>
      VERDICTS.map((d) => {
        const s = c.byLabel.get(d)!;
        return [
          c.scenario,
          d,
          fmt(s.mistakesPerWeek, 2),
          fmt(falseRatio(c, d), 2),
          fmt(s.detectMeanMs / 1000, 1),
          fmt(s.detectP99Ms / 1000, 1),
          fmt(tdRatio(c, d), 3),
          fmt(tdRatio(c, d, "ttl"), 3),
        ];
      }),
    );
}

export function confirmMarkdownTable(cells: CellResult[], intervalMs: number): string {
  const r = rows(cells, intervalMs);
  return [`| ${HEADER.join(" | ")} |`, `|${HEADER.map((_, i) => (i < 2 ? "---" : "--:")).join("|")}|`, ...r.map((x) => `| ${x.join(" | ")} |`)].join("\n");
}

export function confirmTextTable(cells: CellResult[], intervals: readonly number[]): string {
  return intervals
    .map((iv) => {
      const all = [HEADER, ...rows(cells, iv)];
      const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
      const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
      return [`expiry confirmation, interval ${iv / 1000} s, ttl ${(2 * iv) / 1000} s`, ...all.map(line)].join("\n");
    })
    .join("\n\n");
}

/** The worst cell of `names` at `iv` by `pick` (largest). */
function worst(run: SuiteRun, iv: number, names: readonly ScenarioName[], pick: (c: CellResult) => number): { name: ScenarioName; v: number } {
  return names.map((name) => ({ name, v: pick(cellOf(run.main, name, iv)) })).reduce((a, b) => (b.v > a.v ? b : a));
}

/** The four targets for `ttl+confirm`, at 15 s and 30 s. */
export function confirmTargets(run: SuiteRun): TargetCheck[] {
  const at = (f: (iv: number) => { value: string; met: boolean }) => TARGET_INTERVALS_MS.map((iv) => ({ intervalMs: iv, ...f(iv) }));
  const newFalse = (c: CellResult) => c.byLabel.get(CONFIRM)!.mistakesPerWeek - c.byLabel.get("ttl")!.mistakesPerWeek;
  return [
    {
      what: "false expiries of ttl+confirm vs ipfs-tick's, burst-loss and mixed",
      wanted: "<= 0.5",
      at: at((iv) => {
        const [b, m] = LOSSY.map((n) => falseRatio(cellOf(run.main, n, iv)));
        return { value: `${fmt(b!, 2)} (burst-loss), ${fmt(m!, 2)} (mixed)`, met: b! <= 0.5 && m! <= 0.5 };
      }),
    },
    {
      what: "mean detection time of a crash vs ipfs-tick's (every scenario, worst)",
      wanted: "<= 1",
      at: at((iv) => {
        const w = worst(run, iv, SCENARIOS, (c) => tdRatio(c));
        return { value: `${fmt(w.v, 3)} (${w.name})`, met: w.v <= 1 };
      }),
    },
    {
      what: "mean detection time on steady peers vs the TTL's",
      wanted: "within 1%",
      at: at((iv) => {
        const r = tdRatio(cellOf(run.main, "steady", iv), CONFIRM, "ttl");
        return { value: fmt(r, 4), met: Math.abs(r - 1) <= 0.01 };
      }),
    },
    {
      what: "new false alerts per peer-week on steady, pauses, restarts, drift (worst)",
      wanted: "0",
      at: at((iv) => {
        const w = worst(run, iv, NO_NEW_FALSE, newFalse);
        return { value: `${fmt(Math.max(0, w.v), 3)} (${w.name})`, met: w.v <= 0 };
      }),
    },
  ];
}

/** The JSON line's keys: worst false-expiry ratio to ipfs-tick on burst-loss and mixed, worst mean T_D ratio to it over every scenario. */
export function confirmJson(run: SuiteRun): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const round = (v: number) => (Number.isFinite(v) ? Math.round(v * 1000) / 1000 : null);
  for (const iv of TARGET_INTERVALS_MS) {
    const s = iv / 1000;
    out[`confirm_false_ratio_vs_tick_${s}s`] = round(worst(run, iv, LOSSY, (c) => falseRatio(c)).v);
    out[`confirm_td_ratio_vs_tick_${s}s`] = round(worst(run, iv, SCENARIOS, (c) => tdRatio(c)).v);
    out[`confirm_false_ratio_vs_ttl_${s}s`] = round(worst(run, iv, LOSSY, (c) => falseRatio(c) / falseRatio(c, "ttl")).v);
    out[`confirm_td_ratio_vs_ttl_steady_${s}s`] = round(tdRatio(cellOf(run.main, "steady", iv), CONFIRM, "ttl"));
  }
  return out;
}

// ---- tuning ------------------------------------------------------------------------------------

/** Room for another seed: the tuning rule asks this of the mean detection time vs ipfs-tick's. */
export const TUNING_TD_MAX = 0.98;

const confirmLabels = (run: SuiteRun) => [...(run.tuning[0]?.byLabel.keys() ?? [])].filter((l) => l.startsWith(`${CONFIRM} k=`));

/** Per setting: its worst mean T_D ratio to ipfs-tick over the tuning cells, its worst false ratio on burst-loss and mixed, and whether steady stays within 1% of the TTL. */
function tuningScores(run: SuiteRun): { label: string; td: number; falseRatio: number; steady: boolean }[] {
  return confirmLabels(run).map((label) => ({
    label,
    td: Math.max(...run.tuning.map((c) => tdRatio(c, label))),
    falseRatio: Math.max(...run.tuning.filter((c) => LOSSY.includes(c.scenario)).map((c) => falseRatio(c, label))),
    steady: run.tuning.filter((c) => c.scenario === "steady").every((c) => Math.abs(tdRatio(c, label, "ttl") - 1) <= 0.01),
  }));
}

/** The grid: per setting and tuning cell, false expiries then mean T_D, both as ratios to ipfs-tick's. */
export function confirmTuningTable(run: SuiteRun): string {
  const labels = confirmLabels(run);
  if (labels.length === 0) return "";
  const header = ["setting", ...run.tuning.map((c) => `${c.scenario} @ ${c.intervalMs / 1000} s`)];
  const body = labels.map((l) => [l.slice(CONFIRM.length + 1), ...run.tuning.map((c) => `${fmt(falseRatio(c, l), 2)} / ${fmt(tdRatio(c, l), 3)}`)]);
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...body.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** The tuning rule applied: the fewest false expiries (worst of burst-loss and mixed) among the settings within TUNING_TD_MAX of ipfs-tick's detection everywhere and within 1% of the TTL's on steady. */
export function confirmTuningPick(run: SuiteRun): { label: string; td: number; falseRatio: number } | undefined {
  return tuningScores(run)
    .filter((s) => s.td <= TUNING_TD_MAX && s.steady)
    .reduce<{ label: string; td: number; falseRatio: number } | undefined>((a, b) => (!a || b.falseRatio < a.falseRatio ? b : a), undefined);
}
