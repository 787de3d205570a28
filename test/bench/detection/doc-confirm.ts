/**
 * docs/detection.md's section on expiry confirmation (`serve --confirm`) and its plot,
 * docs/detection-confirm.svg: false expiries against mean detection time for `ttl`, IPFS
 * Cluster's `ipfs-tick` and `ttl+confirm` (its price of an interval swept), with the bound of any
 * confirmation that only waits.
 */
import { DEFAULT_CONFIRMATION } from "./detectors/mod.js";
import { CONFIRM, confirmMarkdownTable, confirmTargets, confirmTuningPick, confirmTuningTable, LOSSY, NO_NEW_FALSE, TUNING_TD_MAX } from "./confirm-figures.js";
import { frontierSvg, type Panel, type PlotSeries } from "./plot.js";
import { REPORT_SEED, TUNING_SEED, type SuiteRun } from "./run-suite.js";
import { TARGET_INTERVALS_MS, type ScenarioName } from "./scenarios.js";
import { CONFIRM_SWEEP, CONFIRM_TUNING, type CellResult } from "./suite.js";
import { cellOf, fmt } from "./tables.js";

export function confirmSvg(run: SuiteRun): string {
  return frontierSvg(panels(run), "Expiry confirmation: false expiries against detection time (trace replay, report seed)");
}

function panels(run: SuiteRun): Panel[] {
  const out: Panel[] = [];
  for (const scenario of LOSSY) {
    for (const iv of TARGET_INTERVALS_MS) {
      const c = cellOf(run.main, scenario, iv);
      const ttl = c.byLabel.get("ttl")!.detectMeanMs;
      const tick = c.byLabel.get("ipfs-tick")!;
      const point = (label: string, knob?: string) => {
        const s = c.byLabel.get(label);
        return s ? { x: s.mistakesPerWeek, y: s.detectMeanMs / ttl, ...(knob ? { label: knob } : {}) } : { x: Number.NaN, y: Number.NaN };
      };
      const bound = run.bounds.find((b) => b.scenario === scenario && b.intervalMs === iv)?.points ?? [];
      const series: PlotSeries[] = [
        {
          name: `ttl+confirm, swept ${CONFIRM_SWEEP.knob}`,
          color: "#c0392b",
          points: CONFIRM_SWEEP.values.map((v) => point(`${CONFIRM} k=${v}`, `${v * 1000}‰`)),
        },
        {
          name: "bound (knows each peer's losses)",
          color: "#7f7f7f",
          dashed: true,
          points: bound.map((p) => ({ x: p.falsePerWeek, y: p.detectMeanMs / ttl })),
        },
        { name: "ttl+confirm (default, circled)", color: "black", marker: "default", points: [point(CONFIRM)] },
        { name: "ttl (false expiries)", color: "black", marker: "baseline", points: [point("ttl")] },
        { name: "ipfs-tick (false expiries)", color: "#999999", marker: "baseline", points: [point("ipfs-tick")] },
      ];
      out.push({
        title: `${scenario} @ ${iv / 1000} s (ttl ${(2 * iv) / 1000} s): ttl detects in ${fmt(ttl / 1000, 1)} s`,
        series,
        target: { maxX: tick.mistakesPerWeek / 2, maxY: tick.detectMeanMs / ttl },
        xLabel: "false expiries (firing alerts while the peer is up) per peer-week",
        yRange: [0.8, 2],
        xDecades: [0, 3],
      });
    }
  }
  return out;
}

/**
 * The false expiries per peer-week the bound reaches at ipfs-tick's mean detection time, as a ratio to
 * ipfs-tick's: between two of its points the line is reachable too (each of the two waits for part of the peers).
 */
function boundAtTick(run: SuiteRun, scenario: ScenarioName, iv: number): number {
  const tick = cellOf(run.main, scenario, iv).byLabel.get("ipfs-tick")!;
  const points = [...(run.bounds.find((b) => b.scenario === scenario && b.intervalMs === iv)?.points ?? [])].sort((a, b) => a.detectMeanMs - b.detectMeanMs);
  const at = tick.detectMeanMs;
  const after = points.findIndex((p) => p.detectMeanMs > at);
  if (points.length === 0 || after === 0) return Number.NaN;
  if (after < 0) return points[points.length - 1]!.falsePerWeek / tick.mistakesPerWeek;
  const [a, b] = [points[after - 1]!, points[after]!];
  const f = a.falsePerWeek + ((b.falsePerWeek - a.falsePerWeek) * (at - a.detectMeanMs)) / (b.detectMeanMs - a.detectMeanMs);
  return Math.min(a.falsePerWeek, f) / tick.mistakesPerWeek;
}

const ratioOf = (c: CellResult, label: string, to: string, what: "mistakesPerWeek" | "detectMeanMs") => c.byLabel.get(label)![what] / c.byLabel.get(to)![what];

function figures(run: SuiteRun, scenario: ScenarioName, iv: number): string {
  const c = cellOf(run.main, scenario, iv);
  const [ttl, tick, confirm] = ["ttl", "ipfs-tick", CONFIRM].map((d) => c.byLabel.get(d)!);
  return (
    `${scenario} @ ${iv / 1000} s: ${fmt(ttl!.mistakesPerWeek, 1)} false expiries per peer-week with the TTL, ${fmt(tick!.mistakesPerWeek, 1)} with ipfs-tick, ` +
    `${fmt(confirm!.mistakesPerWeek, 1)} with confirmation (${fmt(ratioOf(c, CONFIRM, "ipfs-tick", "mistakesPerWeek"), 2)} of ipfs-tick's); ` +
    `a crash known in ${fmt(confirm!.detectMeanMs / 1000, 1)} s (TTL ${fmt(ttl!.detectMeanMs / 1000, 1)} s, ipfs-tick ${fmt(tick!.detectMeanMs / 1000, 1)} s)`
  );
}

