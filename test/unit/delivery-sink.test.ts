import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../../src/clock.js";
import { webhookDestination, alertmanagerDestination } from "../../src/delivery/destinations.js";
import { EpisodeTable } from "../../src/delivery/episodes.js";
import { decodeMetricEvent } from "../../src/delivery/event.js";
import { flagMuter } from "../../src/delivery/mute.js";
import type { Destination } from "../../src/delivery/post.js";
import { verifySignature } from "../../src/delivery/signature.js";
import { Sink } from "../../src/delivery/sink.js";
import { capturedLogger, FakeMessage, FakePoster, message, run, status, T0 } from "../helpers/delivery.js";

const links = { statusPage: "http://mon:9464/" };
const ACK_WAIT = 30_000;

function setup(destination: Destination = webhookDestination("http://hooks.local/in", undefined, links), batchMs = 25, batchMax = 500) {
  const clock = new ManualClock(T0);
  const poster = new FakePoster(clock);
  const table = new EpisodeTable();
  const { log, lines, text } = capturedLogger();
  const sink = new Sink({
    destination,
    table,
    poster,
    clock,
    rng: () => 0,
    log,
    muter: flagMuter,
    batchMs,
    batchMax,
    ackWaitMs: ACK_WAIT,
    feed: "test",
  });
  /** Logs `m` in the table (as the log-state feed would) and hands it to the sink (as the durable consumer would). */
  const deliver = (...ms: FakeMessage[]) => {
    for (const m of ms) {
      table.record(m.seq, decodeMetricEvent(m.data), clock.now());
      sink.accept(m);
    }
  };
  return { clock, poster, table, sink, deliver, lines, logText: text };
}

test("sink - a lone alert is posted after the batch window, once, and acknowledged after the 2xx", async () => {
  const { clock, poster, sink, deliver } = setup();
  const m = message(clock);
  deliver(m);
  await run(clock, 20);
  assert.equal(poster.calls.length, 0, "within the window");
  await run(clock, 10);
  assert.equal(poster.calls.length, 1);
  assert.equal(poster.calls[0]!.at, T0 + 25);
  assert.equal(m.acks, 1);
  assert.equal(sink.counters.delivered, 1);
  assert.equal(sink.status().state, "idle");
  assert.equal(sink.status().oldestUndeliveredMs, null);
});

test("sink - alerts of one metric name within the window go in one POST; another name gets its own", async () => {
  const { clock, poster, deliver } = setup();
  deliver(message(clock, { peer: "P1" }));
  await run(clock, 10);
  deliver(message(clock, { peer: "P2" }), message(clock, { peer: "P3" }), message(clock, { name: "freespace", peer: "P1" }));
  await run(clock, 50);
  assert.deepEqual(poster.alertsPerCall().sort(), [1, 3]);
  const names = poster.calls.map((c) => (JSON.parse(c.body) as { groupLabels: { metric: string } }).groupLabels.metric).sort();
  assert.deepEqual(names, ["freespace", "ping"]);
});

test("sink - what arrives while a POST is in flight goes in the next POST, in log order, without a new window", async () => {
  const { clock, poster, deliver } = setup();
  let release: (() => void) | undefined;
  const answers: Promise<void>[] = [];
  poster.post = function (url, body, headers) {
    this.calls.push({ url, body: Buffer.from(body).toString(), raw: body, headers, at: clock.now() });
    const answered = new Promise<void>((r) => (release = r));
    answers.push(answered);
    return answered.then(() => status(200));
  };
  deliver(message(clock, { peer: "P1", kind: "firing" }));
  await run(clock, 30);
  assert.equal(poster.calls.length, 1, "the first POST is out");
  deliver(message(clock, { peer: "P1", kind: "resolved" }), message(clock, { peer: "P2" }));
  await run(clock, 100);
  assert.equal(poster.calls.length, 1, "the next waits for the first answer");
  release!();
  await run(clock, 5);
  assert.equal(poster.calls.length, 2);
  assert.equal(poster.calls[1]!.at, T0 + 130, "when the first answer came: no second window");
  const second = JSON.parse(poster.calls[1]!.body) as { alerts: { status: string; labels: { peer: string } }[] };
  assert.deepEqual(
    second.alerts.map((a) => `${a.labels.peer} ${a.status}`),
    ["P1 resolved", "P2 firing"],
  );
  release!();
});

