/**
 * A flood of valid metrics from its own process: `peers` × `names` windows refreshed as fast as
 * the connection takes them (or at `rate` messages a second) for `seconds`, each with a long ttl.
 * Prints "flooding" when it starts and "flooded <count>" when it is done, then exits.
 * Usage: node --import tsx test/helpers/flood-main.ts <url> <peers> <names> <seconds> [rate]
 */
import { connect } from "nats";
import { encode } from "../../src/api/codec.js";

const [url, peers, names, seconds, rate] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a))) as [
  string,
  number,
  number,
  number,
  number | undefined,
];
const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
const ttl = 600_000_000_000n;
const payloads: [string, Uint8Array][] = [];
for (let n = 0; n < names; n++) {
  for (let p = 0; p < peers; p++) {
    const name = `flood${n}`;
    payloads.push([`peermon.metrics.${name}.fp-${p}`, encode({ n: name, p: `fp-${p}`, v: "1", d: true, l: ttl })]);
  }
}
const BATCH = 2_000;
const started = Date.now();
const end = started + seconds * 1_000;
let sent = 0;
process.stdout.write("flooding\n");
while (Date.now() < end) {
  for (let i = 0; i < BATCH; i++) {
    const [subject, data] = payloads[sent % payloads.length]!;
    nc.publish(subject, data);
    sent++;
  }
  await nc.flush(); // the server took the batch: the backlog builds at the monitor, not in this process
  if (rate) {
    const ahead = (sent / rate) * 1_000 - (Date.now() - started);
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
  }
}
process.stdout.write(`flooded ${sent}\n`);
await nc.drain();
