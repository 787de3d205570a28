import { test } from "node:test";
import assert from "node:assert/strict";
import { assign, createActor } from "xstate";
import {
  EVENTS_AT_REST,
  isAtRest,
  lifeOf,
  WINDOW_STATES,
  windowMachine,
  type WindowEffect,
  type WindowEvent,
  type WindowState,
} from "../../src/actors/window-machine.js";

type EventType = WindowEvent["type"];

/** The world as the wiring would answer the machine's guards; tests change it per case. */
interface World {
  repeats: boolean;
  silenced: boolean;
}

/**
 * A started window actor whose effects are recorded by type (`deadline.check`, `expiry.check`, `fire.asked`,
 * `repeat.armed` only when `all` is set) and whose episodes are named E1, E2, ...
 */
function startWindow(world: Partial<World> = {}, all = false) {
  const w: World = { repeats: true, silenced: false, ...world };
  let episodes = 0;
  const machine = windowMachine.provide({
    actions: { newEpisode: assign({ episode: () => `E${++episodes}` }) },
    guards: { repeats: () => w.repeats, silenced: () => w.silenced },
  });
  const actor = createActor(machine, { input: { name: "ping", peer: "P1" } });
  const effects: WindowEffect[] = [];
  const quiet = new Set<WindowEffect["type"]>(all ? [] : ["deadline.check", "expiry.check", "repeat.armed"]);
  actor.on("*", (e) => {
    if (!quiet.has(e.type)) effects.push(e);
  });
  actor.start();
  const send = (...events: (EventType | WindowEvent)[]) => {
    for (const e of events) actor.send((typeof e === "string" ? { type: e } : e) as WindowEvent);
  };
  const ran = () => effects.map((e) => e.type);
  const state = () => lifeOf(actor.getSnapshot());
  const value = () => actor.getSnapshot().value;
  const context = () => actor.getSnapshot().context;
  return { actor, w, effects, ran, send, state, value, context };
}

const confirmed = (episode: string, muted = false, logged = episode): WindowEvent => ({ type: "alert.confirmed", episode, logged, muted });
const taken = (episode: string): WindowEvent => ({ type: "alert.taken", episode });
/** The deadline passed; `held`: the disruption unit holds the alert. */
const passed = (held = false): WindowEvent => ({ type: "deadline.passed", held });
const PASSED = passed();

/** Events that lead from rest to each life state (firing, not held; the alert confirmed unmuted). */
const PATH_TO: Record<WindowState, (EventType | WindowEvent)[]> = {
  healthy: [],
  expired: [PASSED],
  alerted: [PASSED, confirmed("E1")],
};

/** A window in `from`, with the effects of getting there forgotten. */
function windowIn(from: WindowState, world: Partial<World> = {}, all = false) {
  const win = startWindow(world, all);
  win.send(...PATH_TO[from]);
  assert.equal(win.state(), from);
  win.effects.length = 0;
  return win;
}

/** The life table from the header of src/actors/window-machine.ts (world at its defaults), by effect type. */
const TABLE: [from: WindowState, event: EventType | WindowEvent, to: WindowState, effects: WindowEffect["type"][]][] = [
  ["healthy", "timer", "healthy", []],
  ["healthy", PASSED, "expired", ["firing"]],
  ["healthy", { type: "alert.restored", episode: "OLD", muted: false }, "alerted", []],
  ["expired", confirmed("E1"), "alerted", []],
  ["expired", "metric.valid", "healthy", ["withdrawn"]],
  ["alerted", "metric.valid", "healthy", ["resolved"]],
  ["alerted", "timer", "alerted", ["repeat"]],
];

test("window machine - starts at rest (healthy, calm) without any effect", () => {
  const win = startWindow({}, true);
  assert.equal(win.state(), "healthy");
  assert.deepEqual(win.value(), { life: { healthy: "idle" }, suspicion: "calm" });
  assert.ok(isAtRest(win.actor.getSnapshot()));
  assert.deepEqual(win.effects, []);
  assert.deepEqual(WINDOW_STATES, ["healthy", "expired", "alerted"]);
});

