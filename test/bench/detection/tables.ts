/**
 * The figures of a run as tables (console and Markdown), the targets with a verdict, and
 * the JSON line.
 */
import type { Summary } from "./replay.js";
import type { SuiteRun } from "./run-suite.js";
import { SCENARIOS, TARGET_INTERVALS_MS, type ScenarioName } from "./scenarios.js";
import type { CellResult } from "./suite.js";

export const DETECTORS = ["ttl", "ipfs-tick", "ttl+confirm", "phi", "chen", "rhythm"] as const;
/** The detector peermon ships (off by default: docs/detection.md). */
export const CHOSEN = "rhythm";

const HEADER = ["scenario", "detector", "T_D mean s", "T_D p99 s", "T_D / ttl", "false susp./wk", "mistakes/day", "mistake s", "accuracy %"];

/** One row of figures for `label` in `cell`. */
export function row(cell: CellResult, label: string): string[] {
  const s = cell.byLabel.get(label)!;
  const ttl = cell.byLabel.get("ttl")!;
  return [
    cell.scenario,
    label,
    fmt(s.detectMeanMs / 1000, 1),
    fmt(s.detectP99Ms / 1000, 1),
    fmt(s.detectMeanMs / ttl.detectMeanMs, 2),
    fmt(s.earlyPerWeek, 2),
    fmt(s.mistakesPerDay, 2),
    fmt(s.mistakeMeanMs / 1000, 1),
    fmt(s.accuracy * 100, 3),
  ];
}

/** The rows of `cells` at `intervalMs`, every detector of each scenario. */
function rowsAt(cells: CellResult[], intervalMs: number, labels: readonly string[] = DETECTORS): string[][] {
  return cells.filter((c) => c.intervalMs === intervalMs).flatMap((c) => labels.map((l) => row(c, l)));
}

