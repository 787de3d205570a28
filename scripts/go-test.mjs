#!/usr/bin/env node
// The Go module's checks (go/): gofmt, go vet and go test, against real processes (nats-server,
// `peermon serve` of this checkout, IPFS Cluster peers). Part of `npm test`; alone: `npm run test:go`.
//   node scripts/go-test.mjs                 every package
//   node scripts/go-test.mjs -run TestName   arguments go to `go test`
import { spawnSync } from "node:child_process";

const cwd = new URL("../go/", import.meta.url);
const extra = process.argv.slice(2);

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.error) {
    const hint = r.error.code === "ENOENT" ? `: ${cmd} is not on the PATH (the Go module needs Go 1.26, https://go.dev/dl)` : "";
    console.error(`go module: ${what} could not run${hint}: ${r.error.message}`);
    process.exit(1);
  }
  return r;
}

const fmt = run("gofmt", ["-l", "."], "gofmt");
if (fmt.stdout.trim()) {
  console.error(`go module: gofmt would change these files (run \`gofmt -w .\` in go/):\n${fmt.stdout}`);
  process.exit(1);
}
for (const [args, what] of [
  [["vet", "./..."], "go vet"],
  [["test", "-count=1", "-timeout", "20m", ...extra, "./..."], "go test"],
]) {
  const r = spawnSync("go", args, { cwd, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`go module: ${what} failed`);
    process.exit(r.status ?? 1);
  }
}
