import { test } from "node:test";
import assert from "node:assert/strict";
import { SilenceBook } from "../../src/actors/silence-book.js";
import { decodeSilence, encodeSilence, isSilenceId, MAX_SILENCE_MS, newSilence } from "../../src/api/silence.js";
import type { Silence } from "../../src/api/types.js";
import { UsageError } from "../../src/errors.js";

const T0 = 1_700_000_000_000;
const H = 3_600_000;
const ID = "01JBX7Q3ZK8Y3W6T0C1M2N4P5R";

function silence(id: string, peer: string, endsAtMs: number, name?: string): Silence {
  return { id, peer, name, startsAtMs: T0, endsAtMs, comment: "", createdBy: "" };
}

const MATCH: [string, Silence[], string, string, number, boolean][] = [
  // title, silences, name, peer, now, muted?
  ["no silence", [], "ping", "P1", T0, false],
  ["a silence of the peer for every name", [silence("a", "P1", T0 + H)], "freespace", "P1", T0, true],
  ["a silence of one name: that name", [silence("a", "P1", T0 + H, "ping")], "ping", "P1", T0, true],
  ["a silence of one name: another name", [silence("a", "P1", T0 + H, "ping")], "freespace", "P1", T0, false],
  ["another peer", [silence("a", "P2", T0 + H)], "ping", "P1", T0, false],
  ["a millisecond before its end", [silence("a", "P1", T0 + H)], "ping", "P1", T0 + H - 1, true],
  ["at its end: over (no process needed to end it)", [silence("a", "P1", T0 + H)], "ping", "P1", T0 + H, false],
  ["one ended, one running", [silence("a", "P1", T0 + 1), silence("b", "P1", T0 + H)], "ping", "P1", T0 + 10, true],
];
for (const [title, list, name, peer, now, expected] of MATCH) {
  test(`silence book - matching: ${title}`, () => {
    const book = new SilenceBook();
    for (const s of list) book.put(s, T0);
    assert.equal(book.mutes(name, peer, now), expected);
  });
}

test("silence book - expiry drops ended silences and names their scopes, soonest end first", () => {
  const book = new SilenceBook();
  book.put(silence("a", "P1", T0 + 2 * H, "ping"), T0);
  book.put(silence("b", "P2", T0 + H), T0);
  assert.equal(book.nextEndAt(), T0 + H);
  assert.deepEqual(book.expire(T0 + H - 1), []);
  assert.deepEqual(book.expire(T0 + H), [{ peer: "P2" }]);
  assert.equal(book.nextEndAt(), T0 + 2 * H);
  assert.deepEqual(
    book.active(T0 + H).map((s) => s.id),
    ["a"],
  );
  assert.deepEqual(book.expire(T0 + 3 * H), [{ name: "ping", peer: "P1" }]);
  assert.equal(book.nextEndAt(), Infinity);
  assert.equal(book.size, 0);
});

test("silence book - removal ends a running silence, and says nothing for one already over", () => {
  const book = new SilenceBook();
  book.put(silence("a", "P1", T0 + H), T0);
  book.put(silence("b", "P2", T0 + 1), T0);
  assert.deepEqual(book.remove("a", T0 + 10), { peer: "P1" });
  assert.equal(book.mutes("ping", "P1", T0 + 10), false);
  assert.equal(book.remove("b", T0 + 10), undefined, "b had ended by itself");
  assert.equal(book.remove("unknown", T0), undefined);
});

test("silence book - a replacement that still covers the scope ends nothing; one that stops it does", () => {
  const book = new SilenceBook();
  book.put(silence("a", "P1", T0 + H), T0);
  assert.equal(book.put(silence("a", "P1", T0 + 2 * H), T0), undefined, "extended");
  assert.deepEqual(book.put(silence("a", "P1", T0 - 1), T0), { peer: "P1" }, "shortened into the past");
  assert.equal(book.mutes("ping", "P1", T0), false);
});

test("silence - a new silence is checked: tokens, a length above 0 and at most 30 days, a bounded comment", () => {
  const ok = newSilence({ peer: "P1", name: "ping", forMs: 2 * H, comment: "reboot", createdBy: "ops" }, ID, T0 + 0.4);
  assert.deepEqual(ok, { id: ID, peer: "P1", name: "ping", startsAtMs: T0, endsAtMs: T0 + 2 * H, comment: "reboot", createdBy: "ops" });
  assert.equal(newSilence({ peer: "P1", forMs: MAX_SILENCE_MS }, ID, T0).endsAtMs, T0 + MAX_SILENCE_MS);
  const bad: [object, RegExp][] = [
    [{ peer: "P.1", forMs: H }, /invalid peer id "P\.1".*without spaces/],
    [{ peer: "P1", name: "a b", forMs: H }, /invalid metric name/],
    [{ peer: "P1", forMs: 0 }, /above 0 and at most 30 days/],
    [{ peer: "P1", forMs: MAX_SILENCE_MS + 1 }, /at most 30 days.*peerset rm/],
    [{ peer: "P1", forMs: Number.NaN }, /silence length/],
    [{ peer: "P1", forMs: H, comment: "x".repeat(1_001) }, /keep it to 1000/],
  ];
  for (const [input, message] of bad) {
    assert.throws(
      () => newSilence(input as never, ID, T0),
      (err: unknown) => err instanceof UsageError && message.test(err.message),
    );
  }
});

test("silence - the bucket entry is readable JSON and decodes back; garbage is a TypeError", () => {
  const s = newSilence({ peer: "P1", forMs: H, comment: "kernel update" }, ID, T0);
  const json = JSON.parse(new TextDecoder().decode(encodeSilence(s)));
  assert.deepEqual(json, {
    id: ID,
    name: null,
    peer: "P1",
    startsAt: new Date(T0).toISOString(),
    endsAt: new Date(T0 + H).toISOString(),
    comment: "kernel update",
    createdBy: "",
  });
  assert.deepEqual(decodeSilence(encodeSilence(s)), s);
  const named = { ...s, name: "ping" };
  assert.deepEqual(decodeSilence(encodeSilence(named)), named);
  for (const garbage of ["not json", "{}", '{"id":"x","peer":"a b","startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T01:00:00Z"}']) {
    assert.throws(() => decodeSilence(new TextEncoder().encode(garbage)), TypeError);
  }
  assert.equal(isSilenceId(ID), true);
  assert.equal(isSilenceId("01jbx7q3zk8y3w6t0c1m2n4p5r"), false);
  assert.equal(isSilenceId("nope"), false);
});

test('silence - a length over 30 days is said the way it was written (regression: "3456000000 ms")', () => {
  assert.throws(
    () => newSilence({ peer: "P1", forMs: 40 * 86_400_000 }, "01J00000000000000000000000", 0),
    (err: unknown) => err instanceof UsageError && /^invalid silence length 40d: give a duration above 0 and at most 30 days/.test(err.message),
  );
});
