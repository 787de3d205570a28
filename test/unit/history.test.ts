import { test } from "node:test";
import assert from "node:assert/strict";
import { EpisodeIndex, summarize, type AlertFact, type Episode } from "../../src/window/history.js";

const ep = (id: string, startMs: number, endMs: number | null): Episode => ({ id, startMs, endMs });

test("history - availability and flaps over a span, table", () => {
  const rows: [what: string, episodes: Episode[], since: number, until: number, want: { availability: number; flaps: number; kept: string[] }][] = [
    ["no episode: available throughout", [], 0, 1_000, { availability: 1, flaps: 0, kept: [] }],
    ["one closed episode of a tenth", [ep("a", 100, 200)], 0, 1_000, { availability: 0.9, flaps: 1, kept: ["a"] }],
    ["an open episode counts until now, no flap", [ep("a", 500, null)], 0, 1_000, { availability: 0.5, flaps: 0, kept: ["a"] }],
    ["three flaps", [ep("a", 0, 100), ep("b", 200, 300), ep("c", 400, 500)], 0, 1_000, { availability: 0.7, flaps: 3, kept: ["a", "b", "c"] }],
    ["an episode ended before the span is left out", [ep("a", 0, 50), ep("b", 600, 700)], 100, 1_100, { availability: 0.9, flaps: 1, kept: ["b"] }],
    ["an episode that straddles the start is clipped", [ep("a", 0, 300)], 100, 1_100, { availability: 0.8, flaps: 1, kept: ["a"] }],
    ["an empty span is fully available", [ep("a", 0, null)], 1_000, 1_000, { availability: 1, flaps: 0, kept: ["a"] }],
  ];
  for (const [what, episodes, since, until, want] of rows) {
    const s = summarize(episodes, since, until);
    assert.equal(Math.round(s.availability * 1_000) / 1_000, want.availability, `${what}: availability`);
    assert.equal(s.flaps, want.flaps, `${what}: flaps`);
    assert.deepEqual(
      s.episodes.map((e) => e.id),
      want.kept,
      `${what}: episodes`,
    );
  }
});

/** Alerts of ping/P1 as facts: `firing` opens (id = episode) unless a repeat id is given. */
function fact(kind: AlertFact["kind"], episode: string, atMs: number, more: Partial<AlertFact> = {}): AlertFact {
  return { name: "ping", peer: "P1", kind, id: episode, episode, atMs, deadlineMs: null, ...more };
}

test("history - the index turns the alert log into episodes, table", () => {
  const rows: [what: string, facts: AlertFact[], want: Episode[], completeSince: number][] = [
    ["firing then resolved", [fact("firing", "A", 100), fact("resolved", "A", 300, { id: "R" })], [ep("A", 100, 300)], -Infinity],
    ["the start is the deadline the firing alert names", [fact("firing", "A", 100, { deadlineMs: 40 })], [ep("A", 40, null)], -Infinity],
    ["a deadline after the decision is not believed", [fact("firing", "A", 100, { deadlineMs: 140 })], [ep("A", 100, null)], -Infinity],
    [
      "repeats continue the episode",
      [fact("firing", "A", 100), fact("firing", "A", 200, { id: "B" }), fact("resolved", "A", 300, { id: "C" })],
      [ep("A", 100, 300)],
      -Infinity,
    ],
    [
      "the same alert twice changes nothing",
      [fact("firing", "A", 100), fact("firing", "A", 100), fact("resolved", "A", 300, { id: "C" }), fact("resolved", "A", 300, { id: "C" })],
      [ep("A", 100, 300)],
      -Infinity,
    ],
    ["a resolved alert whose firing the log dropped: known from then on", [fact("resolved", "A", 300, { id: "C" })], [], 300],
    ["a repeat whose opening the log dropped: open from the repeat, known from then on", [fact("firing", "A", 200, { id: "B" })], [ep("A", 200, null)], 200],
    [
      "an episode left open ends when the next starts",
      [fact("firing", "A", 100), fact("firing", "B", 500)],
      [ep("A", 100, 500), ep("B", 500, null)],
      -Infinity,
    ],
  ];
  for (const [what, facts, want, completeSince] of rows) {
    const index = new EpisodeIndex({ sinceMs: -Infinity, retentionMs: Infinity });
    for (const f of facts) index.record(f);
    assert.deepEqual(index.episodes("ping", "P1"), want, what);
    assert.equal(index.spanStart("ping", "P1", 1_000), completeSince, `${what}: complete since`);
  }
});

test("history - the index keeps at most its episodes per pair and knows its record starts later then", () => {
  const index = new EpisodeIndex({ sinceMs: 0, retentionMs: Infinity }, 2);
  for (const [id, at] of [
    ["A", 100],
    ["B", 300],
    ["C", 500],
  ] as const) {
    index.record(fact("firing", id, at));
    index.record(fact("resolved", id, at + 50, { id: `${id}r` }));
  }
  assert.deepEqual(
    index.episodes("ping", "P1").map((e) => e.id),
    ["B", "C"],
  );
  assert.equal(index.spanStart("ping", "P1", 1_000), 150, "complete from the end of the dropped episode");
  assert.equal(index.spanStart("ping", "P2", 1_000), 0, "another pair: the coverage");
});

test("history - a pair replayed with as many alerts as the log keeps may have lost older ones", () => {
  const index = new EpisodeIndex({ sinceMs: 0, retentionMs: Infinity });
  index.record(fact("firing", "A", 100));
  index.record(fact("resolved", "A", 200, { id: "Ar" }));
  index.record(fact("firing", "B", 400, { peer: "P2" }));
  index.replayEnded(2);
  assert.equal(index.spanStart("ping", "P1", 1_000), 100, "P1 came with 2 alerts: the log's cap");
  assert.equal(index.spanStart("ping", "P2", 1_000), 0, "P2 came with fewer");
});

test("history - spans start at the coverage or the retention, and pruning forgets what the log no longer keeps", () => {
  const index = new EpisodeIndex({ sinceMs: 1_000, retentionMs: 10_000 });
  assert.equal(index.coverageStart(5_000), 1_000, "the log started later than the retention reaches");
  assert.equal(index.coverageStart(20_000), 10_000, "the retention");
  index.record(fact("firing", "A", 2_000));
  index.record(fact("resolved", "A", 3_000, { id: "Ar" }));
  index.record(fact("firing", "B", 4_000, { peer: "P2" }));
  index.prune(12_000);
  assert.equal(index.size, 2, "A ended within the retention");
  index.prune(14_000);
  assert.deepEqual(index.episodes("ping", "P1"), [], "A is older than the retention");
  assert.equal(index.size, 1, "P2's open episode stays");
});
