import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.js";
import type { Alert, AlertKind } from "../../src/api/types.js";
import { silentLogger } from "../../src/log.js";
import { MonitorStats } from "../../src/stats.js";
import type { Emission } from "../../src/actors/emission.js";
import { Outbox, type Transport } from "../../src/actors/outbox.js";

/** A transport the test drives: it refuses while `down`, and attempts stay open until answered. */
class ScriptedTransport implements Transport {
  down = false;
  readonly sent: string[] = [];
  private readonly open: { label: string; done: (err?: unknown, episode?: string) => void }[] = [];

  send(item: Emission, done: (err?: unknown, episode?: string) => void): boolean {
    if (this.down) return false;
    const alert = item as Alert;
    const label = `${alert.kind === "resolved" ? "R" : alert.id === alert.episode ? "F" : "r"} ${alert.peer} ${alert.episode}`;
    this.sent.push(label);
    this.open.push({ label, done });
    return true;
  }

  /** Answers the oldest open attempt (of `peer`, when given): confirmed, or failed with `err`. */
  answer(peer?: string, err?: unknown, episode?: string): void {
    const i = this.open.findIndex((o) => !peer || o.label.split(" ")[1] === peer);
    assert.ok(i >= 0, `an open attempt for ${peer ?? "anyone"}`);
    const [o] = this.open.splice(i, 1);
    o!.done(err, episode);
  }

  get inFlight(): number {
    return this.open.length;
  }
}

let seq = 0;
function alert(peer: string, kind: AlertKind, episode?: string): Alert {
  const id = `ID${String(++seq).padStart(4, "0")}`;
  return {
    name: "ping",
    peer,
    value: "",
    expire: 0n,
    valid: true,
    weight: 0n,
    partitionable: false,
    receivedAt: 0n,
    triggeredAt: 0n,
    id,
    kind,
    episode: episode ?? id,
  };
}

function setup(maxInFlight = 64) {
  const clock = new ManualClock();
  const transport = new ScriptedTransport();
  const stats = new MonitorStats();
  const outbox = new Outbox({ transport, clock, stats, log: silentLogger, maxInFlight, retry: { baseMs: 100, maxMs: 1_000 }, random: () => 0 });
  return { clock, transport, stats, outbox };
}

test("outbox - alerts of one (name, peer) leave in order, one at a time; other peers do not wait", () => {
  const { transport, outbox } = setup();
  const f = alert("P1", "firing");
  outbox.post(f);
  outbox.post(alert("P1", "resolved", f.episode));
  outbox.post(alert("P2", "firing"));
  assert.deepEqual(transport.sent, [`F P1 ${f.id}`, "F P2 ID0003"], "P1's resolved waits behind its firing");
  transport.answer("P1");
  assert.deepEqual(transport.sent.at(-1), `R P1 ${f.id}`);
  assert.equal(outbox.waiting, 2);
});

test("outbox - the window hears of its firing alert only once the server confirmed it, under the episode it was stored as", () => {
  const { transport, outbox } = setup();
  const heard: string[] = [];
  const f = alert("P1", "firing");
  outbox.post(f, { taken: () => heard.push("taken"), confirmed: (episode) => heard.push(episode) });
  assert.deepEqual(heard, ["taken"], "taken: handed to the bus, not confirmed yet");
  transport.answer("P1", undefined, "OTHER-REPLICA");
  assert.deepEqual(heard, ["taken", "OTHER-REPLICA"]);
  assert.equal(outbox.waiting, 0, "confirmed: no longer in the outbox");
});

test("outbox - a refused alert waits for resume, counted each time the bus refuses it", () => {
  const { transport, stats, outbox } = setup();
  transport.down = true;
  const f = alert("P1", "firing");
  const g = alert("P2", "firing");
  let taken = false;
  outbox.post(f, { taken: () => (taken = true) });
  outbox.post(g);
  assert.equal(stats.alertsDeferred, 2);
  assert.equal(taken, false, "untaken: the bus refused it");
  outbox.resume();
  assert.equal(stats.alertsDeferred, 3, "refused again; P2 is not tried while the bus refuses");
  transport.down = false;
  outbox.resume();
  assert.deepEqual(transport.sent, [`F P1 ${f.id}`, `F P2 ${g.id}`], "oldest first");
  assert.equal(transport.inFlight, 2);
});

test("outbox - a failed attempt is retried after a backoff with the same alert; failures pause everyone", () => {
  const { clock, transport, stats, outbox } = setup();
  const f = alert("P1", "firing");
  outbox.post(f);
  transport.answer("P1", new Error("timeout"));
  assert.equal(stats.alertsResent, 1);
  outbox.post(alert("P2", "firing"));
  assert.equal(transport.sent.length, 1, "paused: P2 waits too");
  clock.advance(49);
  assert.equal(transport.sent.length, 1);
  clock.advance(1);
  assert.deepEqual(
    transport.sent.slice(1).map((s) => s.split(" ")[1]),
    ["P1", "P2"],
    "the retry first, then the newcomer",
  );
  assert.equal(transport.sent[1], `F P1 ${f.id}`, "the same alert, same id");
  transport.answer("P1");
  transport.answer("P2");
  assert.equal(outbox.waiting, 0);
  assert.equal(stats.alertsFiring, 2, "counted once each, however many attempts");
});

test("outbox - an episode that ends before its firing alert left is withdrawn; one that left is not", () => {
  const { transport, outbox } = setup();
  transport.down = true;
  const quiet = alert("P1", "firing");
  outbox.post(quiet);
  outbox.withdraw("ping", "P1", quiet.episode);
  assert.equal(outbox.waiting, 0);
  transport.down = false;
  outbox.resume();
  assert.deepEqual(transport.sent, [], "nothing left for the withdrawn episode");
  const left = alert("P2", "firing");
  outbox.post(left);
  outbox.withdraw("ping", "P2", left.episode);
  assert.equal(outbox.waiting, 1, "already handed to the bus: it stays");
});

test("outbox - repeats of one episode do not pile up while the bus is down", () => {
  const { transport, outbox } = setup();
  const f = alert("P1", "firing");
  outbox.post(f);
  transport.answer("P1");
  transport.down = true;
  for (let i = 0; i < 5; i++) outbox.post(alert("P1", "firing", f.episode));
  assert.equal(outbox.waiting, 1, "the newest repeat replaced the older ones");
  transport.down = false;
  outbox.resume();
  assert.deepEqual(transport.sent, [`F P1 ${f.id}`, `r P1 ${f.id}`]);
});

test("outbox - at most maxInFlight alerts are with the bus at once", () => {
  const { transport, outbox } = setup(2);
  for (const p of ["P1", "P2", "P3", "P4"]) outbox.post(alert(p, "firing"));
  assert.equal(transport.inFlight, 2);
  transport.answer("P1");
  assert.equal(transport.inFlight, 2);
  assert.deepEqual(
    transport.sent.map((s) => s.split(" ")[1]),
    ["P1", "P2", "P3"],
  );
});

test("outbox - a freed window takes its untaken alerts with it; settle waits for the rest", async () => {
  const { clock, transport, outbox } = setup();
  outbox.post(alert("P1", "firing"));
  transport.down = true;
  outbox.post(alert("P2", "firing"));
  outbox.forget("ping", "P2");
  const settled = outbox.settle(1_000);
  transport.answer("P1");
  assert.equal(await settled, true);
  outbox.post(alert("P3", "firing"));
  const late = outbox.settle(1_000);
  clock.advance(1_000);
  assert.equal(await late, false, "P3 was never confirmed");
});
