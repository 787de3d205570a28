/**
 * Child process: a fleet at its steady rate, in a process of its own. Every (name, peer) publishes
 * once per period with a ttl, the fleet spread evenly over the period (as peers on independent
 * timers do), so the rate is windows / period.
 *   --nats URL --peers N --names K --period-ms P --ttl-ms T [--seed S (of the peer ids, default 51)]
 * Calls: start; kill { peers: number[] } (peers, by index, that stop publishing for good; answers
 * the time, Unix ms); stats { sent, due (what the schedule asked for so far), elapsedMs, lateMaxMs (the most a metric
 * was sent after its time since the last stats) }; stop.
 */
import { connect } from "nats";
import { METRIC_NAMES, argValue, packedMetrics, peerIds, serveParent } from "./common.js";

const argv = process.argv.slice(2);
const servers = argValue(argv, "--nats")!;
const peerCount = Number(argValue(argv, "--peers"));
const names = METRIC_NAMES.slice(0, Number(argValue(argv, "--names") ?? 10));
const periodMs = Number(argValue(argv, "--period-ms"));
const ttlMs = Number(argValue(argv, "--ttl-ms"));

const fleet = packedMetrics(names, peerIds(peerCount, Number(argValue(argv, "--seed") ?? 51)), ttlMs);
const total = fleet.count;
const rate = total / periodMs; // messages per ms
const dead = new Uint8Array(peerCount);
const nc = await connect({ servers, name: "bench-steady-publisher" });

/** A tick publishes what the schedule asks for; more than this at once waits for the next turn. */
const MAX_BURST = 5_000;
const TICK_MS = 5;

let startedAt = 0;
let slots = 0;
let sent = 0;
let timer: NodeJS.Timeout | undefined;
/** The most a slot was sent after its time (ms) since the last `stats`: the fleet's own lateness. */
let lateMaxMs = 0;

function tick(): void {
  const now = performance.now();
  const due = Math.floor((now - startedAt) * rate);
  if (slots < due) lateMaxMs = Math.max(lateMaxMs, now - startedAt - slots / rate);
  const end = Math.min(due, slots + MAX_BURST);
  for (; slots < end; slots++) {
    const i = slots % total;
    if (dead[Math.floor(i / names.length)]) continue;
    nc.publish(fleet.subject(i), fleet.payload(i));
    sent++;
  }
  timer = setTimeout(tick, slots < due ? 0 : TICK_MS);
}

serveParent({
  start: () => {
    startedAt = performance.now();
    tick();
  },
  kill: (arg) => {
    for (const p of (arg as { peers: number[] }).peers) dead[p] = 1;
    return performance.timeOrigin + performance.now();
  },
  stats: () => {
    const late = lateMaxMs;
    lateMaxMs = 0;
    return { sent, due: Math.floor((performance.now() - startedAt) * rate), elapsedMs: performance.now() - startedAt, lateMaxMs: late };
  },
  stop: async () => {
    clearTimeout(timer);
    await nc.flush();
    await nc.close();
  },
});
