import { test } from "node:test";
import assert from "node:assert/strict";
import { EpisodeTable } from "../../src/delivery/episodes.js";
import type { MetricEvent } from "../../src/delivery/event.js";

const T = 1_700_000_000_000;

function ev(status: "firing" | "resolved", over: Partial<MetricEvent> = {}): MetricEvent {
  return {
    type: "metric",
    status,
    name: "ping",
    peer: "P1",
    value: "",
    id: `${status}-${over.atMs ?? 0}`,
    episode: "E1",
    muted: false,
    atMs: T,
    deadlineMs: T - 10,
    receivedAtMs: T - 1_000,
    ...over,
  };
}

test("episodes - a firing alert is stale once a resolved one follows it in the log, not before", () => {
  const table = new EpisodeTable();
  const f = ev("firing");
  table.record(10, f, T);
  assert.equal(table.supersedes(10, f, true), false, "it is the latest");
  table.record(11, ev("resolved"), T);
  assert.equal(table.supersedes(10, f, false), true);
  assert.equal(table.supersedes(12, ev("firing"), false), false, "a firing alert after the resolved one is current");
});

test("episodes - a resolved alert is stale once a new episode fired, for Alertmanager only", () => {
  const table = new EpisodeTable();
  table.record(10, ev("firing"), T);
  const r = ev("resolved");
  table.record(11, r, T);
  assert.equal(table.supersedes(11, r, true), false);
  table.record(12, ev("firing", { episode: "E2" }), T);
  assert.equal(table.supersedes(11, r, true), true, "Alertmanager would end the new episode");
  assert.equal(table.supersedes(11, r, false), false, "a webhook receiver tells episodes apart by fingerprint");
});

test("episodes - a repeat of the same episode does not make the first firing alert stale", () => {
  const table = new EpisodeTable();
  const first = ev("firing");
  table.record(10, first, T);
  table.record(20, ev("firing", { id: "repeat" }), T);
  assert.equal(table.supersedes(10, first, true), false);
});

test("episodes - older or repeated positions change nothing; other (name, peer)s are independent", () => {
  const table = new EpisodeTable();
  table.record(11, ev("resolved"), T);
  table.record(10, ev("firing"), T);
  assert.equal(table.latest(ev("firing"))?.status, "resolved");
  table.record(5, ev("firing", { peer: "P2" }), T);
  assert.equal(table.supersedes(5, ev("firing", { peer: "P2" }), true), false);
  assert.equal(table.size, 2);
});

test("episodes - a resolved alert learns when its episode started (the firing alert's deadline)", () => {
  const table = new EpisodeTable();
  table.record(1, ev("firing", { deadlineMs: T - 500 }), T);
  assert.equal(table.episodeStart(ev("resolved")), T - 500);
  table.record(2, ev("resolved", { atMs: T + 9_000 }), T + 9_000);
  assert.equal(table.latest(ev("resolved"))?.startedAtMs, T - 500);
});

test("episodes - current: firing ones, resolved ones within recentMs, within scope (muted ones too: the re-post's mute stage drops them)", () => {
  const table = new EpisodeTable();
  table.record(1, ev("firing", { peer: "A" }), T);
  table.record(2, ev("firing", { peer: "M", muted: true }), T);
  table.record(3, ev("firing", { peer: "R" }), T);
  table.record(4, ev("resolved", { peer: "R" }), T + 1_000);
  table.record(5, ev("firing", { peer: "other", name: "freespace" }), T);
  const peers = (list: MetricEvent[]) => list.map((e) => `${e.name}/${e.peer}/${e.status}`).sort();
  assert.deepEqual(peers(table.current(T + 2_000, 5_000) as MetricEvent[]), ["freespace/other/firing", "ping/A/firing", "ping/M/firing", "ping/R/resolved"]);
  assert.deepEqual(peers(table.current(T + 7_000, 5_000) as MetricEvent[]), ["freespace/other/firing", "ping/A/firing", "ping/M/firing"]);
  const onlyPing = (e: { name: string }) => e.name === "ping";
  assert.deepEqual(peers(table.current(T + 7_000, 5_000, onlyPing) as MetricEvent[]), ["ping/A/firing", "ping/M/firing"]);
});

test("episodes - prune forgets old resolved (name, peer)s and keeps the firing ones", () => {
  const table = new EpisodeTable();
  table.record(1, ev("firing", { peer: "A" }), T);
  table.record(2, ev("resolved", { peer: "B" }), T);
  table.record(3, ev("resolved", { peer: "C" }), T + 50_000);
  assert.equal(table.prune(T + 60_001, 60_000), 1);
  assert.equal(table.size, 2);
  assert.equal(table.latest(ev("firing", { peer: "B" })), undefined);
});
