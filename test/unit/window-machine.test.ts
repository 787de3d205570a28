import { test } from "node:test";
import assert from "node:assert/strict";
import { createActor } from "xstate";
import { WINDOW_STATES, windowMachine, type WindowEvent, type WindowState } from "../../src/actors/window-machine.js";

type ActionName = "announceFiring" | "announceResolved" | "announceRepeat";
type EventType = WindowEvent["type"];

const EVENTS: readonly EventType[] = ["deadline.passed", "alert.published", "alert.retry", "metric.valid", "repeat.due"];

/** Events that lead from `healthy` to each state, without recording their actions. */
const PATH_TO: Record<WindowState, EventType[]> = {
  healthy: [],
  expired: ["deadline.passed"],
  alerted: ["deadline.passed", "alert.published"],
};

/** A started window actor whose actions record their name and the key of the window they ran for. */
function startWindow(key: unknown = "ping/P1") {
  const ran: ActionName[] = [];
  const keys: unknown[] = [];
  const record = (name: ActionName) => ({ context }: { context: { key: unknown } }) => {
    ran.push(name);
    keys.push(context.key);
  };
  const machine = windowMachine.provide({
    actions: {
      announceFiring: record("announceFiring"),
      announceResolved: record("announceResolved"),
      announceRepeat: record("announceRepeat"),
    },
  });
  const actor = createActor(machine, { input: { key } });
  actor.start();
  const send = (...types: EventType[]) => {
    for (const type of types) actor.send({ type });
  };
  const state = () => actor.getSnapshot().value as WindowState;
  return { actor, ran, keys, send, state };
}

/** A window in `from`, with the actions of getting there forgotten. */
function windowIn(from: WindowState) {
  const w = startWindow();
  w.send(...PATH_TO[from]);
  assert.equal(w.state(), from);
  w.ran.length = 0;
  return w;
}

/** The state table from the header of src/actors/window-machine.ts. */
const TABLE: [from: WindowState, event: EventType, to: WindowState, actions: ActionName[]][] = [
  ["healthy", "deadline.passed", "expired", ["announceFiring"]],
  ["expired", "alert.published", "alerted", []],
  ["expired", "alert.retry", "expired", ["announceFiring"]],
  ["expired", "metric.valid", "healthy", []],
  ["alerted", "metric.valid", "healthy", ["announceResolved"]],
  ["alerted", "repeat.due", "alerted", ["announceRepeat"]],
];

test("window machine - starts healthy without running any action", () => {
  const w = startWindow();
  assert.equal(w.state(), "healthy");
  assert.deepEqual(w.ran, []);
  assert.deepEqual(WINDOW_STATES, ["healthy", "expired", "alerted"]);
});

for (const [from, event, to, actions] of TABLE) {
  test(`window machine - ${from} + ${event} -> ${to}${actions.length ? ` (${actions.join(", ")})` : " (silent)"}`, () => {
    const w = windowIn(from);
    w.send(event);
    assert.equal(w.state(), to);
    assert.deepEqual(w.ran, actions);
  });
}

for (const from of WINDOW_STATES) {
  const listed = new Set(TABLE.filter((row) => row[0] === from).map((row) => row[1]));
  for (const event of EVENTS.filter((e) => !listed.has(e))) {
    test(`window machine - ${from} ignores ${event}`, () => {
      const w = windowIn(from);
      w.send(event);
      assert.equal(w.state(), from);
      assert.deepEqual(w.ran, []);
    });
  }
}

test("window machine - alert.retry re-announces the firing alert each time without leaving expired", () => {
  const w = windowIn("expired");
  w.send("alert.retry", "alert.retry", "alert.retry");
  assert.equal(w.state(), "expired");
  assert.deepEqual(w.ran, ["announceFiring", "announceFiring", "announceFiring"]);
  w.send("alert.published");
  assert.equal(w.state(), "alerted");
  assert.equal(w.ran.length, 3, "publishing runs no action");
});

test("window machine - one firing alert per episode, the next episode fires again", () => {
  const w = startWindow();
  const steps: [event: EventType, state: WindowState, ran: ActionName[]][] = [
    ["deadline.passed", "expired", ["announceFiring"]],
    ["deadline.passed", "expired", ["announceFiring"]],
    ["alert.published", "alerted", ["announceFiring"]],
    ["deadline.passed", "alerted", ["announceFiring"]],
    ["alert.published", "alerted", ["announceFiring"]],
    ["metric.valid", "healthy", ["announceFiring", "announceResolved"]],
    ["metric.valid", "healthy", ["announceFiring", "announceResolved"]],
    ["alert.published", "healthy", ["announceFiring", "announceResolved"]],
    ["deadline.passed", "expired", ["announceFiring", "announceResolved", "announceFiring"]],
    ["alert.published", "alerted", ["announceFiring", "announceResolved", "announceFiring"]],
    ["metric.valid", "healthy", ["announceFiring", "announceResolved", "announceFiring", "announceResolved"]],
  ];
  for (const [i, [event, state, ran]] of steps.entries()) {
    w.send(event);
    assert.equal(w.state(), state, `step ${i}: ${event}`);
    assert.deepEqual(w.ran, ran, `step ${i}: ${event}`);
  }
});

test("window machine - an episode that recovers before its alert left is silent", () => {
  const w = startWindow();
  w.send("deadline.passed", "metric.valid");
  assert.equal(w.state(), "healthy");
  assert.deepEqual(w.ran, ["announceFiring"], "the firing alert was decided, no resolved alert follows");
  w.send("deadline.passed");
  assert.deepEqual(w.ran, ["announceFiring", "announceFiring"], "a new episode fires again");
});

test("window machine - actions see the window's key from the input", () => {
  const key = { name: "ping", peer: "P1" };
  const w = startWindow(key);
  w.send("deadline.passed", "alert.retry", "alert.published", "repeat.due", "metric.valid");
  assert.deepEqual(w.ran, ["announceFiring", "announceFiring", "announceRepeat", "announceResolved"]);
  for (const k of w.keys) assert.equal(k, key);
});

test("window machine - the unprovided machine runs its empty actions without error", () => {
  const actor = createActor(windowMachine, { input: { key: 1 } });
  actor.start();
  for (const type of EVENTS) actor.send({ type });
  assert.equal(actor.getSnapshot().status, "active");
  assert.equal(actor.getSnapshot().error, undefined);
  actor.stop();
});