for (const [from, event, to, effects] of TABLE) {
  const name = typeof event === "string" ? event : event.type;
  test(`window machine - ${from} + ${name} -> ${to}${effects.length ? ` (${effects.join(", ")})` : " (silent)"}`, () => {
    const win = windowIn(from);
    win.send(event);
    assert.equal(win.state(), to);
    assert.deepEqual(win.ran(), effects);
  });
}

test("window machine - at rest it reacts only to the events EVENTS_AT_REST lists, and to timer only with deadline.check", () => {
  assert.deepEqual([...EVENTS_AT_REST].sort(), ["alert.restored", "deadline.passed", "suspicion.proved", "timer"]);
  const all: EventType[] = ["metric.valid", "alert.taken", "alert.confirmed", "silence.ended", "disruption.ended"];
  for (const type of all) {
    const win = startWindow({}, true);
    win.send(type === "alert.taken" ? taken("E1") : type === "alert.confirmed" ? confirmed("E1") : type);
    assert.ok(isAtRest(win.actor.getSnapshot()), `${type} leaves a window at rest`);
    assert.deepEqual(win.effects, [], type);
  }
  const win = startWindow({}, true);
  win.send("timer");
  assert.deepEqual(win.value(), { life: { healthy: "due" }, suspicion: "calm" }, "its deadline is judged: no longer at rest");
  assert.ok(!isAtRest(win.actor.getSnapshot()));
  assert.deepEqual(win.ran(), ["deadline.check"]);
  win.send("timer", "metric.valid");
  assert.deepEqual(win.ran(), ["deadline.check", "deadline.check"]);
  assert.ok(isAtRest(win.actor.getSnapshot()), "a valid metric: at rest again");
});

test("window machine - every effect, world at its defaults, as the header's table lists it", () => {
  const rows: [from: WindowState, event: EventType | WindowEvent, to: WindowState, effects: WindowEffect["type"][]][] = [
    ["healthy", "timer", "healthy", ["deadline.check"]],
    ["healthy", PASSED, "expired", ["firing"]],
    ["expired", confirmed("E1"), "alerted", ["repeat.armed"]],
    ["alerted", "timer", "alerted", ["repeat", "repeat.armed"]],
  ];
  for (const [from, event, to, effects] of rows) {
    const win = windowIn(from, {}, true);
    win.send(event);
    assert.equal(win.state(), to, `${from} + ${JSON.stringify(event)}`);
    assert.deepEqual(win.ran(), effects, `${from} + ${JSON.stringify(event)}`);
  }
});

test("window machine - a deadline passed opens a named episode and posts its firing alert; held, it waits in expired.held with no alert", () => {
  const win = startWindow();
  win.send(PASSED);
  assert.deepEqual(win.value(), { life: { expired: "queued" }, suspicion: "calm" });
  assert.deepEqual(win.effects, [{ type: "firing", episode: "E1" }]);
  assert.equal(win.context().episode, "E1");

  const held = startWindow();
  held.send(passed(true));
  assert.deepEqual(held.value(), { life: { expired: "held" }, suspicion: "calm" });
  assert.deepEqual(held.effects, []);
  assert.equal(held.context().episode, undefined, "no episode while held");
  held.send("disruption.ended");
  assert.deepEqual(held.effects, [{ type: "firing", episode: "E1" }], "released: it fires now");
  assert.equal(held.state(), "expired");
});

test("window machine - a held window whose peer returns ends its episode silently", () => {
  const win = startWindow();
  win.send(passed(true), "metric.valid");
  assert.equal(win.state(), "healthy");
  assert.deepEqual(win.effects, []);
});

test("window machine - an expired window whose firing alert already left announces the peer's return", () => {
  const win = windowIn("expired");
  win.send(taken("E1"));
  assert.deepEqual(win.value(), { life: { expired: "sending" }, suspicion: "calm" });
  win.send("metric.valid");
  assert.equal(win.state(), "healthy");
  assert.deepEqual(win.effects, [{ type: "resolved", episode: "E1", reached: false }], "no withdrawal: a consumer may have the firing alert");
});

