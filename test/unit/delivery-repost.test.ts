import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.js";
import { alertmanagerDestination } from "../../src/delivery/destinations.js";
import { EpisodeTable } from "../../src/delivery/episodes.js";
import { decodeMetricEvent, type DeliveryEvent } from "../../src/delivery/event.js";
import { classify, type Verdict } from "../../src/delivery/post.js";
import { flagMuter } from "../../src/delivery/mute.js";
import { Reposter, repostPipeline } from "../../src/delivery/repost.js";
import { FakePoster, message, run, status, T0 } from "../helpers/delivery.js";

const INTERVAL = 60_000;

function setup(scope: (e: DeliveryEvent) => boolean = () => true) {
  const clock = new ManualClock(T0);
  const poster = new FakePoster(clock);
  const table = new EpisodeTable();
  const verdicts: [number, Verdict][] = [];
  const stages = repostPipeline({
    destination: alertmanagerDestination("http://am:9093", { statusPage: "" }),
    poster,
    muter: flagMuter,
    clock,
    batchMs: 0,
    max: 2,
    report: { posted: (events, verdict) => verdicts.push([events.length, verdict]) },
  });
  const reposter = new Reposter(table, stages, { clock, intervalMs: INTERVAL, scope });
  const log = (over: Parameters<typeof message>[1]) => {
    const m = message(clock, over);
    table.record(m.seq, decodeMetricEvent(m.data), clock.now());
  };
  return { clock, poster, table, reposter, verdicts, log };
}

type Posted = { labels: { peer: string; metric: string }; endsAt?: string }[];

test("repost - every interval, what fires now goes to Alertmanager again, grouped by name, in POSTs of at most max", async () => {
  const { clock, poster, reposter, verdicts, log } = setup();
  log({ peer: "A" });
  log({ peer: "B" });
  log({ peer: "C" });
  log({ name: "freespace", peer: "A" });
  reposter.start();
  await run(clock, INTERVAL - 1_000, 1_000);
  assert.equal(poster.calls.length, 0);
  await run(clock, 1_000, 1_000);
  assert.deepEqual(poster.alertsPerCall(), [2, 1, 1]);
  assert.ok(poster.calls.every((c) => c.url === "http://am:9093/api/v2/alerts"));
  assert.ok(
    (JSON.parse(poster.calls[0]!.body) as Posted).every((a) => a.endsAt === undefined),
    "firing: no endsAt",
  );
  assert.deepEqual(
    verdicts.map(([n, v]) => [n, v.kind]),
    [
      [2, "delivered"],
      [1, "delivered"],
      [1, "delivered"],
    ],
  );
  await run(clock, INTERVAL, 1_000);
  assert.equal(poster.calls.length, 6, "and again the next interval");
  await reposter.stop();
});

test("repost - resolved alerts are posted again for two intervals (with endsAt), then no more; muted ones never", async () => {
  const { clock, poster, reposter, log } = setup();
  log({ peer: "A", kind: "firing" });
  log({ peer: "B", kind: "firing" });
  log({ peer: "M", kind: "firing", muted: true });
  reposter.start();
  await run(clock, 30_000, 1_000);
  log({ peer: "A", kind: "resolved" });
  await run(clock, 30_000, 1_000);
  const peersOf = (i: number) => (JSON.parse(poster.calls[i]!.body) as Posted).map((a) => `${a.labels.peer}${a.endsAt ? " resolved" : ""}`);
  assert.deepEqual(peersOf(0), ["A resolved", "B"]);
  await run(clock, INTERVAL, 1_000);
  assert.deepEqual(peersOf(1), ["A resolved", "B"], "90 s after the resolution: still within two intervals");
  await run(clock, INTERVAL, 1_000);
  assert.deepEqual(peersOf(2), ["B"]);
  await reposter.stop();
});

test("repost - only alerts in scope (the windows this instance tracks)", async () => {
  const { clock, poster, reposter, log } = setup((e) => e.type === "metric" && e.peer !== "B");
  log({ peer: "A" });
  log({ peer: "B" });
  reposter.start();
  await run(clock, INTERVAL, 1_000);
  assert.deepEqual(
    (JSON.parse(poster.calls[0]!.body) as Posted).map((a) => a.labels.peer),
    ["A"],
  );
  await reposter.stop();
});

test("repost - a failed round is reported and not retried before the next round", async () => {
  const { clock, poster, reposter, verdicts, log } = setup();
  log({ peer: "A" });
  poster.answer = () => status(503);
  reposter.start();
  await run(clock, INTERVAL, 1_000);
  await run(clock, INTERVAL - 1_000, 1_000);
  assert.equal(poster.calls.length, 1);
  assert.equal(verdicts[0]![1].kind, "retry");
  await reposter.stop();
  await run(clock, INTERVAL * 2, 1_000);
  assert.equal(poster.calls.length, 1, "stopped");
});

test("post - what an answer means", () => {
  const table: [Parameters<typeof classify>[0], string, string?][] = [
    [status(200), "delivered"],
    [status(202), "delivered"],
    [status(204), "delivered"],
    [status(500, "boom"), "retry", "http_5xx"],
    [status(503), "retry", "http_5xx"],
    [status(429), "retry", "http_429"],
    [status(408), "retry", "http_408"],
    [status(400, "bad"), "rejected", "http_4xx"],
    [status(401), "rejected", "http_4xx"],
    [status(404), "rejected", "http_4xx"],
    [status(413), "rejected", "http_4xx"],
    [status(301), "rejected", "redirect"],
    [status(307), "rejected", "redirect"],
    [{ kind: "timeout", message: "no answer within 10000 ms" }, "retry", "timeout"],
    [{ kind: "connection", message: "fetch failed (ECONNREFUSED)" }, "retry", "connection"],
  ];
  for (const [answer, kind, reason] of table) {
    const v = classify(answer);
    assert.equal(v.kind, kind, JSON.stringify(answer));
    if (reason) assert.equal((v as { reason: string }).reason, reason, JSON.stringify(answer));
  }
  const withRetryAfter = classify({ kind: "response", status: 503, body: "", retryAfterMs: 7_000 });
  assert.equal((withRetryAfter as { retryAfterMs?: number }).retryAfterMs, 7_000);
  assert.equal((classify(status(500, "a\n  b")) as { detail: string }).detail, "HTTP 500: a b");
});
