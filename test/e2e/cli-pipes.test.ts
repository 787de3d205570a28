/**
 * A reader that stops early (`| head`) ends a peermon command quietly, with exit code 0, as Unix
 * tools do. Regression: `status | head -2`, `names | head -1` and
 * `peerset show | head -1` ended in an unhandled `Error: write EPIPE` stack trace. Each output
 * here is larger than a pipe's buffer (64 KiB), or its reader exits at once, so a write must fail.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { PeerMonitorClient } from "../../src/client/client.js";
import { BIN } from "../helpers/cli.js";
import { client, natsServer, publishMetric, REPO_NATS_CONF, startMonitor, waitUntil } from "../helpers/nats.js";

interface PipelineResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `peermon <args> | <reader>` under bash with pipefail: the code is peermon's unless the reader fails. */
function pipeline(args: string, reader: string, env: NodeJS.ProcessEnv): Promise<PipelineResult> {
  const child = spawn("bash", ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" ${args} | ${reader}`], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

function quiet(r: PipelineResult, lines: number, what: string): void {
  assert.equal(r.code, 0, `${what}: exit 0 under pipefail; stderr:\n${r.stderr}`);
  assert.equal(r.stdout.split("\n").filter(Boolean).length, lines, `${what}: ${lines} line(s) through head`);
  assert.doesNotMatch(r.stderr, /EPIPE|Error|at /, `${what}: nothing on stderr about the closed pipe`);
}

test("cli pipes - status, names, latest and peerset show stop quietly when head has read enough", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const monitor = await startMonitor(t, server, { maxNames: 5_000 });
  const nc = await client(t, server);
  const names = Array.from({ length: 2_000 }, (_, i) => `a-metric-name-long-enough-to-fill-a-pipe-${i}`);
  for (const n of names) publishMetric(nc, { n, p: "P0", ttlMs: 600_000 });
  for (let p = 0; p < 5_000; p++) publishMetric(nc, { n: "ping", p: `peer-${p}`, ttlMs: 600_000 });
  await waitUntil(() => monitor.stats.metricsStored === names.length + 5_000, "every metric stored", 30_000);
  await new PeerMonitorClient(nc).setPeers(["P0", ...Array.from({ length: 5_000 }, (_, p) => `peer-${p}`)]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === 5_001, "the peerset applied");

  const env = { NATS_URL: server.url };
  const [status, namesOut, latest, peerset] = await Promise.all([
    pipeline("status", "head -2", env),
    pipeline("names", "head -1", env),
    pipeline("latest ping", "head -1", env),
    // A stored peerset is at most 64 KiB, less than a pipe holds: this reader is gone before the first write.
    pipeline("peerset show", "true", env),
  ]);
  quiet(status, 2, "status | head -2");
  quiet(namesOut, 1, "names | head -1");
  quiet(latest, 1, "latest ping | head -1");
  quiet(peerset, 0, "peerset show | true");
});

test("cli pipes - alerts ends, exit 0, once its reader has gone", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  await startMonitor(t, server);
  const nc = await client(t, server);
  const done = pipeline("alerts", "head -1", { NATS_URL: server.url });
  // Alerts until peermon alerts is subscribed, has printed one, and finds its reader gone at the next.
  let p = 0;
  const timer = setInterval(() => publishMetric(nc, { n: "ping", p: `P${p++}`, ttlMs: 0 }), 200);
  try {
    quiet(await done, 1, "alerts | head -1");
  } finally {
    clearInterval(timer);
  }
});

test("cli pipes - demo piped into head stops early, exit 0, and leaves no nats-server behind", async () => {
  const started = Date.now();
  const r = await pipeline("demo --peers 5 --duration 60s", "head -1", {});
  quiet(r, 1, "demo | head -1");
  assert.ok(Date.now() - started < 30_000, "stopped long before its 60 s");
  const pid = Number(/nats-server pid (\d+)/.exec(r.stdout)?.[1]);
  assert.ok(pid > 0, r.stdout);
  assert.throws(() => process.kill(pid, 0), /ESRCH/, `the demo's nats-server (pid ${pid}) was stopped`);
});
