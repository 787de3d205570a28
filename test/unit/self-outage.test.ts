import { test } from "node:test";
import assert from "node:assert/strict";
import { SelfOutageGuard } from "../../src/window/self-outage.js";

const GRACE = 30_000;

type Step = { impair: string; at: number; fresh: boolean } | { recover: string; at: number; ended: boolean };

interface Case {
  what: string;
  steps: Step[];
  /** [now, convictableAt(now)] checked after the steps. */
  expect: [now: number, at: number][];
}

const CASES: Case[] = [
  {
    what: "a fine link convicts at once",
    steps: [],
    expect: [
      [0, 0],
      [1_000, 1_000],
      [1e12, 1e12],
    ],
  },
  {
    what: "an impaired link never convicts",
    steps: [{ impair: "disconnected", at: 1_000, fresh: true }],
    expect: [
      [1_000, Infinity],
      [1_000_000, Infinity],
    ],
  },
  {
    what: "after recovery a deadline waits for the grace, then convicts at once",
    steps: [
      { impair: "disconnected", at: 1_000, fresh: true },
      { recover: "disconnected", at: 5_000, ended: true },
    ],
    expect: [
      [5_000, 5_000 + GRACE],
      [5_000 + GRACE - 1, 5_000 + GRACE],
      [5_000 + GRACE, 5_000 + GRACE],
      [5_000 + GRACE + 1, 5_000 + GRACE + 1],
      [100_000, 100_000],
    ],
  },
  {
    what: "overlapping reasons recover only when both cleared",
    steps: [
      { impair: "disconnected", at: 1_000, fresh: true },
      { impair: "probe", at: 2_000, fresh: false },
      { recover: "disconnected", at: 3_000, ended: false },
    ],
    expect: [[3_000, Infinity]],
  },
  {
    what: "overlapping reasons: the grace starts when the last one clears",
    steps: [
      { impair: "disconnected", at: 1_000, fresh: true },
      { impair: "probe", at: 2_000, fresh: false },
      { recover: "probe", at: 3_000, ended: false },
      { recover: "disconnected", at: 10_000, ended: true },
    ],
    expect: [
      [10_000, 10_000 + GRACE],
      [10_000 + GRACE, 10_000 + GRACE],
      [50_000, 50_000],
    ],
  },
  {
    what: "the same reason twice is one reason",
    steps: [
      { impair: "probe", at: 1_000, fresh: true },
      { impair: "probe", at: 2_000, fresh: false },
      { recover: "probe", at: 3_000, ended: true },
    ],
    expect: [[3_000, 3_000 + GRACE]],
  },
  {
    what: "recovering a reason that was never set changes nothing",
    steps: [{ recover: "probe", at: 1_000, ended: false }],
    expect: [[1_000, 1_000]],
  },
  {
    what: "recovering an unknown reason does not end an outage",
    steps: [
      { impair: "disconnected", at: 1_000, fresh: true },
      { recover: "probe", at: 2_000, ended: false },
    ],
    expect: [[2_000, Infinity]],
  },
  {
    what: "a second outage after a first recovery is a new outage",
    steps: [
      { impair: "disconnected", at: 1_000, fresh: true },
      { recover: "disconnected", at: 2_000, ended: true },
      { impair: "probe", at: 3_000, fresh: true },
      { recover: "probe", at: 4_000, ended: true },
    ],
    expect: [[4_000, 4_000 + GRACE]],
  },
];

for (const { what, steps, expect } of CASES) {
  test(`self outage - ${what}`, () => {
    const guard = new SelfOutageGuard(GRACE);
    for (const step of steps) {
      if ("impair" in step) assert.equal(guard.impair(step.impair, step.at), step.fresh, `impair ${step.impair} at ${step.at}`);
      else assert.equal(guard.recover(step.recover, step.at), step.ended, `recover ${step.recover} at ${step.at}`);
    }
    for (const [now, at] of expect) assert.equal(guard.convictableAt(now), at, `convictableAt(${now})`);
  });
}

test("self outage - impaired and since follow the current outage", () => {
  const guard = new SelfOutageGuard(GRACE);
  assert.equal(guard.impaired, false);
  assert.equal(guard.since, undefined);
  guard.impair("disconnected", 1_000);
  guard.impair("probe", 2_000);
  assert.equal(guard.impaired, true);
  assert.equal(guard.since, 1_000, "since the first reason");
  guard.recover("disconnected", 3_000);
  assert.equal(guard.since, 1_000);
  guard.recover("probe", 4_000);
  assert.equal(guard.impaired, false);
  assert.equal(guard.since, undefined);
  guard.impair("probe", 5_000);
  assert.equal(guard.since, 5_000);
});

test("self outage - a zero grace convicts right after recovery", () => {
  const guard = new SelfOutageGuard(0);
  guard.impair("disconnected", 1_000);
  guard.recover("disconnected", 2_000);
  assert.equal(guard.convictableAt(2_000), 2_000);
});

test("self-outage guard - recovering without grace (nothing could have been missed) convicts at once", () => {
  const guard = new SelfOutageGuard(1_000);
  guard.impair("restoring", 0);
  assert.equal(guard.recover("restoring", 10, false), true);
  assert.equal(guard.convictableAt(10), 10);
});
