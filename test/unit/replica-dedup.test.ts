import { test } from "node:test";
import assert from "node:assert/strict";
import { alreadyLogged, type LoggedAlert } from "../../src/bus/replica-dedup.js";
import { appendId } from "../../src/bus/transition-log.js";

const MS = 1_000_000n;
const firing = (atMs: number): LoggedAlert => ({ kind: "firing", triggeredAt: BigInt(atMs) * MS });
const resolved = (atMs: number): LoggedAlert => ({ kind: "resolved", triggeredAt: BigInt(atMs) * MS });
const mutedFiring = (atMs: number): LoggedAlert => ({ ...firing(atMs), muted: true });

const CASES: [string, LoggedAlert | undefined, "firing" | "resolved", number, number, boolean, boolean?][] = [
  // title, last logged, kind to log, decided at (ms), repeat interval (ms), already logged?, an unmuted repeat?
  ["empty log: a firing alert is new", undefined, "firing", 1_000, 0, false],
  ["empty log: a resolved alert is new", undefined, "resolved", 1_000, 0, false],
  ["last is firing: another replica logged this episode", firing(1_000), "firing", 1_005, 0, true],
  ["last is resolved: a new episode fires", resolved(1_000), "firing", 5_000, 0, false],
  ["last is firing: the episode's end is new", firing(1_000), "resolved", 5_000, 0, false],
  ["last is resolved: another replica logged the end", resolved(5_000), "resolved", 5_010, 0, true],
  ["repeat: a copy of the same repeat is not new", firing(10_000), "firing", 10_050, 60_000, true],
  ["repeat: half an interval later it is a new repeat", firing(10_000), "firing", 40_000, 60_000, false],
  ["repeat never applies to resolved", resolved(10_000), "resolved", 90_000, 60_000, true],
  ["a silence ended: the unmuted repeat after a muted firing is new", mutedFiring(1_000), "firing", 9_000, 0, false, true],
  ["another replica already delivered the unmuted repeat", firing(9_000), "firing", 9_004, 0, true, true],
  ["the unmuted repeat, with a repeat interval, a moment after the other replica's", firing(9_000), "firing", 9_004, 60_000, true, true],
  ["a first firing alert after a muted one (a replica late to see the silence) is the same episode", mutedFiring(1_000), "firing", 1_003, 0, true, false],
  ["the resolved alert after a muted firing is new", mutedFiring(1_000), "resolved", 5_000, 0, false],
];

for (const [title, last, kind, atMs, repeat, expected, unmutedRepeat] of CASES) {
  test(`replica dedup - ${title}`, () => {
    assert.equal(alreadyLogged(last, kind, BigInt(atMs) * MS, repeat, unmutedRepeat), expected);
  });
}

test("replica dedup - append ids name the subject position and kind, so retries collapse", () => {
  assert.equal(appendId("peermon.alertlog.ping.P1", 7, "firing"), "peermon.alertlog.ping.P1.7.firing");
  assert.notEqual(appendId("peermon.alertlog.ping.P1", 7, "firing"), appendId("peermon.alertlog.ping.P1", 8, "firing"));
  assert.notEqual(appendId("peermon.alertlog.ping.P1", 7, "firing"), appendId("peermon.alertlog.ping.P1", 7, "resolved"));
});
