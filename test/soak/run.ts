/**
 * Soak: `npm run soak [-- --minutes 10] [--docs]`. Steady load with churn and faults against a
 * real `peermon serve` process, reporting its RSS and heap over time, alerts expected versus
 * received, and rejections. Outside CI (it takes as long as asked).
 *
 * - 400 peers x 4 names publish every second (ttl 3 s) from this process; every 10 s five live
 *   peers die and five dead ones come back (one firing and one resolved alert per name expected).
 * - Garbage is published all along (rejections counted by the monitor).
 * - Every minute a fault, in turn: the nats-server is restarted; the monitor is SIGKILLed and
 *   started again (it restores its windows and the alert log keeps alerts exactly once).
 * - Alerts are read from the alert log (SDK `alerts({ fromStream: true })`), so nothing sent while
 *   this process was reconnecting is missed; each (name, peer, kind) episode is checked.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { connect } from "nats";
import { encode } from "../../src/api/codec.js";
import { PeerMonitorClient } from "../../src/client/client.js";
import { freePort, LocalNatsServer } from "../../src/cli/local-nats.js";

const argv = process.argv.slice(2);
const minutes = Number(argv[argv.indexOf("--minutes") + 1] ?? 10) || 10;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NAMES = ["ping", "freespace", "numpin", "pinqueue"];
const PEERS = Array.from({ length: 400 }, (_, i) => `peer-${String(i).padStart(3, "0")}`);
const TTL_NS = 3_000_000_000n;
const GRACE = "2s";
const log = (msg: string) => process.stderr.write(`[soak] ${msg}\n`);

const server = await LocalNatsServer.start({ configFile: `${ROOT}nats.conf` });
const httpPort = await freePort();
let monitor = startMonitor();
const nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
const pm = new PeerMonitorClient(nc);
const dead = new Set<string>();
const expected = { firing: 0, resolved: 0 };
const episodes = new Map<string, string[]>(); // name/peer -> kinds received, in order
const samples: { minute: number; rssMiB: number; heapMiB: number; windows: number; rejected: number }[] = [];
let garbage = 0;

const publisher = setInterval(() => {
  for (const p of PEERS) {
    if (dead.has(p)) continue;
    for (const n of NAMES) nc.publish(`peermon.metrics.${n}.${p}`, encode({ n, p, v: "1", d: true, l: TTL_NS }));
  }
  for (let i = 0; i < 5; i++, garbage++) nc.publish(`peermon.metrics.ping.${PEERS[i]}`, Uint8Array.of(0x82, garbage % 256));
}, 1_000);

await waitReady();
const alerts = pm.alerts({ fromStream: true });
const reading = (async () => {
  for await (const a of alerts) {
    const key = `${a.name}/${a.peer}`;
    episodes.set(key, [...(episodes.get(key) ?? []), a.kind]);
  }
})();

const started = Date.now();
let round = 0;
while (Date.now() - started < minutes * 60_000) {
  await sleep(10_000);
  round++;
  const live = PEERS.filter((p) => !dead.has(p));
  const back = [...dead].slice(0, 5);
  for (const p of back) dead.delete(p);
  expected.resolved += back.length * NAMES.length;
  for (const p of live.slice((round * 7) % (live.length - 5), ((round * 7) % (live.length - 5)) + 5)) dead.add(p);
  expected.firing += 5 * NAMES.length;
  if (round % 12 === 6) {
    log("fault: restarting the nats-server");
    await server.restart();
  } else if (round % 12 === 0) {
    log("fault: SIGKILLing the monitor and starting it again");
    monitor.kill("SIGKILL");
    monitor = startMonitor();
    await waitReady();
  }
  if (round % 3 === 0) await sample();
}

// Let the last deaths and returns be alerted, then read the verdict.
clearInterval(publisher);
for (const p of PEERS) if (!dead.has(p)) for (const n of NAMES) nc.publish(`peermon.metrics.${n}.${p}`, encode({ n, p, v: "1", d: true, l: 600_000_000_000n }));
await sleep(8_000);
await sample();
alerts.stop();
await reading;
const verdict = judge();
log(JSON.stringify(verdict));
if (argv.includes("--docs")) writeDocs(verdict);
monitor.kill("SIGTERM");
await nc.close();
await server.stop();
process.exit(verdict.duplicates === 0 && verdict.missing === 0 ? 0 : 1);

function startMonitor(): ChildProcess {
  const child = spawn(
    process.execPath,
    [`${ROOT}bin/peermon.js`, "serve", "--nats", server.url, "--grace", GRACE, "--http", `127.0.0.1:${httpPort}`, "--log-level", "warn"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  return child;
}

async function waitReady(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`http://127.0.0.1:${httpPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error("the monitor did not become ready");
}

async function sample(): Promise<void> {
  const text = await fetch(`http://127.0.0.1:${httpPort}/metrics`).then(
    (r) => r.text(),
    () => "",
  );
  const read = (re: RegExp) => [...text.matchAll(re)].reduce((sum, m) => sum + Number(m[1]), 0);
  const s = {
    minute: Math.round((Date.now() - started) / 6_000) / 10,
    rssMiB: Math.round(read(/^process_resident_memory_bytes (\S+)$/gm) / 2 ** 20),
    heapMiB: Math.round(read(/^nodejs_heap_size_used_bytes (\S+)$/gm) / 2 ** 20),
    windows: read(/^peermon_windows\{[^}]*\} (\S+)$/gm),
    rejected: read(/^peermon_rejected_total\{[^}]*\} (\S+)$/gm),
  };
  samples.push(s);
  log(`t=${s.minute} min rss=${s.rssMiB} MiB heap=${s.heapMiB} MiB windows=${s.windows} rejected=${s.rejected}`);
}

/** Every key must alternate firing/resolved, starting with firing: a repeat of a kind is a duplicate. */
function judge() {
  let firing = 0;
  let resolved = 0;
  let duplicates = 0;
  for (const kinds of episodes.values()) {
    kinds.forEach((k, i) => {
      if (k === "firing") firing++;
      else resolved++;
      if (i > 0 && kinds[i - 1] === k) duplicates++;
    });
  }
  const missing = Math.max(0, expected.firing - firing) + Math.max(0, expected.resolved - resolved);
  const warm = samples[1] ?? samples[0];
  const last = samples[samples.length - 1];
  return {
    minutes,
    expected,
    received: { firing, resolved },
    duplicates,
    missing,
    rssGrowthMiB: warm && last ? last.rssMiB - warm.rssMiB : null,
    samples,
  };
}

function writeDocs(v: ReturnType<typeof judge>): void {
  const rows = v.samples.map((s) => `| ${s.minute} | ${s.rssMiB} | ${s.heapMiB} | ${s.windows} | ${s.rejected} |`);
  const doc = [
    "# Reliability",
    "",
    `Soak run of ${new Date().toISOString().slice(0, 10)} (\`npm run soak -- --minutes ${v.minutes} --docs\`): 400 peers x 4 names every second,`,
    "five peers dying and five coming back every 10 s, garbage all along, and every minute a fault",
    "(in turn: nats-server restart, monitor SIGKILLed and restarted). Alerts read from the alert log.",
    "",
    "| alerts | expected | received |",
    "|---|---|---|",
    `| firing | ${v.expected.firing} | ${v.received.firing} |`,
    `| resolved | ${v.expected.resolved} | ${v.received.resolved} |`,
    "",
    `Duplicates: ${v.duplicates}. Missing: ${v.missing}. RSS growth after the first samples: ${v.rssGrowthMiB} MiB.`,
    "",
    "| minute | RSS MiB | heap MiB | windows | rejected so far |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ];
  writeFileSync(`${ROOT}docs/reliability.md`, doc.join("\n"));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
