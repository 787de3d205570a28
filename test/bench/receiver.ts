/**
 * Child process: the receiving side of a benchmark, in a fresh process so that two receivers never
 * share a heap or JIT state.
 *   --mode monitor    a peermon Monitor (Monitor.start), as `peermon serve` runs it
 *   --mode baseline   a bare nats.js callback subscriber on the same subjects that decodes each
 *                     payload with peermon's codec and keeps the latest map per name+peer
 *   --mode echo       a bare nats.js responder on `bench.echo` that answers every request with the
 *                     same prepared payload of --bytes bytes (the transport floor of a query)
 * Calls: expect { n } restarts the count and sends `done` once n more metric messages arrived, with
 * the time of the first and the last (performance.now() of this process); stats; stop;
 * profileStart and profileStop { file } (a V8 CPU profile of this process, written as .cpuprofile).
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { connect } from "nats";
import { decode } from "../../src/api/codec.js";
import { resolveConfig, type ConfigInput } from "../../src/config.js";
import { Monitor } from "../../src/monitor.js";
import { MetricIntake } from "../../src/bus/intake.js";
import { applyServeV8Flags } from "../../src/cli/v8-settings.js";
import { argValue, emit, serveParent } from "./common.js";

const argv = process.argv.slice(2);
const mode = argValue(argv, "--mode");
const servers = argValue(argv, "--nats")!;
const overrides = JSON.parse(argValue(argv, "--config") ?? "{}") as ConfigInput;

let expect = 0;
let count = 0;
let firstAt = 0;
let lastAt = 0;

function expectMessages(arg: unknown): void {
  expect = (arg as { n: number }).n;
  count = 0;
  firstAt = 0;
  lastAt = 0;
}

/** Counts one message; the same few instructions wrap both receivers. */
function counted(): void {
  if (count === 0) firstAt = performance.now();
  if (++count === expect) {
    lastAt = performance.now();
    emit("done", { count, firstAt, lastAt });
  }
}

function timing() {
  return { count, firstAt, lastAt: lastAt || performance.now() };
}

const inspector = new Session();

async function profileStart(): Promise<void> {
  inspector.connect();
  await inspector.post("Profiler.enable");
  await inspector.post("Profiler.setSamplingInterval", { interval: 200 });
  await inspector.post("Profiler.start");
}

async function profileStop(arg: unknown): Promise<void> {
  const { profile } = await inspector.post("Profiler.stop");
  writeFileSync((arg as { file: string }).file, JSON.stringify(profile));
  inspector.disconnect();
}

/** How late this process's event loop ran (what every message it read waited at most), since the last `loopDelay()`. */
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
function loopDelay() {
  const d = { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 };
  loop.reset();
  return d;
}

function memory() {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

if (mode === "monitor") {
  // Every metric message enters the monitor through MetricIntake.receive: count there.
  const receive = MetricIntake.prototype.receive;
  MetricIntake.prototype.receive = function (this: MetricIntake, ...args: Parameters<typeof receive>) {
    receive.apply(this, args);
    counted();
  };
  applyServeV8Flags(); // as `peermon serve` does
  const monitor = await Monitor.start(resolveConfig({ logLevel: "silent", ...overrides, nats: { servers } }));
  const sup = monitor.supervisor;
  serveParent({
    expect: expectMessages,
    profileStart,
    profileStop,
    stats: () => ({
      ...timing(),
      windows: sup.windowCount,
      counters: monitor.stats.snapshot(),
      memory: memory(),
      loop: loopDelay(),
    }),
    delivery: () => ({ delivery: monitor.delivery?.status() }),
    stop: () => monitor.stop(),
  });
} else if (mode === "baseline") {
  const nc = await connect({ servers, name: "bench-baseline" });
  const latest = new Map<string, unknown>();
  nc.subscribe("peermon.part.*.metrics.>", {
    callback: (err, m) => {
      if (err) return;
      const metric = decode(m.data) as { n: string; p: string };
      latest.set(metric.n + "\u0000" + metric.p, metric);
      counted();
    },
  });
  await nc.flush();
  serveParent({
    expect: expectMessages,
    profileStart,
    profileStop,
    stats: () => ({ ...timing(), windows: latest.size, memory: memory() }),
    stop: () => nc.close(),
  });
} else if (mode === "echo") {
  const nc = await connect({ servers, name: "bench-echo" });
  const reply = new Uint8Array(Number(argValue(argv, "--bytes"))).fill(0x90);
  nc.subscribe("bench.echo", { callback: (err, m) => err || m.respond(reply) });
  await nc.flush();
  serveParent({ stats: () => ({ memory: memory(), loop: loopDelay() }), stop: () => nc.close() });
} else {
  throw new Error(`receiver: --mode must be monitor, baseline or echo, got ${mode}`);
}