export function confirmSection(run: SuiteRun): string[] {
  const t = confirmTargets(run);
  const bound = TARGET_INTERVALS_MS.map(
    (iv) => `${iv / 1000} s: burst-loss ${fmt(boundAtTick(run, "burst-loss", iv), 2)}, mixed ${fmt(boundAtTick(run, "mixed", iv), 2)}`,
  );
  const pick = confirmTuningPick(run);
  const grid = confirmTuningTable(run);
  const chosen = `k=${DEFAULT_CONFIRMATION.intervalCost} m=${DEFAULT_CONFIRMATION.marginSpreads}`;
  return [
    "## Expiry confirmation: fewer false alerts when metrics get lost",
    "",
    "`serve --confirm auto` (the default; `off` fires every window at its deadline): a window whose rhythm detector has counted its peer losing " +
      "metrics (or is too young to call it punctual) fires only once the metrics it awaited are overdue too — the one expected at the deadline, " +
      "or that one and the next — by the fewest expected false alerts plus a price per interval waited (src/window/detectors/confirmation.ts); " +
      "a punctual peer fires at its deadline as before. It runs as `ttl+confirm` here (test/bench/detection/detectors/confirm.ts): the same " +
      "rhythm detector, the same arithmetic.",
    "",
    ...LOSSY.flatMap((s) => TARGET_INTERVALS_MS.map((iv) => `- ${figures(run, s, iv)}.`)),
    `- steady: a crash is known in ${TARGET_INTERVALS_MS.map((iv) => `${fmt(ratioOf(cellOf(run.main, "steady", iv), CONFIRM, "ttl", "detectMeanMs"), 4)} of the TTL's time at ${iv / 1000} s`).join(", ")}; ` +
      `${NO_NEW_FALSE.join(", ")}: no false expiry the TTL does not make.`,
    "",
    "| target, `ttl+confirm` | wanted | 15 s (ttl 30 s) | 30 s (ttl 60 s) |",
    "|---|---|---|---|",
    ...t.map((x) => `| ${x.what} | ${x.wanted} | ${x.at.map((a) => `${a.value}${a.met ? " met" : " **missed**"}`).join(" | ")} |`),
    "",
    "**Half of ipfs-tick's false expiries, within its detection time, is out of reach on burst-loss for any confirmation that only waits.** " +
      "A lost burst and a crash look the same until the next metric comes, so sparing a burst of two costs a whole interval of detection " +
      "on every crash of that peer, while ipfs-tick's check costs half its 15 s tick. The dashed line of the plot is the bound: each peer " +
      "waits the time that suits its own future losses best (replayed), priced against the fleet's mean crash count; within ipfs-tick's " +
      `mean detection time it reaches ${bound.join("; ")} of ipfs-tick's false expiries. A window knows only its own peer, so one price serves ` +
      "every fleet: the price that keeps a fleet of lossy peers (burst-loss) within ipfs-tick's detection time keeps the few lossy peers of " +
      "the mixed fleet waiting as little, where the bound, free to price that fleet apart, gets under half. The default is the setting that " +
      "keeps the crash of a lossy peer known sooner than ipfs-tick knows it in every scenario (the tuning rule below); the plot shows what a " +
      "lower price buys instead.",
    "",
    "**Default: `auto`.** Punctual peers fire exactly as with `off` (steady above, and every scenario without lost metrics), so the default costs " +
      "them nothing; peers that lose metrics fire fewer false alerts than with `off` and than IPFS Cluster's checker, and their crashes are still " +
      "known sooner than that checker knows them. A young window (fewer than 1 / intervalCost gaps) waits for the next expected metric: one lost " +
      "metric of a new peer, or of every peer after a monitor restart, raises no alert; its first burst of two still does (it cannot be told from a crash).",
    "",
    "![False expiries against detection time](detection-confirm.svg)",
    "",
    ...TARGET_INTERVALS_MS.flatMap((iv) => [`### Expiry confirmation at ${iv / 1000} s, ttl ${(2 * iv) / 1000} s`, "", confirmMarkdownTable(run.main, iv), ""]),
    "### Its tuning",
    "",
    `The price of an interval waited (${CONFIRM_TUNING.intervalCost.join(", ")} false alerts per metric) and the margin (${CONFIRM_TUNING.marginSpreads.join(", ")} learned spreads) ` +
      `were chosen on seed ${TUNING_SEED} (every figure above is from seed ${run.options.seed === REPORT_SEED ? REPORT_SEED : run.options.seed}). The rule: the fewest false expiries ` +
      `(worst ratio to ipfs-tick's on burst-loss and mixed) among the settings whose mean detection time is at most ${TUNING_TD_MAX} of ipfs-tick's ` +
      "in every tuning cell (room for another seed) and within 1% of the TTL's on steady.",
    "",
    ...(grid
      ? [
          "Each cell: false expiries / ipfs-tick's, then mean detection time / ipfs-tick's (100 peers, 6 measured days each).",
          "",
          grid,
          "",
          pick
            ? `The rule picks \`${pick.label.slice(CONFIRM.length + 1)}\` (false ratio ${fmt(pick.falseRatio, 2)}, detection ratio ${fmt(pick.td, 3)})${pick.label.endsWith(chosen) ? ": the defaults." : `; the defaults are \`${chosen}\`: **re-tune**.`}`
            : "No setting meets the rule on this grid.",
          "",
        ]
      : ["(The grid is printed by `npm run bench:detection -- --tune`.)", ""]),
  ];
}
