/**
 * Child process: a publisher of realistic metrics (peers x names, msgpack maps with int64 ns fields)
 * in a process of its own, so that it never competes with the receiver's event loop.
 *   --nats URL --peers N --names K --ttl-ms T
 * Calls: publish { count } publishes `count` metrics as fast as the connection takes them, cycling
 * over every (name, peer), and answers { sent, ms } once the server has them all (flush); stop.
 */
import { connect } from "nats";
import { METRIC_NAMES, argValue, metricPayloads, peerIds, serveParent, yieldToIo } from "./common.js";

const argv = process.argv.slice(2);
const servers = argValue(argv, "--nats")!;
const peers = peerIds(Number(argValue(argv, "--peers") ?? 10_000));
const names = METRIC_NAMES.slice(0, Number(argValue(argv, "--names") ?? 5));
const ttlMs = Number(argValue(argv, "--ttl-ms") ?? 600_000);

const { subjects, payloads } = metricPayloads(names, peers, ttlMs);
const nc = await connect({ servers, name: "bench-publisher" });

/** Messages handed to the client between two turns of the event loop (lets the socket drain). */
const BATCH = 2_000;

async function publish(count: number) {
  const started = performance.now();
  const k = subjects.length;
  for (let i = 0; i < count; ) {
    const end = Math.min(count, i + BATCH);
    for (; i < end; i++) nc.publish(subjects[i % k]!, payloads[i % k]);
    await yieldToIo();
  }
  await nc.flush();
  return { sent: count, ms: performance.now() - started };
}

serveParent({
  publish: (arg) => publish((arg as { count: number }).count),
  stop: () => nc.close(),
});
