/**
 * The smaller edges of an operator's second day (issue 21, point 8), each as a user meets it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { PeerMonitorClient } from "../../src/client/client.js";
import { runCli } from "../helpers/cli.js";
import { cleanup, client, natsServer, REPO_NATS_CONF, startMonitor } from "../helpers/nats.js";
import { realLibp2pIds } from "../helpers/peer-ids.js";

test('edges - bare `peermon peerset` shows the peerset, as the top-level help\'s "show or change" says (regression: help, exit 2)', async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  await startMonitor(t, server);
  await new PeerMonitorClient(await client(t, server)).setPeers(["P1", "P2"]);
  const bare = await runCli(t, ["peerset", "--nats", server.url]);
  assert.equal(bare.code, 0, bare.stderr);
  assert.equal(bare.stdout, "P1\nP2\n");
  assert.match(bare.stderr, /^peerset \S+: 2 peers$/m);
});

test("edges - `peerset set` of 20 libp2p ids says it in one short line, with the ends that tell them apart (regression: 1,100 characters)", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const ids = realLibp2pIds(20);
  const set = await runCli(t, ["peerset", "set", ...ids, "--nats", server.url]);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout.split("\n").length, 2, "one line");
  assert.ok(set.stdout.length <= 160, `${set.stdout.length} characters: ${set.stdout}`);
  assert.match(set.stdout, /^peerset set: 20 peers \[12D3…\S+( 12D3…\S+)+ and \d+ more\] \(id [0-9A-Z]{26}\)\n$/);
  const first = /\[12D3…(\S+)/.exec(set.stdout)![1]!;
  assert.ok(ids[0]!.endsWith(first), "the first label is the first id's end");
});

test('edges - `serve --webhook ftp://x` shows the URL it refuses (regression: "<not a URL>")', async (t) => {
  const r = await runCli(t, ["serve", "--webhook", "ftp://x"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid --webhook \(PEERMON_WEBHOOK\): "ftp:\/\/x"; only http:\/\/ and https:\/\/ URLs can receive alerts, not ftp:\/\//);
});

test('edges - `silence add --for 40d` says 40d, not milliseconds (regression: "3456000000 ms")', async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const r = await runCli(t, ["silence", "add", "--peer", "P1", "--for", "40d", "--nats", server.url]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid silence length 40d: give a duration above 0 and at most 30 days/);
});

test("edges - `serve --http` on a busy port fails at once, naming the flag, before restoring anything (regression: a bare EADDRINUSE after the restore)", async (t) => {
  const server = await natsServer(t, { configFile: REPO_NATS_CONF });
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  cleanup(t, () => new Promise((resolve) => busy.close(resolve)));
  const port = (busy.address() as { port: number }).port;
  const r = await runCli(t, ["serve", "--http", `127.0.0.1:${port}`, "--nats", server.url]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `cannot serve HTTP on 127\\.0\\.0\\.1:${port} \\(--http, PEERMON_HTTP\\): the port is in use \\(EADDRINUSE\\): stop what listens there, or give another port`,
    ),
  );
  assert.doesNotMatch(r.stderr, /window restore|monitor serving/, "nothing started");
});
