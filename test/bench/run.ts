/**
 * peermon's benchmark suite: each scenario in its own file, run one after the other, each with its
 * own nats-server and processes. Prints a table and, as the very last line of stdout, one JSON line.
 *
 *   npm run bench                      full mode (the figures of docs/benchmarks.md)
 *   npm run bench -- --quick           quick mode (under a minute)
 *   npm run bench -- --only ingest,queries
 *   npm run bench -- --quick --only ipfs-cluster   IPFS Cluster with pubsubmon and with peermon (Go)
 *   npm run bench -- --profile DIR     CPU profiles of the receivers over the timed phase (ingest:
 *                                      monitor and baseline; queries: monitor), hottest functions
 *   npm run bench -- --docs            rewrites docs/benchmarks.md from this run
 *   npm run bench:detection            the detection-quality replay alone, with its sweeps (docs/detection.md)
 *
 * Progress goes to stderr. The exit code is non-zero when a scenario failed (its figures are null).
 */
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { loadavg } from "node:os";
import { argValue, progress, type BenchOptions, type Row, type ScenarioResult } from "./common.js";
import { revision, writeDocs } from "./docs.js";
import { summarizeProfile } from "./profile.js";

const SCENARIOS = [
  "ingest",
  "detect",
  "memory",
  "queries",
  "restart",
  "steady",
  "churn",
  "failover",
  "guard",
  "delivery",
  "disruption",
  "detection",
  "history",
  "ipfs-cluster",
] as const;
type Scenario = (typeof SCENARIOS)[number];

/** The keys of the JSON line, in this order, before any extra figure. */
const JSON_KEYS = [
  "ingest_ratio",
  "ingest_ratio_volatile",
  "ingest_msgs_per_s",
  "baseline_msgs_per_s",
  "detect_p50_ms",
  "detect_p99_ms",
  "windows",
  "bytes_per_window",
  "latest_p99_ms",
  "latest_ratio",
  "restart_answer_ms",
  "steady_msgs_per_s",
  "steady_alert_lag_p99_ms",
  "steady_convictions_deferred",
  "steady_rss_drift_pct",
  "steady_false_alerts",
  "heap_bytes_per_window",
  "latest_p99_under_ingest_ms",
  "churn_windows_per_s",
] as const;

const argv = process.argv.slice(2);
const only = argValue(argv, "--only")?.split(",") ?? [...SCENARIOS];
for (const name of only) {
  if (!SCENARIOS.includes(name as Scenario)) {
    process.stderr.write(`unknown scenario ${name}: use one of ${SCENARIOS.join(", ")}\n`);
    process.exit(2);
  }
}
const profileDir = argValue(argv, "--profile");
const options: BenchOptions = {
  quick: argv.includes("--quick"),
  ...(profileDir ? { profileDir: resolve(profileDir) } : {}),
};
if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });

// Ctrl-C / kill: exit through the exit hook of common.ts, which kills servers and children.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));

const started = Date.now();
const startLoad = loadavg()
  .map((x) => x.toFixed(2))
  .join(" ");
// Taken now: src/ may change while the bench runs.
const code = argv.includes("--docs") ? revision() : "";
const rows: (Row & { scenario: string })[] = [];
const figures: Record<string, unknown> = {};
const durations: Record<string, number> = {};
let failed = 0;

for (const name of SCENARIOS.filter((s) => only.includes(s))) {
  const t0 = Date.now();
  progress(`${name}: starting (${options.quick ? "quick" : "full"} mode)`);
  try {
    const scenario = (await import(`./${name}.js`)) as { run(o: BenchOptions): Promise<ScenarioResult> };
    const result = await scenario.run(options);
    rows.push(...result.rows.map((r) => ({ ...r, scenario: name })));
    Object.assign(figures, result.json);
  } catch (err) {
    failed++;
    progress(`${name} FAILED: ${(err as Error).stack ?? err}`);
    rows.push({ scenario: name, figure: `${name}: failed`, value: (err as Error).message.split("\n")[0]!, met: false });
  }
  durations[name] = Math.round((Date.now() - t0) / 100) / 10;
  progress(`${name}: done in ${durations[name]} s`);
}

const profiles = options.profileDir ? writtenProfiles(options.profileDir, started) : [];
const profileText = profiles.map(({ name, file }) => `CPU profile ${name} (timed phase only):\n${summarizeProfile(file, 15).text}`).join("\n\n");

const line: Record<string, unknown> = {};
for (const key of JSON_KEYS) line[key] = figures[key] ?? null;
Object.assign(line, figures, {
  mode: options.quick ? "quick" : "full",
  seconds: Math.round((Date.now() - started) / 100) / 10,
});

const table = renderTable(rows);
process.stdout.write(table + "\n");
if (profileText) process.stdout.write(`\n${profileText}\n`);
if (argv.includes("--docs")) {
  try {
    progress(
      `wrote ${writeDocs({ quick: options.quick, revision: code, table, line, durations, profile: profileText || undefined, load: startLoad, only: only.length < SCENARIOS.length ? only : undefined })}`,
    );
  } catch (err) {
    failed++;
    progress(`could not write docs/benchmarks.md: ${(err as Error).message}`);
  }
}
process.stdout.write("\n" + JSON.stringify(line) + "\n");
process.exit(failed > 0 ? 1 : 0);

function renderTable(list: (Row & { scenario: string })[]): string {
  const header = ["figure", "value", "target", "met"];
  const body = list.map((r) => [r.figure, r.value, r.target ?? "", r.met === undefined ? "" : r.met ? "yes" : "NO"]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [fmt(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(fmt)].join("\n");
}

/** The profiles this run wrote. */
function writtenProfiles(dir: string, since: number): { name: string; file: string }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => ({ name: basename(f, ".cpuprofile"), file: resolve(dir, f) }))
    .filter(({ file }) => statSync(file).mtimeMs >= since)
    .sort((a, b) => a.name.localeCompare(b.name));
}
