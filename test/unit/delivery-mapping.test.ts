import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode, encodeAlert } from "../../src/api/codec.js";
import type { Alert } from "../../src/api/types.js";
import { alertmanagerBody, alertsEndpoint, rfc3339, summaryOf, toPostableAlert } from "../../src/delivery/alertmanager.js";
import {
  batchKey,
  decodeDisruptionEvent,
  decodeMetricEvent,
  eventKey,
  type DeliveryEvent,
  type DisruptionEvent,
  type MetricEvent,
} from "../../src/delivery/event.js";
import { fingerprint, webhookPayload, ZERO_TIME } from "../../src/delivery/webhook.js";

const T = Date.UTC(2026, 10, 23, 1, 5, 34, 250); // 2026-11-23T01:05:34.250Z
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const links = { statusPage: "http://monitor-1:9464/" };

function alert(over: Partial<Alert> = {}): Alert {
  return {
    name: "ping",
    peer: "P1",
    value: "ok",
    expire: 0n,
    valid: true,
    weight: 0n,
    partitionable: false,
    receivedAt: ns(T),
    ttl: ns(30_000),
    triggeredAt: ns(T + 30_002),
    id: "01JD0000000000000000000001",
    episode: "01JD0000000000000000000001",
    kind: "firing",
    ...over,
  } as Alert;
}

/** An alert as the log holds it, with wire keys changed or added. */
function logged(a: Alert, extra: Record<string, unknown> = {}): Uint8Array {
  return Uint8Array.from(encode({ ...(decode(encodeAlert(a)) as object), ...extra }));
}

test("delivery event - a logged alert decodes with its deadline (t + l), decision time and episode", () => {
  const e = decodeMetricEvent(Uint8Array.from(encodeAlert(alert())));
  assert.deepEqual(e, {
    type: "metric",
    status: "firing",
    name: "ping",
    peer: "P1",
    value: "ok",
    id: "01JD0000000000000000000001",
    episode: "01JD0000000000000000000001",
    muted: false,
    atMs: T + 30_002,
    deadlineMs: T + 30_000,
    receivedAtMs: T,
  });
});

test("delivery event - without ttl the deadline is the sender's expire (e)", () => {
  const { ttl: _ttl, ...noTtl } = alert();
  const e = decodeMetricEvent(Uint8Array.from(encodeAlert({ ...noTtl, expire: ns(T + 5_000) })));
  assert.equal(e.deadlineMs, T + 5_000);
});

test("delivery event - the episode (x) and muted (m) come from the wire; an alert logged before episodes opens its own", () => {
  const e = decodeMetricEvent(Uint8Array.from(encodeAlert(alert({ id: "REPEAT", episode: "FIRST", muted: true }))));
  assert.equal(e.episode, "FIRST");
  assert.equal(e.muted, true);
  assert.equal(decodeMetricEvent(logged(alert(), { m: false })).muted, false);
  const { x: _x, ...older } = decode(encodeAlert(alert({ id: "OLD" }))) as Record<string, unknown>;
  assert.equal(decodeMetricEvent(Uint8Array.from(encode(older))).episode, "OLD");
});

test("delivery event - what is not an alert is a TypeError, never a crash", () => {
  for (const data of [Uint8Array.from([0xc1]), Uint8Array.from(encode({ n: "ping" })), Uint8Array.from(encode({ n: "a", p: "b", k: "maybe", i: "x" }))]) {
    assert.throws(() => decodeMetricEvent(data), TypeError);
  }
});

