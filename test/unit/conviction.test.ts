import { test } from "node:test";
import assert from "node:assert/strict";
import { Conviction } from "../../src/window/conviction.js";

const GRACE = 1_000;

/** A Conviction over named windows with deadlines, recording every effect as text. */
function setup(deadlines: Record<string, number>) {
  const effects: string[] = [];
  const trips: number[] = [];
  const c = new Conviction<string>(GRACE, {
    deadline: (w) => deadlines[w] ?? Number.NaN,
    convict: (w) => effects.push(`convict ${w}`),
    recheck: (w, at) => effects.push(`recheck ${w} at ${at}`),
    requestRoundTrip: (id) => {
      trips.push(id);
      effects.push(`round trip ${id}`);
    },
    deferred: () => effects.push("deferred"),
  });
  const take = () => effects.splice(0);
  return { c, deadlines, effects, trips, take };
}

test("conviction - a due deadline waits for a round trip that started after it; windows due together share one", () => {
  const rows: [what: string, deadlines: Record<string, number>, steps: (c: Conviction<string>) => void, want: string[]][] = [
    ["deadline in the future: look again then", { A: 500 }, (c) => c.deadlineDue("A", 100), ["recheck A at 500"]],
    ["no deadline (never valid): nothing", {}, (c) => c.deadlineDue("A", 100), []],
    ["due: one round trip", { A: 100 }, (c) => c.deadlineDue("A", 100), ["round trip 1"]],
    ["two due at once: still one", { A: 100, B: 100 }, (c) => (c.deadlineDue("A", 100), c.deadlineDue("B", 100)), ["round trip 1"]],
    ["back: convict what was due when it left", { A: 100 }, (c) => (c.deadlineDue("A", 100), c.roundTripBack(110)), ["round trip 1", "convict A"]],
    [
      "a deadline that moved later while out: look again",
      { A: 100 },
      (c) => {
        c.deadlineDue("A", 100);
        setDeadline("A", 400);
        c.roundTripBack(110);
      },
      ["round trip 1", "recheck A at 400"],
    ],
    [
      "fell due after the round trip left: another round trip",
      { A: 100, B: 105 },
      (c) => (c.deadlineDue("A", 100), c.deadlineDue("B", 105), c.roundTripBack(110)),
      ["round trip 1", "convict A", "round trip 2"],
    ],
    [
      "failed: nobody convicted, looked at after the grace",
      { A: 100 },
      (c) => (c.deadlineDue("A", 100), c.roundTripFailed(110)),
      ["round trip 1", "deferred", "recheck A at 1110"],
    ],
  ];
  let current: Record<string, number> = {};
  const setDeadline = (w: string, at: number) => (current[w] = at);
  for (const [what, deadlines, steps, want] of rows) {
    const s = setup({ ...deadlines });
    current = s.deadlines;
    steps(s.c);
    assert.deepEqual(s.take(), want, what);
  }
});

test("conviction - an answer to a round trip sent before an outage proves nothing", () => {
  const { c, take } = setup({ A: 100 });
  c.deadlineDue("A", 100);
  c.impaired("disconnected", 105);
  c.recovered("disconnected", 200, false);
  c.deadlineDue("A", 300);
  c.roundTripBack(301, 1);
  assert.deepEqual(take(), ["round trip 1", "deferred", "recheck A at 1105", "round trip 2"], "the old answer (1) is ignored");
  c.roundTripBack(302, 2);
  assert.deepEqual(take(), ["convict A"]);
});

test("conviction - the self-outage guard: nobody while impaired, the grace after; a stall only waits for its round trip", () => {
  const rows: [what: string, steps: (c: Conviction<string>) => void, want: string[]][] = [
    ["impaired: held, looked at after the grace from now", (c) => (c.impaired("probe", 50), c.deadlineDue("A", 100)), ["deferred", "recheck A at 1100"]],
    [
      "recovered with grace: held to its end",
      (c) => (c.impaired("probe", 50), c.recovered("probe", 80), c.deadlineDue("A", 100)),
      ["deferred", "recheck A at 1080"],
    ],
    [
      "recovered without grace (nothing missed)",
      (c) => (c.impaired("restoring", 50), c.recovered("restoring", 80, false), c.deadlineDue("A", 100)),
      ["round trip 1"],
    ],
    ["after the grace: judged as usual", (c) => (c.impaired("probe", 50), c.recovered("probe", 80), c.deadlineDue("A", 1_080)), ["round trip 1"]],
    [
      "impaired while a round trip is out: it fails",
      (c) => (c.deadlineDue("A", 100), c.impaired("disconnected", 110)),
      ["round trip 1", "deferred", "recheck A at 1110"],
    ],
    [
      "impaired between the round trip and its answer: the answer convicts nobody",
      (c) => (c.deadlineDue("A", 100), c.impaired("probe", 105), c.recovered("probe", 106), c.roundTripBack(110)),
      ["round trip 1", "deferred", "recheck A at 1105"],
    ],
    [
      "a round trip that comes back after a stall (the link up) convicts: it came back behind all that arrived meanwhile",
      (c) => (c.deadlineDue("A", 100), c.roundTripBack(5_100)),
      ["round trip 1", "convict A"],
    ],
    [
      "two reasons: the outage ends with the last",
      (c) => (c.impaired("probe", 50), c.impaired("disconnected", 60), c.recovered("probe", 70), c.deadlineDue("A", 100)),
      ["deferred", "recheck A at 1100"],
    ],
  ];
  for (const [what, steps, want] of rows) {
    const s = setup({ A: 100 });
    steps(s.c);
    assert.deepEqual(s.take(), want, what);
  }
});

test("conviction - a forgotten window (its peer left) is not judged", () => {
  const { c, take } = setup({ A: 100, B: 100 });
  c.deadlineDue("A", 100);
  c.deadlineDue("B", 100);
  c.forget("A");
  c.roundTripBack(110);
  assert.deepEqual(take(), ["round trip 1", "convict B"]);
});

test("conviction - impaired and recovered say when an outage starts and ends", () => {
  const { c } = setup({});
  assert.equal(c.impaired("probe", 10), true, "a new outage");
  assert.equal(c.impaired("disconnected", 20), false, "the same outage, one more reason");
  assert.equal(c.recovered("probe", 30), false);
  assert.equal(c.recovered("disconnected", 40), true, "the outage ended");
  assert.equal(c.recovered("disconnected", 50), false, "not impaired");
});
