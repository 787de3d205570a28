/**
 * A fleet of peers in its own process: publishes `ping` for `peers` peers every `intervalMs` with a
 * ttl of `ttlMs`, until killed. Used where the monitor's own process must stall or die.
 * Usage: node --import tsx test/helpers/publisher-main.ts <url> <peers> <intervalMs> <ttlMs> [name]
 */
import { connect } from "nats";
import { encode } from "../../src/api/codec.js";

const [url, peers, intervalMs, ttlMs, name = "ping"] = process.argv.slice(2);
const nc = await connect({ servers: url!, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
const ttl = BigInt(Number(ttlMs)) * 1_000_000n;
const publishAll = () => {
  for (let i = 0; i < Number(peers); i++) {
    nc.publish(`peermon.metrics.${name}.peer-${i}`, encode({ n: name, p: `peer-${i}`, v: String(Date.now()), d: true, l: ttl }));
  }
};
publishAll();
await nc.flush();
process.stdout.write("publishing\n");
setInterval(publishAll, Number(intervalMs));