test("delivery event - a disruption { n, k, f, c, i, r } decodes; started fires, ended resolves", () => {
  const started = decodeDisruptionEvent(Uint8Array.from(encode({ n: "ping", k: "started", f: 0.6, c: 30, i: "D1", r: ns(T) })));
  assert.deepEqual(started, { type: "disruption", status: "firing", name: "ping", id: "D1", episode: "D1", muted: false, atMs: T, fraction: 0.6, count: 30 });
  const ended = decodeDisruptionEvent(Uint8Array.from(encode({ n: "ping", k: "ended", f: 0.1, c: 5, i: "D2", r: ns(T + 60_000) })));
  assert.equal(ended.status, "resolved");
  for (const bad of [{ n: "ping", k: "begun", f: 0.5, i: "D", r: 1 }, { n: "a.b", k: "started", f: 0.5, i: "D", r: 1 }, { k: "started" }]) {
    assert.throws(() => decodeDisruptionEvent(Uint8Array.from(encode(bad))), TypeError);
  }
});

const firing: MetricEvent = decodeMetricEvent(Uint8Array.from(encodeAlert(alert())));
const resolved: MetricEvent = {
  ...decodeMetricEvent(Uint8Array.from(encodeAlert(alert({ kind: "resolved", id: "R1", receivedAt: ns(T + 90_000), triggeredAt: ns(T + 90_000) })))),
  startedAtMs: T + 30_000,
};
const disruption: DisruptionEvent = {
  type: "disruption",
  status: "firing",
  name: "ping",
  id: "D1",
  episode: "D1",
  muted: false,
  atMs: T,
  fraction: 0.6,
  count: 30,
};

test("alertmanager - a firing metric alert: labels, annotations, startsAt = deadline, no endsAt, generatorURL", () => {
  assert.deepEqual(toPostableAlert(firing, links), {
    labels: { alertname: "PeermonMetricExpired", metric: "ping", peer: "P1" },
    annotations: {
      summary: "Peer P1 stopped sending ping: silent since 2026-11-23T01:05:34.250Z, its last value expired at 2026-11-23T01:06:04.250Z",
      value: "ok",
      alert_id: "01JD0000000000000000000001",
    },
    startsAt: "2026-11-23T01:06:04.250Z",
    generatorURL: "http://monitor-1:9464/",
  });
});

test("alertmanager - a resolved alert keeps its episode's start and ends when the peer came back", () => {
  const a = toPostableAlert(resolved, links);
  assert.equal(a.startsAt, rfc3339(T + 30_000));
  assert.equal(a.endsAt, rfc3339(T + 90_000));
  assert.deepEqual(a.labels, { alertname: "PeermonMetricExpired", metric: "ping", peer: "P1" }, "the same labels: Alertmanager merges them");
  assert.match(a.annotations.summary!, /^Peer P1 is sending ping again/);
  const unknownStart = toPostableAlert({ ...resolved, startedAtMs: undefined }, links);
  assert.equal(unknownStart.startsAt, unknownStart.endsAt, "start unknown: starts when it ends (Alertmanager keeps the earlier start it has)");
});

test("alertmanager - a disruption has alertname PeermonDisruption and no peer", () => {
  const a = toPostableAlert(disruption, links);
  assert.deepEqual(a.labels, { alertname: "PeermonDisruption", metric: "ping" });
  assert.equal(a.startsAt, rfc3339(T));
  assert.equal(a.annotations.value, "30 peers, 60%");
  assert.match(summaryOf(disruption), /30 peers \(60%\) stopped sending ping at once/);
  const ended = toPostableAlert({ ...disruption, status: "resolved", atMs: T + 5_000, startedAtMs: T }, links);
  assert.deepEqual([ended.startsAt, ended.endsAt], [rfc3339(T), rfc3339(T + 5_000)]);
});

test("alertmanager - times beyond what RFC 3339 can say are clamped, not thrown", () => {
  assert.equal(rfc3339(Number.NaN), "1970-01-01T00:00:00.000Z");
  assert.equal(rfc3339(9e18), "9999-12-31T23:59:59.999Z");
  const hostile = decodeMetricEvent(Uint8Array.from(encodeAlert({ ...alert(), ttl: undefined, expire: 2n ** 62n })));
  assert.doesNotThrow(() => alertmanagerBody([hostile], links));
});

