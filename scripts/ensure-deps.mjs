#!/usr/bin/env node
// Makes `npm start` and `npm test` work in a fresh clone: installs the locked dependencies
// (npm ci, which also builds dist/) when node_modules is missing or older than package-lock.json.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const marker = "node_modules/.package-lock.json";
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync("package-lock.json").mtimeMs;
if (stale) {
  console.error("peermon: installing dependencies (npm ci) ...");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const run = spawnSync(npm, ["ci", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
