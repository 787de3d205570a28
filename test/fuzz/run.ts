/**
 * The long fuzz run, outside CI: `npm run fuzz [-- --inputs 1000000 --seed 42 --batch 1000]`.
 * A monitor with default settings (but for --max-windows, and --durable-windows false to leave the
 * window stream out) on a nats-server with the repo's
 * nats.conf takes the inputs of test/fuzz/inputs.ts in batches; after each batch every message must
 * be accounted for and every valid window must hold the last valid metric sent to it. Prints inputs
 * tried, rejections by reason, windows, heap and RSS before and after, and a markdown summary for
 * docs/security.md. Exits 1 when a check failed, with the seed and batch to replay it.
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { connect } from "nats";
import { LocalNatsServer } from "../../src/cli/local-nats.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { resolveConfig } from "../../src/config.js";
import { Monitor } from "../../src/monitor.js";
import { REPO_NATS_CONF } from "../helpers/nats.js";
import { accountingErrors, counts, heapAfterGc, mib, settled, validWindowErrors } from "./checks.js";
import { FuzzDriver, fuzzInput, validPool } from "./inputs.js";

const { values: args } = parseArgs({
  options: {
    inputs: { type: "string", default: "1000000" },
    seed: { type: "string", default: String(Date.now() % 2 ** 31) },
    batch: { type: "string", default: "1000" },
    "max-windows": { type: "string", default: "50000" },
    "durable-windows": { type: "string", default: "true" },
  },
});
const total = Number(args.inputs);
const seed = Number(args.seed);
const batchSize = Number(args.batch);
const maxWindows = Number(args["max-windows"]);
const durableWindows = args["durable-windows"] !== "false";

const server = await LocalNatsServer.start({ configFile: REPO_NATS_CONF });
let monitor: Monitor | undefined;
const nc = await connect({ servers: server.url, name: "peermon-fuzz" });
let failures = 0;
try {
  monitor = await Monitor.start(resolveConfig({ nats: { servers: server.url }, maxWindows, durableWindows }));
  await run(monitor);
} finally {
  await nc.close();
  await monitor?.stop();
  await server.stop();
}
process.exit(failures > 0 ? 1 : 0);

async function run(monitor: Monitor): Promise<void> {
  const driver = new FuzzDriver(nc, validPool(seed));
  driver.warmUp();
  await settled(monitor, driver.sent);
  const heapBefore = heapAfterGc();
  const rssBefore = process.memoryUsage().rss;
  const started = Date.now();
  console.log(
    `fuzz: seed ${seed}, ${total} inputs in batches of ${batchSize}, valid pool ${driver.pool.length} pairs, maxWindows ${maxWindows}, durable windows ${durableWindows}`,
  );
  const arbitrary = fuzzInput(driver.pool.length);
  const reportEvery = Math.max(batchSize, Math.ceil(total / 10));
  let nextReport = reportEvery;
  for (let batch = 0, tried = 0; tried < total; batch++) {
    const inputs = fc.sample(arbitrary, { seed: seed + batch, numRuns: Math.min(batchSize, total - tried) });
    const before = counts(monitor.stats);
    const sentBefore = driver.sent;
    for (const input of inputs) driver.publish(input);
    tried += inputs.length;
    const errors = await settled(monitor, before.received + inputs.length, 60_000).then(
      () => [...accountingErrors(before, counts(monitor.stats), driver.sent - sentBefore), ...validWindowErrors(monitor, driver)],
      (err: Error) => [err.message],
    );
    if (errors.length > 0 && failures++ < 5) {
      console.log(
        `FAILED batch ${batch} (replay: --seed ${seed + batch} --inputs ${inputs.length} --batch ${inputs.length}):\n  ${errors.slice(0, 5).join("\n  ")}`,
      );
    }
    if (tried >= nextReport || tried === total) {
      nextReport += reportEvery;
      const rate = Math.round(tried / ((Date.now() - started) / 1000));
      const { heapUsed, rss } = process.memoryUsage();
      console.log(
        `  ${tried} inputs, ${rate}/s, windows ${monitor.supervisor.windowCount}, names ${monitor.views.names().length}, heap ${mib(heapUsed)} MiB, rss ${mib(rss)} MiB`,
      );
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const heapAfter = heapAfterGc();
  const rssAfter = process.memoryUsage().rss;
  const latest = await new PeerMonitorClient(nc).latest("ok-ping").then(
    (l) => `${l.length} metrics`,
    (e: Error) => `FAILED: ${e.message}`,
  );
  const jsm = await nc.jetstreamManager();
  const stream = await jsm.streams.info("PEERMON_WINDOWS").catch(() => ({ state: { messages: 0, bytes: 0 } }));
  const account = await jsm.getAccountInfo();
  const s = monitor.stats;
  const rows: [string, string | number][] = [
    ["seed", seed],
    ["inputs tried", driver.sent - driver.pool.length],
    [
      "by kind",
      Object.entries(driver.byKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(", "),
    ],
    ["time", `${Math.round(seconds)} s (${Math.round((driver.sent - driver.pool.length) / seconds)} inputs/s)`],
    ["received / stored / rejected / ignored", `${s.metricsReceived} / ${s.metricsStored} / ${s.rejectedTotal()} / ${s.metricsIgnored}`],
    [
      "rejected by reason",
      Object.entries(s.rejected)
        .map(([r, n]) => `${r} ${n}`)
        .join(", "),
    ],
    ["windows / names at the end", `${monitor.supervisor.windowCount} / ${monitor.views.names().length}`],
    ["alerts firing / resolved / append retries", `${s.alertsFiring} / ${s.alertsResolved} / ${s.alertsResent}`],
    ["heap after GC, before → after", `${mib(heapBefore)} → ${mib(heapAfter)} MiB`],
    ["RSS before → after", `${mib(rssBefore)} → ${mib(rssAfter)} MiB`],
    [
      "PEERMON_WINDOWS stream (checkpoints); account JetStream storage",
      `${stream.state.messages} messages, ${mib(stream.state.bytes)} MiB; ${mib(account.storage)} MiB`,
    ],
    ["monitor answers `latest` afterwards", latest],
    ["failed batches", failures],
  ];
  console.log(`\n| | |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}`);
}