test("alertmanager - the body is a JSON array; the endpoint is <base>/api/v2/alerts", () => {
  const body = JSON.parse(Buffer.from(alertmanagerBody([firing, resolved], links)).toString()) as unknown[];
  assert.equal(body.length, 2);
  assert.equal(alertsEndpoint("http://am:9093"), "http://am:9093/api/v2/alerts");
  assert.equal(alertsEndpoint("http://am:9093/"), "http://am:9093/api/v2/alerts");
  assert.equal(alertsEndpoint("https://proxy/alertmanager/"), "https://proxy/alertmanager/api/v2/alerts");
  assert.equal(alertsEndpoint("http://am:9093/api/v2/alerts"), "http://am:9093/api/v2/alerts");
});

test("webhook - Alertmanager's version 4 payload, fields in its order, one group per metric name", () => {
  const other: MetricEvent = { ...firing, peer: "P2", id: "F2", episode: "F2", value: "late" };
  const p = webhookPayload([firing, other], links);
  assert.deepEqual(Object.keys(p), [
    "receiver",
    "status",
    "alerts",
    "groupLabels",
    "commonLabels",
    "commonAnnotations",
    "externalURL",
    "version",
    "groupKey",
    "truncatedAlerts",
  ]);
  assert.equal(p.version, "4");
  assert.equal(p.receiver, "peermon");
  assert.equal(p.status, "firing");
  assert.deepEqual(p.groupLabels, { alertname: "PeermonMetricExpired", metric: "ping" });
  assert.equal(p.groupKey, '{}:{alertname="PeermonMetricExpired", metric="ping"}');
  assert.deepEqual(p.commonLabels, { alertname: "PeermonMetricExpired", metric: "ping" }, "peer differs: not common");
  assert.deepEqual(p.commonAnnotations, {}, "summaries, values and ids differ");
  assert.equal(p.externalURL, "http://monitor-1:9464/");
  assert.equal(p.truncatedAlerts, 0);
  assert.deepEqual(Object.keys(p.alerts[0]!), ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"]);
  assert.equal(p.alerts[0]!.endsAt, ZERO_TIME, "firing: Go's zero time, as Alertmanager writes it");
  assert.match(p.alerts[0]!.fingerprint, /^[0-9a-f]{16}$/);
});

test("webhook - status is firing if any alert fires, resolved when all are; common labels of one alert are all of them", () => {
  assert.equal(webhookPayload([resolved, firing], links).status, "firing");
  const p = webhookPayload([resolved], links);
  assert.equal(p.status, "resolved");
  assert.deepEqual(p.commonLabels, { alertname: "PeermonMetricExpired", metric: "ping", peer: "P1" });
  assert.equal(p.alerts[0]!.endsAt, rfc3339(T + 90_000));
});

test("webhook - the fingerprint follows the episode: a repeat and the resolution keep it, a new episode changes it", () => {
  const repeat: MetricEvent = { ...firing, id: "REPEAT" };
  const end: MetricEvent = { ...resolved, episode: firing.episode };
  const next: MetricEvent = { ...firing, id: "NEXT", episode: "NEXT" };
  assert.equal(fingerprint(repeat), fingerprint(firing));
  assert.equal(fingerprint(end), fingerprint(firing));
  assert.notEqual(fingerprint(next), fingerprint(firing));
  assert.notEqual(fingerprint({ ...firing, peer: "P2" }), fingerprint(firing));
  assert.notEqual(fingerprint(disruption), fingerprint({ ...disruption, name: "freespace" }));
});

test("delivery event - keys: per (name, peer) for supersession, per metric name and kind for batches", () => {
  const events: DeliveryEvent[] = [firing, { ...firing, peer: "P2" }, disruption];
  assert.equal(new Set(events.map(eventKey)).size, 3);
  assert.equal(batchKey(events[0]!), batchKey(events[1]!));
  assert.notEqual(batchKey(events[0]!), batchKey(disruption));
});
