#!/usr/bin/env node
// Runs the test suites with node's own runner (Node 20 has no glob for --test):
//   node scripts/test.mjs                 unit, integration and e2e
//   node scripts/test.mjs unit            one suite (unit | integration | e2e)
//   node scripts/test.mjs test/unit/x.test.ts   given files
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const SUITES = ["unit", "integration", "e2e"];
const args = process.argv.slice(2);
const targets = args.length ? args : SUITES;
const files = targets.flatMap((t) => {
  if (SUITES.includes(t)) return findTests(join("test", t));
  if (existsSync(t) && statSync(t).isDirectory()) return findTests(t);
  return [t];
});
if (files.length === 0) {
  console.error(`no test files found for: ${targets.join(" ")}`);
  process.exit(1);
}
const run = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=180000", ...files], { stdio: "inherit" });
process.exit(run.status ?? 1);

function findTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".test.ts"))
    .sort()
    .map((f) => join(dir, f));
}