test("sink - a batch larger than the maximum is split", async () => {
  const { clock, poster, deliver } = setup(undefined, 25, 4);
  deliver(...Array.from({ length: 10 }, (_, i) => message(clock, { peer: `P${i}` })));
  await run(clock, 50);
  assert.deepEqual(poster.alertsPerCall(), [4, 4, 2]);
});

test("sink - a 5xx is retried with backoff until a 2xx; acknowledged only then; counted by reason", async () => {
  const { clock, poster, sink, deliver, lines } = setup();
  poster.answer = () => status(503, "maintenance");
  const m = message(clock);
  deliver(m);
  await run(clock, 25);
  assert.equal(poster.calls.length, 1);
  assert.equal(m.acks, 0);
  assert.equal(sink.status().state, "retrying");
  // rng 0: waits of 250, 500, 1000 ms (the lower half of each ceiling).
  await run(clock, 250);
  assert.equal(poster.calls.length, 2);
  await run(clock, 500);
  assert.equal(poster.calls.length, 3);
  poster.answer = () => status(204);
  await run(clock, 1_000);
  assert.equal(poster.calls.length, 4);
  assert.equal(m.acks, 1);
  assert.deepEqual(
    { delivered: sink.counters.delivered, retried: sink.counters.retried, failed: sink.counters.failed.http_5xx },
    { delivered: 1, retried: 3, failed: 3 },
  );
  const warn = lines.filter((l) => l.level === 40);
  assert.equal(warn.length, 1, "one warning when the receiver starts failing, not one per attempt");
  assert.equal(warn[0]!.answer, "HTTP 503: maintenance");
  assert.ok(lines.some((l) => l.msg === "the receiver takes alerts again" && l.failedPosts === 3));
});

test("sink - alerts held while retrying are confirmed as in progress, so the log does not hand them to another instance", async () => {
  const { clock, poster, deliver } = setup();
  poster.answer = () => ({ kind: "connection", message: "ECONNREFUSED" });
  const m = message(clock);
  deliver(m);
  await run(clock, ACK_WAIT * 2, 500);
  assert.ok(m.workings >= 5, `${m.workings} in-progress confirmations over two AckWaits`);
  assert.equal(m.acks + m.naks.length, 0);
});

test("sink - a 4xx other than 408/429 is refused for good: acknowledged, counted, logged with the answer, not retried", async () => {
  const { clock, poster, sink, deliver, lines } = setup();
  poster.answer = () => status(400, `bad payload ${"x".repeat(500)}`);
  const m = message(clock);
  deliver(m);
  await run(clock, 60_000, 1_000);
  assert.equal(poster.calls.length, 1);
  assert.equal(m.acks, 1);
  assert.equal(sink.counters.rejected, 1);
  assert.equal(sink.counters.failed.http_4xx, 1);
  const line = lines.find((l) => String(l.msg).includes("refused alerts for good"));
  assert.ok(line, "logged");
  assert.match(String(line.answer), /^HTTP 400: bad payload x+…$/);
  assert.ok(String(line.answer).length < 230, "the answer is truncated");
});

test("sink - 408 and 429 are retried; a Retry-After longer than the backoff is honoured", async () => {
  const { clock, poster, deliver } = setup();
  poster.answer = () => ({ kind: "response", status: 429, body: "", retryAfterMs: 5_000 });
  deliver(message(clock));
  await run(clock, 25);
  poster.answer = () => status(408);
  await run(clock, 4_900, 100);
  assert.equal(poster.calls.length, 1, "waits for Retry-After");
  await run(clock, 200, 100);
  assert.equal(poster.calls.length, 2);
});

test("sink - a muted alert is acknowledged and counted, never posted", async () => {
  const { clock, poster, sink, deliver } = setup();
  const m = message(clock, { muted: true });
  deliver(m);
  await run(clock, 100);
  assert.equal(poster.calls.length, 0);
  assert.equal(m.acks, 1);
  assert.equal(sink.counters.muted, 1);
});

