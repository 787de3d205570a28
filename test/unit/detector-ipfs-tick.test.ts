import { test } from "node:test";
import assert from "node:assert/strict";
import { firstTickAfter, IpfsTickDetector } from "../bench/detection/detectors/ipfs-tick.js";

test("ipfs-tick detector - a dead peer is known at the first check tick after its deadline", () => {
  const cases: { what: string; deadline: number; tick: number; phase: number; at: number }[] = [
    { what: "between ticks: the next tick", deadline: 31_000, tick: 15_000, phase: 0, at: 45_000 },
    { what: "on a tick: the one after (expired means after the expiry)", deadline: 30_000, tick: 15_000, phase: 0, at: 45_000 },
    { what: "just before a tick: that tick", deadline: 29_999, tick: 15_000, phase: 0, at: 30_000 },
    { what: "the checker's phase shifts the ticks", deadline: 31_000, tick: 15_000, phase: 5_000, at: 35_000 },
    { what: "any tick names the phase, even a later one", deadline: 31_000, tick: 15_000, phase: 95_000, at: 35_000 },
    { what: "no deadline yet: never", deadline: Infinity, tick: 15_000, phase: 0, at: Infinity },
  ];
  for (const c of cases) assert.equal(firstTickAfter(c.deadline, c.tick, c.phase), c.at, c.what);
});

test("ipfs-tick detector - IPFS Cluster's 15 s check interval by default, up to one tick after the ttl", () => {
  const d = new IpfsTickDetector();
  assert.equal(d.suspectAt(), Infinity);
  d.observe(1_000, 31_000);
  assert.equal(d.suspectAt(), 45_000);
  const phased = new IpfsTickDetector({ tickMs: 10_000, phaseMs: 2_500 });
  phased.observe(1_000, 31_000);
  assert.equal(phased.suspectAt(), 32_500);
});

test("ipfs-tick detector - a tick that is not positive is refused", () => {
  assert.throws(() => new IpfsTickDetector({ tickMs: 0 }), /tickMs must be > 0/);
});
