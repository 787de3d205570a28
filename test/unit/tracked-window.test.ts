import { test } from "node:test";
import assert from "node:assert/strict";
import { TrackedWindow } from "../../src/actors/tracked-window.js";
import { lifeOf, windowMachine, type WindowEffect, type WindowEvent } from "../../src/actors/window-machine.js";

/** A window whose effects are recorded; each effect of `reply.to` type makes it send `reply.answer` to its own window (from inside the send). */
function tracked(peer = "P1", reply?: { to: WindowEffect["type"]; answer: WindowEvent }) {
  const effects: string[] = [];
  const w: TrackedWindow = new TrackedWindow("ping", peer, 4, windowMachine, (win, e: WindowEffect) => {
    effects.push(e.type);
    if (reply && e.type === reply.to) win.send(reply.answer);
  });
  return { w, effects };
}

test("tracked window - its state is the machine's, read from the actor through a whole episode", () => {
  const { w } = tracked();
  const same = () => assert.equal(w.state, w.snapshot ? lifeOf(w.snapshot) : "healthy");
  assert.equal(w.state, "healthy");
  const seen: string[] = [];
  const confirmed: WindowEvent = { type: "alert.confirmed", episode: "episode", logged: "episode", muted: false };
  for (const e of [
    { type: "timer" },
    { type: "deadline.passed" },
    confirmed,
    { type: "timer" },
    { type: "metric.valid" },
    { type: "deadline.passed" },
    { type: "metric.valid" },
  ] as WindowEvent[]) {
    w.send(e);
    same();
    seen.push(w.state);
  }
  assert.deepEqual(seen, ["healthy", "expired", "alerted", "alerted", "healthy", "expired", "healthy"]);
  w.free();
  assert.equal(w.freed, true);
});

test("tracked window - a window no event reached reads the machine's initial state; its first event starts the actor from there", () => {
  const idle = tracked().w;
  assert.equal(idle.state, "healthy");
  assert.equal(idle.atRest, true);
  idle.free();
  assert.equal(idle.freed, true, "a window without an actor frees without one");

  const { w } = tracked("P2");
  w.send({ type: "deadline.passed", held: false });
  assert.equal(w.state, "expired");
  assert.equal(w.atRest, false, "one actor while away from rest");
  w.free();
});

test("tracked window - events a window at rest ignores start no actor; back at rest, the actor is released", () => {
  const { w, effects } = tracked("P3", { to: "deadline.check", answer: { type: "deadline.passed", held: true } });
  w.send({ type: "metric.valid" });
  w.send({ type: "alert.taken", episode: "x" });
  assert.equal(w.atRest, true);
  assert.deepEqual(effects, []);
  w.send({ type: "timer" });
  assert.equal(w.atRest, false);
  assert.ok(w.snapshot?.matches({ life: { expired: "held" } }), "what an effect sends to its own window is processed in the same send");
  w.send({ type: "metric.valid" });
  assert.equal(w.atRest, true, "released once healthy and calm again");
  assert.equal(w.snapshot, undefined);
  w.free();
  w.send({ type: "deadline.passed", held: false });
  assert.equal(w.atRest, true, "a freed window ignores every event");
});