test("sink - a firing alert retried while the peer came back is dropped once the resolved alert is logged", async () => {
  const { clock, poster, sink, deliver } = setup();
  poster.answer = () => status(500);
  const firing = message(clock, { peer: "P1", kind: "firing" });
  deliver(firing);
  await run(clock, 25);
  const resolved = message(clock, { peer: "P1", kind: "resolved" });
  deliver(resolved);
  poster.answer = () => status(200);
  await run(clock, 2_000, 25);
  assert.equal(firing.acks, 1);
  assert.equal(resolved.acks, 1);
  assert.equal(sink.counters.superseded, 1);
  assert.equal(sink.counters.delivered, 1);
  const last = JSON.parse(poster.calls.at(-1)!.body) as { alerts: { status: string }[] };
  assert.deepEqual(
    last.alerts.map((a) => a.status),
    ["resolved"],
  );
});

test("sink - a message that is not an alert is acknowledged and counted, never posted", async () => {
  const { clock, poster, sink } = setup();
  const m = new FakeMessage(Uint8Array.from([0xc1, 0x00]), 5, T0);
  sink.accept(m);
  await run(clock, 100);
  assert.equal(poster.calls.length, 0);
  assert.equal(m.acks, 1);
  assert.equal(sink.counters.failed.undecodable, 1);
});

test("sink - stop releases what is held (handed out again at once) and posts nothing more", async () => {
  const { clock, poster, sink, deliver } = setup();
  poster.answer = () => status(500);
  const held = message(clock);
  deliver(held);
  await run(clock, 25);
  await sink.stop();
  assert.deepEqual(held.naks, [undefined]);
  assert.equal(held.acks, 0);
  const late = message(clock);
  sink.accept(late);
  await run(clock, 5_000, 100);
  assert.equal(poster.calls.length, 1);
  assert.deepEqual(late.naks, [undefined], "taken after stop: released at once");
});

test("sink - status: state, undelivered, oldest undelivered age since it was logged", async () => {
  const { clock, poster, sink, deliver } = setup();
  poster.answer = () => status(502);
  deliver(message(clock));
  await run(clock, 1_000, 25);
  deliver(message(clock, { peer: "P2" }));
  await run(clock, 500, 25);
  const s = sink.status();
  assert.equal(s.state, "retrying");
  assert.equal(s.undelivered, 2);
  assert.equal(s.oldestUndeliveredMs, 1_500);
  assert.equal(s.lastError?.reason, "http_5xx");
  assert.equal(s.kind, "webhook");
  assert.equal(s.url, "http://hooks.local/…");
});

test("sink - webhook bodies carry X-Peermon-Signature over their exact bytes", async () => {
  const { clock, poster, deliver } = setup(webhookDestination("https://hooks.local/in", "s3cret", links));
  deliver(message(clock));
  await run(clock, 30);
  const call = poster.calls[0]!;
  assert.ok(verifySignature(call.raw, "s3cret", call.headers["X-Peermon-Signature"]));
  assert.equal(call.url, "https://hooks.local/in");
});

test("sink - Alertmanager: POST /api/v2/alerts; credentials in the URL become a header and appear nowhere else", async () => {
  const d = alertmanagerDestination("http://ops:hunter2@am.local:9093", links);
  const { clock, poster, sink, deliver, logText } = setup(d);
  poster.answer = () => ({ kind: "connection", message: "connect ECONNREFUSED" });
  deliver(message(clock));
  await run(clock, 300, 25);
  const call = poster.calls[0]!;
  assert.equal(call.url, "http://am.local:9093/api/v2/alerts");
  assert.equal(call.headers.authorization, `Basic ${Buffer.from("ops:hunter2").toString("base64")}`);
  const shown = JSON.stringify(sink.status()) + logText();
  assert.doesNotMatch(shown, /hunter2|ops:/);
  assert.match(JSON.stringify(sink.status()), /http:\/\/\*\*\*@am\.local:9093/);
});