test("window machine - a confirmation of an episode that already ended does not move the window", () => {
  const win = windowIn("expired");
  win.send(confirmed("E0"), taken("E0"));
  assert.deepEqual(win.value(), { life: { expired: "queued" }, suspicion: "calm" });
  assert.deepEqual(win.effects, []);
});

test("window machine - a confirmation adopts the episode another replica logged first", () => {
  const win = windowIn("expired");
  win.send(confirmed("E1", false, "OTHER"));
  assert.equal(win.state(), "alerted");
  assert.equal(win.context().episode, "OTHER");
  win.send("metric.valid");
  assert.deepEqual(win.effects, [{ type: "resolved", episode: "OTHER", reached: true }]);
});

test("window machine - without a repeat interval an alerted window's timer does nothing", () => {
  const win = windowIn("alerted", { repeats: false }, true);
  win.send("timer", "timer");
  assert.equal(win.state(), "alerted");
  assert.deepEqual(win.effects, []);
});

test("window machine - expired and alerted ignore alert.restored", () => {
  for (const from of ["expired", "alerted"] as const) {
    const win = windowIn(from, {}, true);
    win.send({ type: "alert.restored", episode: "OLD", muted: false });
    assert.equal(win.state(), from);
    assert.deepEqual(win.effects, []);
  }
});

test("window machine - one firing alert per episode, the next episode fires again", () => {
  const win = startWindow();
  const steps: [event: EventType | WindowEvent, state: WindowState, ran: WindowEffect["type"][]][] = [
    [PASSED, "expired", ["firing"]],
    [PASSED, "expired", ["firing"]],
    [confirmed("E1"), "alerted", ["firing"]],
    [PASSED, "alerted", ["firing"]],
    [confirmed("E1"), "alerted", ["firing"]],
    ["metric.valid", "healthy", ["firing", "resolved"]],
    ["metric.valid", "healthy", ["firing", "resolved"]],
    [confirmed("E1"), "healthy", ["firing", "resolved"]],
    [PASSED, "expired", ["firing", "resolved", "firing"]],
    [confirmed("E2"), "alerted", ["firing", "resolved", "firing"]],
    ["metric.valid", "healthy", ["firing", "resolved", "firing", "resolved"]],
  ];
  for (const [i, [event, state, ran]] of steps.entries()) {
    win.send(event);
    assert.equal(win.state(), state, `step ${i}: ${JSON.stringify(event)}`);
    assert.deepEqual(win.ran(), ran, `step ${i}: ${JSON.stringify(event)}`);
  }
});

test("window machine - an episode that recovers before its alert left is silent", () => {
  const win = startWindow();
  win.send(PASSED, "metric.valid");
  assert.equal(win.state(), "healthy");
  assert.deepEqual(win.ran(), ["firing", "withdrawn"], "the firing alert was decided and withdrawn, no resolved alert follows");
  win.send(PASSED);
  assert.deepEqual(win.ran(), ["firing", "withdrawn", "firing"], "a new episode fires again");
});

test("window machine - a muted firing alert: the resolution is muted too, unless the sinks got a repeat; a silence's end delivers it once", () => {
  const win = windowIn("expired", { silenced: true });
  win.send(confirmed("E1", true));
  assert.deepEqual(win.effects, [], "still silenced: nothing to deliver");
  assert.deepEqual([win.context().muted, win.context().reached], [true, false]);
  win.send("silence.ended");
  assert.deepEqual(win.effects, [], "another silence still covers it");
  win.w.silenced = false;
  win.send("silence.ended", "silence.ended");
  assert.deepEqual(win.effects, [{ type: "repeat", episode: "E1" }], "once: the repeat is on its way to the sinks");
  win.send(confirmed("E1"));
  assert.deepEqual([win.context().muted, win.context().reached], [false, true]);
  win.send("metric.valid");
  assert.deepEqual(win.effects.at(-1), { type: "resolved", episode: "E1", reached: true });
});

