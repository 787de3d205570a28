import { test } from "node:test";
import assert from "node:assert/strict";
import { createActor } from "xstate";
import { WINDOW_STATES, windowMachine, type WindowEvent, type WindowState } from "../../src/actors/window-machine.js";

type ActionName = "checkDeadline" | "announceFiring" | "withdrawFiring" | "announceResolved" | "announceRepeat" | "armRepeat";
type EventType = WindowEvent["type"];

const EVENTS: readonly EventType[] = ["timer", "deadline.passed", "alert.published", "metric.valid", "alert.restored"];

/** Events that lead from `healthy` to each state, without recording their actions. */
const PATH_TO: Record<WindowState, EventType[]> = {
  healthy: [],
  expired: ["deadline.passed"],
  alerted: ["deadline.passed", "alert.published"],
};

/** The guards as the supervisor would answer them; tests change them per case. */
interface Guards {
  firingLeft: boolean;
  repeats: boolean;
  isCurrentEpisode: boolean;
}

/**
 * A started window actor whose announcing actions record their name and the key of the window they
 * ran for (checkDeadline, withdrawFiring and armRepeat are recorded only when `all` is set).
 */
function startWindow(key: unknown = "ping/P1", guards: Partial<Guards> = {}, all = false) {
  const ran: ActionName[] = [];
  const keys: unknown[] = [];
  const record =
    (name: ActionName) =>
    ({ context }: { context: { key: unknown } }) => {
      ran.push(name);
      keys.push(context.key);
    };
  const g: Guards = { firingLeft: false, repeats: true, isCurrentEpisode: true, ...guards };
  const machine = windowMachine.provide({
    actions: {
      announceFiring: record("announceFiring"),
      announceResolved: record("announceResolved"),
      announceRepeat: record("announceRepeat"),
      ...(all ? { checkDeadline: record("checkDeadline"), withdrawFiring: record("withdrawFiring"), armRepeat: record("armRepeat") } : {}),
    },
    guards: { firingLeft: () => g.firingLeft, repeats: () => g.repeats, isCurrentEpisode: () => g.isCurrentEpisode },
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
function windowIn(from: WindowState, guards: Partial<Guards> = {}, all = false) {
  const w = startWindow("ping/P1", guards, all);
  w.send(...PATH_TO[from]);
  assert.equal(w.state(), from);
  w.ran.length = 0;
  return w;
}

/** The state table from the header of src/actors/window-machine.ts (guards at their defaults). */
const TABLE: [from: WindowState, event: EventType, to: WindowState, actions: ActionName[]][] = [
  ["healthy", "timer", "healthy", []],
  ["healthy", "deadline.passed", "expired", ["announceFiring"]],
  ["healthy", "alert.restored", "alerted", []],
  ["expired", "alert.published", "alerted", []],
  ["expired", "metric.valid", "healthy", []],
  ["alerted", "metric.valid", "healthy", ["announceResolved"]],
  ["alerted", "timer", "alerted", ["announceRepeat"]],
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

test("window machine - every action, guards at their defaults, as the header's table lists it", () => {
  const rows: [from: WindowState, event: EventType, to: WindowState, actions: ActionName[]][] = [
    ["healthy", "timer", "healthy", ["checkDeadline"]],
    ["expired", "alert.published", "alerted", ["armRepeat"]],
    ["expired", "metric.valid", "healthy", ["withdrawFiring"]],
  ];
  for (const [from, event, to, actions] of rows) {
    const w = windowIn(from, {}, true);
    w.send(event);
    assert.equal(w.state(), to, `${from} + ${event}`);
    assert.deepEqual(w.ran, actions, `${from} + ${event}`);
  }
});

test("window machine - an expired window whose firing alert already left announces the peer's return", () => {
  const w = windowIn("expired", { firingLeft: true }, true);
  w.send("metric.valid");
  assert.equal(w.state(), "healthy");
  assert.deepEqual(w.ran, ["announceResolved"], "no withdrawal: a consumer may have the firing alert");
});

test("window machine - a confirmation of an episode that already ended does not move the window", () => {
  const w = windowIn("expired", { isCurrentEpisode: false });
  w.send("alert.published");
  assert.equal(w.state(), "expired");
  assert.deepEqual(w.ran, []);
});

test("window machine - without a repeat interval an alerted window's timer does nothing", () => {
  const w = windowIn("alerted", { repeats: false });
  w.send("timer", "timer");
  assert.equal(w.state(), "alerted");
  assert.deepEqual(w.ran, []);
});

test("window machine - expired and alerted ignore alert.restored", () => {
  for (const from of ["expired", "alerted"] as const) {
    const w = windowIn(from, {}, true);
    w.send("alert.restored");
    assert.equal(w.state(), from);
    assert.deepEqual(w.ran, []);
  }
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
  w.send("deadline.passed", "alert.published", "timer", "metric.valid");
  assert.deepEqual(w.ran, ["announceFiring", "announceRepeat", "announceResolved"]);
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
