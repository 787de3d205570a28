import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../helpers/cli.js";
import { cleanup, client, natsServer, publishMetric, startMonitor, waitUntil } from "../helpers/nats.js";

function ok(result: { code: number | null; stderr: string }): void {
  assert.equal(result.code, 0, `exit code 0; stderr:\n${result.stderr}`);
}

test("cli - silence add prints the id, ls lists it, rm ends it; mistakes are clear errors", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server);
  const env = { NATS_URL: server.url };

  const added = await runCli(t, ["silence", "add", "--peer", "P3", "--for", "2h", "--comment", "kernel update"], env);
  ok(added);
  const id = added.stdout.trim();
  assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/, "stdout is the id alone, for scripts");
  assert.match(added.stderr, /silenced P3 \(every metric name\) until \d{4}-.*Z \(2h\)/);
  await waitUntil(() => monitor.controls.activeSilences() === 1, "the monitor follows it");

  const named = await runCli(t, ["silence", "add", "--name", "ping", "--peer", "P4", "--for", "30m", "--json"], env);
  ok(named);
  assert.deepEqual(Object.keys(JSON.parse(named.stdout)), ["id", "name", "peer", "starts_at", "ends_at", "comment", "created_by"]);

  const ls = await runCli(t, ["silence", "ls"], env);
  ok(ls);
  const lines = ls.stdout.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^[0-9A-Z]{26} \| P4 \| ping \| ends in (29m\d+(\.\d)?s|30m) \(/, "soonest end first");
  assert.match(lines[1]!, new RegExp(`^${id} \\| P3 \\| all names \\| ends in (1h59m\\d+(\\.\\d)?s|2h) \\(.*\\) \\| .*kernel update$`));

  const status = await runCli(t, ["status"], env);
  ok(status);
  assert.match(status.stdout, /silences: 2 running/);

  ok(await runCli(t, ["silence", "rm", id], env));
  const again = await runCli(t, ["silence", "rm", id], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no silence .*; list the running ones and their ids with `peermon silence ls`/);

  const tooLong = await runCli(t, ["silence", "add", "--peer", "P3", "--for", "31d"], env);
  assert.equal(tooLong.code, 2);
  assert.match(tooLong.stderr, /at most 30 days/);
  const badPeer = await runCli(t, ["silence", "add", "--peer", "P.3", "--for", "1h"], env);
  assert.equal(badPeer.code, 2);
  assert.match(badPeer.stderr, /invalid peer id: "P\.3"/);
  const badFor = await runCli(t, ["silence", "add", "--peer", "P3", "--for", "soon"], env);
  assert.equal(badFor.code, 2);
  assert.match(badFor.stderr, /invalid --for "soon": write a duration like 30m, 2h or 3d/);
  const badId = await runCli(t, ["silence", "rm", "nope"], env);
  assert.equal(badId.code, 2);
  assert.match(badId.stderr, /invalid silence id "nope"/);
});

test("cli - disruption release fires held alerts, and says so when nothing is held; status shows an open disruption", async (t) => {
  const server = await natsServer(t);
  const monitor = await startMonitor(t, server, { disruptionThreshold: 0.5, disruptionMinPeers: 10 });
  const env = { NATS_URL: server.url };
  const nc = await client(t, server);
  const nothing = await runCli(t, ["disruption", "release", "ping"], env);
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /no disruption of ping is open: nothing to release/);

  for (let i = 0; i < 12; i++) publishMetric(nc, { n: "ping", p: `dead-${i}`, ttlMs: 1_000 });
  const alive = setInterval(() => {
    for (let i = 0; i < 8; i++) publishMetric(nc, { n: "ping", p: `alive-${i}`, ttlMs: 1_000 });
  }, 250);
  cleanup(t, () => clearInterval(alive));
  await waitUntil(() => monitor.disruptions.held === 12, "12 alerts held", 10_000);
  const status = await runCli(t, ["status"], env);
  ok(status);
  assert.match(
    status.stdout,
    /DISRUPTION ping since .*: 12 of 20 peers late or expired \(60%\), 12 firing alerts held; `peermon disruption release ping` fires them/,
  );

  const released = await runCli(t, ["disruption", "release", "ping"], env);
  ok(released);
  assert.equal(released.stdout, "released the disruption of ping: 12 held alerts fire now (shard all)\n");
});
