/**
 * Never-seen peers and ignored metrics over a real nats-server: listed in `$SRV.STATS` (what
 * `peermon status` prints), answered by the `peer` query with their own 404, counted in
 * Prometheus gauges; metrics of peers outside the peerset counted by reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PeerMonitorClient } from "../../src/client/client.js";
import { QueryError } from "../../src/errors.js";
import { client, natsServer, publishMetric, publishPeerSet, startMonitor, waitUntil } from "../helpers/nats.js";

test("never seen - members that never reported a name are listed in STATS, answered by peer, gauged, not alerted", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { http: { host: "127.0.0.1", port: 0 } });
  const port = monitor.httpPort!; // the system assigned it: nothing takes it between picking and binding
  const nc = await client(t, server);
  publishPeerSet(nc, ["P1", "P2", "P3", "P4"]);
  await waitUntil(() => monitor.supervisor.currentPeerSet?.peers.length === 4, "the peerset applied");
  publishMetric(nc, { n: "ping", p: "P1", ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "P2", ttlMs: 60_000 });
  publishMetric(nc, { n: "freespace", p: "P3", ttlMs: 60_000 });
  publishMetric(nc, { n: "ping", p: "P9", ttlMs: 60_000 }); // outside the peerset
  await waitUntil(() => monitor.stats.metricsStored === 3 && monitor.stats.metricsIgnored === 1, "three stored, one ignored");

  const stats = (await nc.request("$SRV.STATS.peermon", undefined, { timeout: 5_000 })).json<{ endpoints: { data?: Record<string, unknown> }[] }>();
  const data = stats.endpoints.find((e) => e.data)!.data!;
  assert.deepEqual(data.neverSeen, {
    freespace: { count: 3, peers: ["P1", "P2", "P4"] },
    ping: { count: 2, peers: ["P3", "P4"] },
  });
  assert.deepEqual((data.counters as { ignored: unknown }).ignored, { removed_peer: 0, unknown_peer: 1 });

  const pm = new PeerMonitorClient(nc);
  await assert.rejects(pm.latestForPeer("ping", "P4"), (err: unknown) => {
    assert.ok(err instanceof QueryError && err.code === 404);
    assert.match(err.message, /^peer P4 is in the peerset, never reported ping/);
    return true;
  });
  await assert.rejects(pm.latestForPeer("ping", "P9"), /no ping metric from peer P9/, "a non-member gets the plain 404");
  const history = await pm.history("ping", "P4");
  assert.equal(history.neverSeen, true);

  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(body, /^peermon_peers_never_seen\{name="ping"\} 2$/m);
  assert.match(body, /^peermon_peers_never_seen\{name="freespace"\} 3$/m);
  assert.match(body, /^peermon_metric_messages_ignored_total\{reason="unknown_peer"\} 1$/m);
  assert.match(body, /^peermon_metric_messages_ignored_total\{reason="removed_peer"\} 0$/m);
  assert.equal(monitor.stats.alertsFiring, 0, "never-seen peers are not alerted");
});