export function markdownTable(cells: CellResult[], intervalMs: number, labels?: readonly string[]): string {
  const rows = rowsAt(cells, intervalMs, labels);
  return [`| ${HEADER.join(" | ")} |`, `|${HEADER.map((_, i) => (i < 2 ? "---" : "--:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function textTable(cells: CellResult[], intervals: number[]): string {
  const blocks = intervals.map((iv) => {
    const rows = [HEADER, ...rowsAt(cells, iv)];
    const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    return [`interval ${iv / 1000} s, ttl ${(2 * iv) / 1000} s`, line(rows[0]!), ...rows.slice(1).map(line)].join("\n");
  });
  return blocks.join("\n\n");
}

/** The tuning grid: per config, T_D / TTL's and false suspicions per week in each tuning cell. */
export function tuningTable(run: SuiteRun, markdown = false): string {
  const cells = run.tuning;
  if (cells.length === 0) return "";
  const header = ["config", ...cells.map((c) => `${c.scenario} @ ${c.intervalMs / 1000} s`)];
  const labels = [...cells[0]!.byLabel.keys()].filter((l) => l.startsWith("rhythm ") || l.startsWith("chen "));
  const rows = labels.map((l) => [
    l,
    ...cells.map((c) => {
      const s = c.byLabel.get(l)!;
      return `${fmt(s.detectMeanMs / c.byLabel.get("ttl")!.detectMeanMs, 2)} / ${fmt(s.earlyPerWeek, 2)}`;
    }),
  ]);
  if (markdown) return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ")).join("\n");
}

// ---- targets -----------------------------------------------------------------------------------

export interface TargetCheck {
  what: string;
  wanted: string;
  /** Per target interval: the figure as text and whether it is met. */
  at: { intervalMs: number; value: string; met: boolean }[];
}

/** The three targets for the chosen detector, at 15 s and 30 s. */
export function targets(run: SuiteRun): TargetCheck[] {
  const at = (f: (iv: number) => { value: string; met: boolean }) => TARGET_INTERVALS_MS.map((iv) => ({ intervalMs: iv, ...f(iv) }));
  const worst = (iv: number, names: readonly ScenarioName[], pick: (s: Summary, ttl: Summary) => number, max: boolean) => {
    let best = { name: "", v: max ? -Infinity : Infinity };
    for (const name of names) {
      const c = cellOf(run.main, name, iv);
      const v = pick(c.byLabel.get(CHOSEN)!, c.byLabel.get("ttl")!);
      if (max ? v > best.v : v < best.v) best = { name, v };
    }
    return best;
  };
  const ratio = (s: Summary, t: Summary) => s.detectMeanMs / t.detectMeanMs;
  return [
    {
      what: "detection time of a crashed peer, vs the TTL's (every scenario)",
      wanted: "<= 0.5",
      at: at((iv) => {
        const best = worst(iv, SCENARIOS, ratio, false);
        const w = worst(iv, SCENARIOS, ratio, true);
        return { value: `${fmt(best.v, 2)} (${best.name}) .. ${fmt(w.v, 2)} (${w.name})`, met: w.v <= 0.5 };
      }),
    },
    {
      what: "false suspicions per peer-week on steady, burst-loss, restarts (worst)",
      wanted: "<= 1",
      at: at((iv) => {
        const w = worst(iv, ["steady", "burst-loss", "restarts"], (s) => s.earlyPerWeek, true);
        return { value: `${fmt(w.v, 2)} (${w.name})`, met: w.v <= 1 };
      }),
    },
    {
      what: "false suspicions per peer-week on pauses (reported)",
      wanted: "-",
      at: at((iv) => ({ value: fmt(cellOf(run.main, "pauses", iv).byLabel.get(CHOSEN)!.earlyPerWeek, 2), met: true })),
    },
    {
      what: "query accuracy of latest with suspects excluded (worst scenario)",
      wanted: ">= 99.9%",
      at: at((iv) => {
        const w = worst(iv, SCENARIOS, (s) => s.accuracy, false);
        return { value: `${fmt(w.v * 100, 3)}% (${w.name})`, met: w.v >= 0.999 };
      }),
    },
  ];
}

export function cellOf(cells: CellResult[], scenario: ScenarioName, intervalMs: number): CellResult {
  const c = cells.find((x) => x.scenario === scenario && x.intervalMs === intervalMs);
  if (!c) throw new Error(`no cell ${scenario} @ ${intervalMs} ms in this run`);
  return c;
}

// ---- JSON --------------------------------------------------------------------------------------

/** Key figures, flat, then every cell as [scenario, interval s, detector, T_D mean s, p99 s, false susp./wk, mistakes/day, mistake s, accuracy]. */
export function jsonFigures(run: SuiteRun): Record<string, unknown> {
  const out: Record<string, unknown> = { detection_detector: CHOSEN };
  for (const iv of TARGET_INTERVALS_MS) {
    const s = iv / 1000;
    for (const name of ["steady", "mixed"] as const) {
      const c = cellOf(run.main, name, iv);
      out[`detection_td_ratio_${name}_${s}s`] = round(c.byLabel.get(CHOSEN)!.detectMeanMs / c.byLabel.get("ttl")!.detectMeanMs, 3);
    }
    const t = targets(run);
    out[`detection_false_per_week_worst_${s}s`] = t[1]!.at.find((a) => a.intervalMs === iv)!.value;
    out[`detection_accuracy_worst_${s}s`] = t[3]!.at.find((a) => a.intervalMs === iv)!.value;
  }
  const rhythm = run.memory.find((m) => m.detector === CHOSEN);
  if (rhythm) out.detection_state_bytes_per_window = rhythm.bytesPerWindow;
  out.detection_peer_days = Math.round(run.peerDays);
  out.detection_peer_days_per_minute = Math.round((run.peerDays / run.seconds) * 60);
  out.detection_seed = run.options.seed;
  out.detection_cells = [...run.main, ...run.whatIf].flatMap((c) =>
    DETECTORS.map((d) => {
      const s = c.byLabel.get(d)!;
      return [
        c.scenario,
        c.intervalMs / 1000,
        d,
        round(s.detectMeanMs / 1000, 2),
        round(s.detectP99Ms / 1000, 2),
        round(s.earlyPerWeek, 3),
        round(s.mistakesPerDay, 3),
        round(s.mistakeMeanMs / 1000, 2),
        round(s.accuracy, 6),
      ];
    }),
  );
  return out;
}

export function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : "-";
}

function round(v: number, digits: number): number | null {
  return Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : null;
}
