#!/usr/bin/env node
// npm's `prepare` (run by npm ci, npm install in a checkout, npm pack): builds dist/ with tsc.
// TypeScript is a devDependency, so where npm left it out (--omit=dev) there is nothing to build
// with: that is fine when dist/ is already there (an unpacked release, a pruned install), and an
// error that says what to run instead when it is not (tsc would fail with "command not found").
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const built = existsSync("dist/cli/main.js");
const tsc = typescriptCompiler();
if (tsc) {
  const run = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { stdio: "inherit" });
  process.exit(run.status ?? 1);
}
if (!built) {
  console.error(
    "peermon: cannot build dist/: TypeScript is a devDependency and npm left it out (--omit=dev).\n" +
      "  To install from this checkout: npm ci && npm prune --omit=dev   (builds dist/, then drops the build tools)\n" +
      "  Or install a packed release anywhere: npm install -g ./peermon-<version>.tgz   (see README.md)",
  );
  process.exit(1);
}

/** The path of the installed TypeScript's `tsc`, or undefined when TypeScript is not installed. */
function typescriptCompiler() {
  let manifest;
  try {
    manifest = createRequire(import.meta.url).resolve("typescript/package.json");
  } catch {
    return undefined;
  }
  const { bin } = JSON.parse(readFileSync(manifest, "utf8"));
  return join(dirname(manifest), typeof bin === "string" ? bin : bin.tsc);
}
