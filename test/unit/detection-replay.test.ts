import { test } from "node:test";
import assert from "node:assert/strict";
import { seededRandom } from "../../src/cli/demo/scenario.js";
import { deadlineOf } from "../../src/window/deadline.js";
import { DETECTOR_FAMILY, detectorFactory, type DetectorName } from "../bench/detection/detectors/mod.js";
import { emptyTally, replay } from "../bench/detection/replay.js";
import { drawBehaviour, peerSeed, type ScenarioName } from "../bench/detection/scenarios.js";
import { generateTrace, type PeerTrace } from "../bench/detection/traces.js";

const STEP = 50;

/**
 * The same figures by brute force: time walks in 50 ms steps; at each step the detector has seen
 * every metric that arrived, and `latest` and the verdict are read as the monitor would read them.
 */
function sampled(trace: PeerTrace, name: DetectorName) {
  const d = detectorFactory(name)();
  const isDown = (t: number) => {
    for (let i = 0; i < trace.down.length; i += 2) if (trace.down[i]! <= t && t < trace.down[i + 1]!) return true;
    return false;
  };
  let k = 0;
  let verdict = Infinity;
  let deadline = -Infinity;
  let wasSuspect = false;
  let wrong = 0;
  let mistakes = 0;
  for (let t = trace.firstDayFromMs; t < trace.endMs; t += STEP) {
    while (k < trace.arrivals.length && trace.arrivals[k]! <= t) {
      const a = trace.arrivals[k++]!;
      deadline = deadlineOf(a, trace.ttlMs * 1e6, undefined);
      d.observe(a, deadline);
      verdict = Math.max(a, DETECTOR_FAMILY[name] === "suspicion" ? Math.min(d.suspectAt(), deadline) : d.suspectAt());
      wasSuspect = false;
    }
    if (t < trace.measureFromMs) continue;
    const suspect = t >= verdict;
    const down = isDown(t);
    if (suspect && !wasSuspect && !down) mistakes++;
    wasSuspect = suspect;
    if (t >= Math.min(verdict, deadline) !== down) wrong += STEP;
  }
  return { wrong, mistakes };
}

test("detection replay - the exact gap accounting agrees with a 50 ms sampled clock", () => {
  const cases: [ScenarioName, DetectorName][] = [
    ["steady", "rhythm"],
    ["burst-loss", "ttl"],
    ["burst-loss", "phi"],
    ["pauses", "rhythm"],
    ["crashes", "chen"],
    ["restarts", "ipfs-tick"],
  ];
  for (const [scenario, name] of cases) {
    const seed = peerSeed(11, scenario, 15_000, 0);
    const trace = generateTrace(drawBehaviour(scenario, seededRandom(seed)), 15_000, 2, seed);
    const tally = emptyTally();
    replay(trace, detectorFactory(name)(), DETECTOR_FAMILY[name], tally);
    const brute = sampled(trace, name);
    const what = `${name} on ${scenario}`;
    // Each verdict or deadline edge can be off by one step in the sampled walk.
    const edges = 2 * (tally.mistakes + tally.detections.length + trace.down.length) + 4;
    assert.ok(Math.abs(tally.wrongMs - brute.wrong) <= edges * STEP, `${what}: wrong time ${tally.wrongMs} vs sampled ${brute.wrong}`);
    // A mistake shorter than a step can fall between two samples.
    assert.ok(
      brute.mistakes <= tally.mistakes && tally.mistakes - brute.mistakes <= Math.max(2, tally.mistakes / 20),
      `${what}: mistakes ${tally.mistakes} vs sampled ${brute.mistakes}`,
    );
  }
});

test("detection replay - a crash is detected at the verdict that lasts until the peer is back", () => {
  // Metrics every 15 s (no jitter) from 0; the peer crashes at 1 day + 100 s, back 10 min later.
  const day = 86_400_000;
  const crashAt = day + 100_000;
  const backAt = crashAt + 600_000;
  const arrivals: number[] = [];
  for (let t = 0; t < crashAt; t += 15_000) arrivals.push(t);
  for (let t = backAt; t < 2 * day; t += 15_000) arrivals.push(t);
  const trace: PeerTrace = {
    intervalMs: 15_000,
    ttlMs: 30_000,
    arrivals: Float64Array.from(arrivals),
    down: Float64Array.from([crashAt, backAt]),
    crash: Uint8Array.from([1]),
    measureFromMs: day,
    firstDayFromMs: 3_600_000,
    endMs: 2 * day,
  };
  const tally = emptyTally();
  replay(trace, detectorFactory("ttl")(), "verdict", tally);
  // Last metric before the crash at 1 day + 90 s: the TTL convicts 30 s later, 20 s after the crash.
  assert.deepEqual(tally.detections, [20_000]);
  assert.equal(tally.mistakes, 0);
  // latest is wrong from the crash to the deadline: 20 s.
  assert.equal(tally.wrongMs, 20_000);
});

test("detection traces - the same seed gives the same trace, another seed another", () => {
  const b = drawBehaviour("mixed", seededRandom(3));
  const one = generateTrace(b, 15_000, 1, 99);
  const again = generateTrace(b, 15_000, 1, 99);
  const other = generateTrace(b, 15_000, 1, 100);
  assert.deepEqual(Array.from(one.arrivals), Array.from(again.arrivals));
  assert.notDeepEqual(Array.from(one.arrivals.subarray(0, 10)), Array.from(other.arrivals.subarray(0, 10)));
});

test("detection traces - burst loss loses about the drawn share of metrics, in bursts", () => {
  const b = { jitter: 0.05, loss: { rate: 0.01, burst: 3 }, crashes: { perDay: 0, minDownMs: 1, maxDownMs: 2 } };
  const trace = generateTrace(b, 1_000, 7, 5);
  const sent = 7 * 86_400;
  const lost = 1 - trace.arrivals.length / sent;
  assert.ok(Math.abs(lost - 0.01) < 0.002, `lost ${lost}`);
  let gaps = 0;
  for (let i = 1; i < trace.arrivals.length; i++) if (trace.arrivals[i]! - trace.arrivals[i - 1]! > 1_500) gaps++;
  const meanBurst = (lost * sent) / gaps;
  assert.ok(meanBurst > 2.5 && meanBurst < 3.5, `mean burst ${meanBurst}`);
});
