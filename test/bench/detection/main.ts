/**
 * `npm run bench:detection`: the trace-replay benchmark of the failure detectors on its own.
 * Prints the tables (to stdout), progress (to stderr) and, as the very last line, one JSON line.
 *
 *   npm run bench:detection                 full mode: 7 simulated days per peer, sweeps, memory
 *   npm run bench:detection -- --quick      small (seconds); the figures are noisy
 *   npm run bench:detection -- --docs       also the tuning grid; rewrites docs/detection.md,
 *                                           docs/detection-frontier.svg and docs/detection-confirm.svg
 *   npm run bench:detection -- --seed 7     another report seed (never TUNING_SEED)
 *   npm run bench:detection -- --tune       only the tuning grid (on TUNING_SEED), as a table
 */
import { argValue, progress } from "../common.js";
import { confirmJson, confirmTargets, confirmTextTable } from "./confirm-figures.js";
import { writeDetectionDocs } from "./doc.js";
import { REPORT_SEED, runSuite, TUNING_SEED } from "./run-suite.js";
import { INTERVALS_MS } from "./scenarios.js";
import { jsonFigures, targets, textTable, tuningTable } from "./tables.js";

const argv = process.argv.slice(2);
const docs = argv.includes("--docs");
const seed = Number(argValue(argv, "--seed") ?? REPORT_SEED);
if (!Number.isInteger(seed) || seed === TUNING_SEED) {
  process.stderr.write(`--seed must be a whole number other than ${TUNING_SEED} (the tuning seed), got ${argValue(argv, "--seed")}\n`);
  process.exit(2);
}
const quick = argv.includes("--quick");
if (argv.includes("--tune")) {
  process.stdout.write(tuningTable(await runSuite({ quick, seed, sweeps: false, tuning: true, memory: false, only: "tuning" })) + "\n");
  process.exit(0);
}
const run = await runSuite({ quick, seed, sweeps: true, tuning: docs, memory: true });

const out: string[] = [
  textTable(run.main, [15_000, 30_000, 1_000]),
  "",
  "what-if: interval 7.5 s, ttl 30 s",
  textTable(run.whatIf, [7_500]).split("\n").slice(1).join("\n"),
  "",
];
out.push(confirmTextTable(run.main, [15_000, 30_000]), "");
for (const t of [...targets(run), ...confirmTargets(run)])
  out.push(`target: ${t.what} ${t.wanted}: ${t.at.map((a) => `${a.intervalMs / 1000} s ${a.value} ${a.met ? "met" : "MISSED"}`).join("; ")}`);
for (const m of run.memory) out.push(`state per window: ${m.detector} ${m.bytesPerWindow} B (${m.instances} instances)`);
out.push(
  `replayed ${Math.round(run.peerDays)} peer-days (${run.arrivals} metrics per detector) in ${run.seconds.toFixed(1)} s, intervals ${INTERVALS_MS.join(", ")} ms`,
);
process.stdout.write(out.join("\n") + "\n");
if (docs) progress(`wrote ${writeDetectionDocs(run).join(", ")}`);
process.stdout.write(
  "\n" + JSON.stringify({ ...jsonFigures(run), ...confirmJson(run), mode: quick ? "quick" : "full", seconds: Math.round(run.seconds * 10) / 10 }) + "\n",
);
process.exit(0);