test("window machine - a silence that ended while the muted firing alert was on its way is caught up at its confirmation", () => {
  const win = windowIn("expired", { silenced: false });
  win.send(confirmed("E1", true));
  assert.deepEqual(win.effects, [{ type: "repeat", episode: "E1" }]);
  assert.equal(win.context().muted, false);
});

test("window machine - a restored episode starts alerted, muted as logged, and delivers what a silence no longer mutes", () => {
  const win = startWindow({ silenced: false });
  win.send({ type: "alert.restored", episode: "OLD", muted: true });
  assert.equal(win.state(), "alerted");
  assert.deepEqual(win.effects, [{ type: "repeat", episode: "OLD" }]);
  win.send("metric.valid");
  assert.deepEqual(win.effects.at(-1), { type: "resolved", episode: "OLD", reached: false }, "the sinks never confirmed an unmuted one");
});

test("window machine - a repeat while silenced keeps the mute; one that is not clears it", () => {
  const win = windowIn("alerted", { silenced: true });
  win.send(confirmed("E1", true));
  assert.equal(win.context().muted, true);
  win.send("timer");
  assert.equal(win.context().muted, true, "the repeat is muted too");
  win.w.silenced = false;
  win.send("timer");
  assert.equal(win.context().muted, false, "on its way to the sinks: no second un-muting repeat");
  win.send("silence.ended");
  assert.deepEqual(win.ran(), ["repeat", "repeat"]);
});

test("window machine - suspicion: announced once while healthy, cleared by a valid metric, superseded by the firing alert", () => {
  const win = startWindow();
  win.send("suspicion.proved", "suspicion.proved");
  assert.deepEqual(win.value(), { life: { healthy: "idle" }, suspicion: "suspect" });
  assert.deepEqual(win.ran(), ["suspect"]);
  assert.ok(!isAtRest(win.actor.getSnapshot()), "a suspect window is not at rest");
  win.send("metric.valid");
  assert.deepEqual(win.ran(), ["suspect", "cleared"]);
  assert.ok(isAtRest(win.actor.getSnapshot()));
  win.send("suspicion.proved", passed(true));
  assert.deepEqual(win.value(), { life: { expired: "held" }, suspicion: "suspect" }, "held: no firing alert supersedes it yet");
  win.send("disruption.ended");
  assert.deepEqual(win.value(), { life: { expired: "queued" }, suspicion: "calm" });
  assert.deepEqual(win.ran(), ["suspect", "cleared", "suspect", "firing"], "superseded: no cleared follows");
  win.send("suspicion.proved");
  assert.deepEqual(win.value(), { life: { expired: "queued" }, suspicion: "calm" }, "never suspect out of healthy");
});

/** The deadline passed, but the expiry awaits confirmation (its peer loses metrics). */
const UNCONFIRMED: WindowEvent = { type: "deadline.passed", held: false, unconfirmed: true };
const expiryConfirmed = (held = false): WindowEvent => ({ type: "expiry.confirmed", held });

test("window machine - an unconfirmed expiry waits in expired.confirming with no alert and no episode, asking the confirmation unit; confirmed it fires", () => {
  const win = startWindow({}, true);
  win.send(UNCONFIRMED);
  assert.deepEqual(win.value(), { life: { expired: "confirming" }, suspicion: "calm" });
  assert.equal(win.state(), "expired", "an expired window: disruption counts and views see it so");
  assert.equal(win.context().episode, undefined, "no episode before it fires");
  assert.deepEqual(win.ran(), ["expiry.check"], "entry: the unit proves the confirmation time, or waits for it");
  win.send("timer");
  assert.deepEqual(win.ran(), ["expiry.check", "expiry.check"], "its wake: asked again");
  win.send(UNCONFIRMED);
  assert.deepEqual(win.value(), { life: { expired: "confirming" }, suspicion: "calm" }, "another deadline.passed changes nothing");
  win.send(expiryConfirmed());
  assert.deepEqual(win.value(), { life: { expired: "queued" }, suspicion: "calm" });
  assert.deepEqual(
    win.effects.filter((e) => e.type === "firing"),
    [{ type: "firing", episode: "E1" }],
  );
});

test("window machine - a confirmed expiry that a disruption holds waits in expired.held, and fires when the disruption ends", () => {
  const win = startWindow();
  win.send(UNCONFIRMED, expiryConfirmed(true));
  assert.deepEqual(win.value(), { life: { expired: "held" }, suspicion: "calm" });
  assert.deepEqual(win.effects, []);
  win.send("disruption.ended");
  assert.deepEqual(win.effects, [{ type: "firing", episode: "E1" }]);
});

test("window machine - a valid metric while the expiry awaits confirmation ends it silently: a false alert spared", () => {
  const win = startWindow({}, true);
  win.send(UNCONFIRMED, "metric.valid");
  assert.equal(win.state(), "healthy");
  assert.ok(isAtRest(win.actor.getSnapshot()));
  assert.deepEqual(win.ran(), ["expiry.check", "expiry.spared"]);
  win.send(PASSED);
  assert.equal(win.context().episode, "E1", "the next episode is the first one: none was opened while confirming");
});

test("window machine - while the expiry awaits confirmation, the window ignores what only healthy, held and alerted windows hear", () => {
  for (const e of [
    "disruption.ended",
    "silence.ended",
    "suspicion.proved",
    taken("E1"),
    confirmed("E1"),
    { type: "alert.restored", episode: "OLD", muted: false },
  ] as const) {
    const win = startWindow();
    win.send(UNCONFIRMED, e);
    assert.deepEqual(win.value(), { life: { expired: "confirming" }, suspicion: "calm" }, JSON.stringify(e));
    assert.deepEqual(win.effects, [], JSON.stringify(e));
  }
});

test("window machine - suspicion: a suspect window stays suspect while its expiry awaits confirmation; the confirmed firing alert supersedes it", () => {
  const win = startWindow();
  win.send("suspicion.proved", UNCONFIRMED);
  assert.deepEqual(win.value(), { life: { expired: "confirming" }, suspicion: "suspect" });
  win.send(expiryConfirmed());
  assert.deepEqual(win.value(), { life: { expired: "queued" }, suspicion: "calm" });
  assert.deepEqual(win.ran(), ["suspect", "firing"], "superseded: no cleared");

  const held = startWindow();
  held.send("suspicion.proved", UNCONFIRMED, expiryConfirmed(true));
  assert.deepEqual(held.value(), { life: { expired: "held" }, suspicion: "suspect" }, "held: no firing alert supersedes it yet");
  held.send("disruption.ended");
  assert.deepEqual(held.value(), { life: { expired: "queued" }, suspicion: "calm" });

  const back = startWindow();
  back.send("suspicion.proved", UNCONFIRMED, "metric.valid");
  assert.deepEqual(back.value(), { life: { healthy: "idle" }, suspicion: "calm" });
  assert.deepEqual(back.ran(), ["suspect", "expiry.spared", "cleared"], "the peer's return spares the alert and clears it");
});

test("window machine - the unprovided machine runs without error", () => {
  const actor = createActor(windowMachine, { input: { name: "ping", peer: "P1" } });
  actor.start();
  const all: WindowEvent[] = [
    { type: "timer" },
    { type: "deadline.passed", held: false },
    { type: "deadline.passed", held: false, unconfirmed: true },
    { type: "expiry.confirmed", held: false },
    { type: "alert.taken", episode: "episode" },
    { type: "alert.confirmed", episode: "episode", logged: "episode", muted: false },
    { type: "silence.ended" },
    { type: "metric.valid" },
    { type: "suspicion.proved" },
    { type: "alert.restored", episode: "X", muted: true },
  ];
  for (const e of all) actor.send(e);
  assert.equal(actor.getSnapshot().status, "active");
  assert.equal(actor.getSnapshot().error, undefined);
  actor.stop();
});
