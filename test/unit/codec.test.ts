import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decode,
  encode,
  encodeAlert,
  encodeDisruption,
  encodeMetric,
  encodeMetrics,
  encodePeerSet,
  MAX_MESSAGE_BYTES,
  MAX_PEERSET_BYTES,
} from "../../src/api/codec.js";
import { libp2pIds, peersEncodingTo } from "../helpers/peer-ids.js";
import {
  decodeAlert,
  decodeDisruption,
  decodeMetric,
  decodeMetricList,
  decodeMetricMessage,
  decodePeerSetMessage,
  MESSAGE_REJECT_REASONS,
  wireToMetric,
  type RejectReason,
} from "../../src/api/validate.js";
import type { Alert, Metric } from "../../src/api/types.js";

const SUBJECT = "peermon.metrics.ping.P1";
const OFFSET = 16;
const BIG_EXPIRE = 1_800_000_000_123_456_789n;
const UINT64_MAX_BYTES = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

const METRIC: Metric = {
  name: "ping",
  peer: "P1",
  value: "42",
  expire: BIG_EXPIRE,
  valid: true,
  weight: -7n,
  partitionable: true,
  receivedAt: 1_700_000_000_000_000_001n,
};

/** `base` encoded as a fixmap, plus one more entry `key` whose value is the raw msgpack `value`. */
function withRawField(base: Record<string, unknown>, key: string, value: number[]): Uint8Array {
  const bytes = Buffer.from(encode(base));
  assert.ok(bytes[0]! >= 0x80 && bytes[0]! < 0x8f, "base must be a small fixmap");
  bytes[0] = bytes[0]! + 1;
  return Buffer.concat([bytes, Buffer.from(encode(key)), Buffer.from(value)]);
}

/** A metric payload of exactly `size` bytes (its value is padded). */
function metricOfSize(size: number): Uint8Array {
  const probe = encode({ n: "ping", p: "P1", v: "x".repeat(1_000) }).length;
  const bytes = encode({ n: "ping", p: "P1", v: "x".repeat(1_000 + size - probe) });
  assert.equal(bytes.length, size);
  return bytes;
}

test("codec - encodeMetric writes a plain map with keys n p v e d w o t, and l only with a ttl", () => {
  const plain = decode(encodeMetric(METRIC)) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(plain), Object.prototype);
  assert.deepEqual(Object.keys(plain).sort(), ["d", "e", "n", "o", "p", "t", "v", "w"]);
  assert.equal(plain.n, "ping");
  assert.equal(plain.v, "42");
  assert.equal(plain.d, true);
  const withTtl = decode(encodeMetric({ ...METRIC, ttl: 30_000_000_000n })) as Record<string, unknown>;
  assert.deepEqual(Object.keys(withTtl).sort(), ["d", "e", "l", "n", "o", "p", "t", "v", "w"]);
  assert.equal(BigInt(withTtl.l as number | bigint), 30_000_000_000n);
});

test("codec - int64 values round-trip exactly", () => {
  const plain = decode(encodeMetric(METRIC)) as Record<string, unknown>;
  assert.equal(plain.e, BIG_EXPIRE);
  assert.equal(plain.t, 1_700_000_000_000_000_001n);
  const extremes = { ...METRIC, expire: 2n ** 63n - 1n, weight: -(2n ** 63n), receivedAt: 0n, ttl: 1n };
  assert.deepEqual(decodeMetric(encodeMetric(extremes)), extremes);
});

test("codec - output is plain msgpack maps, never msgpackr's record extension", () => {
  for (let i = 0; i < 50; i++) {
    const bytes = encodeMetric({ ...METRIC, value: String(i), ttl: i % 2 ? 5n : undefined });
    assert.ok((bytes[0]! & 0xf0) === 0x80 || bytes[0] === 0xde, `first byte 0x${bytes[0]!.toString(16)} is a map`);
    assert.ok(bytes[0] !== 0xd4 && bytes[0] !== 0xd5 && bytes[0] !== 0xc7, "no ext type");
  }
  const list = encodeMetrics([METRIC, METRIC, METRIC]);
  assert.equal(list[0], 0x93, "a fixarray of three");
  assert.equal(list[1]! & 0xf0, 0x80, "whose items are maps");
  const ps = encodePeerSet({ peers: ["a"], id: "x" });
  assert.equal(ps[0], 0x82);
});

test("codec - decodeMetricMessage accepts a valid metric on its subject", () => {
  const result = decodeMetricMessage(encodeMetric(METRIC), SUBJECT, OFFSET);
  assert.ok(result.ok);
  assert.deepEqual(wireToMetric(result.value), METRIC);
  const partitioned = decodeMetricMessage(encodeMetric(METRIC), "peermon.part.7.metrics.ping.P1", 23);
  assert.equal(partitioned.ok, true);
});

test("codec - a message of exactly 64 KiB is accepted, one byte more is too_large", () => {
  assert.equal(MAX_MESSAGE_BYTES, 65_536);
  assert.equal(decodeMetricMessage(metricOfSize(MAX_MESSAGE_BYTES), SUBJECT, OFFSET).ok, true);
  assert.deepEqual(decodeMetricMessage(metricOfSize(MAX_MESSAGE_BYTES + 1), SUBJECT, OFFSET), { ok: false, reason: "too_large" });
});

const valid = encode({ n: "ping", p: "P1", d: true });
const m = (fields: Record<string, unknown>) => encode({ n: "ping", p: "P1", ...fields });

const REJECTIONS: [what: string, data: Uint8Array, reason: RejectReason, subject?: string, offset?: number][] = [
  ["payload over 64 KiB", m({ v: "x".repeat(MAX_MESSAGE_BYTES) }), "too_large"],
  ["truncated bytes", valid.subarray(0, valid.length - 1), "undecodable"],
  ["trailing bytes after a valid map", Buffer.concat([valid, Buffer.from([0x01])]), "undecodable"],
  ["two maps back to back", Buffer.concat([valid, valid]), "undecodable"],
  ["empty buffer", new Uint8Array(0), "undecodable"],
  ["no n", encode({ p: "P1" }), "missing_field"],
  ["no p", encode({ n: "ping" }), "missing_field"],
  ["n: null", m({ n: null }), "missing_field"],
  ["p: null", m({ p: null }), "missing_field"],
  ["payload is an array", encode(["ping", "P1"]), "wrong_type"],
  ["payload is a string", encode("ping"), "wrong_type"],
  ["payload is a number", encode(42), "wrong_type"],
  ["payload is nil", encode(null), "wrong_type"],
  ["payload is binary", encode(Buffer.from("ping")), "wrong_type"],
  ["n is a number", m({ n: 42 }), "wrong_type"],
  ["p is a boolean", m({ p: true }), "wrong_type"],
  ["v is a number", m({ v: 42 }), "wrong_type"],
  ["v is binary", m({ v: Buffer.from("42") }), "wrong_type"],
  ["d is a string", m({ d: "true" }), "wrong_type"],
  ["o is a number", m({ o: 1 }), "wrong_type"],
  ["e is a string", m({ e: "1800000000000000000" }), "wrong_type"],
  ["e is a float", m({ e: 1.5 }), "wrong_type"],
  ["w is a float", m({ w: 2.5 }), "wrong_type"],
  ["t is a boolean", m({ t: false }), "wrong_type"],
  ["l is a boolean", m({ l: true }), "wrong_type"],
  ["n with a dot", m({ n: "a.b" }), "bad_token"],
  ["empty n", m({ n: "" }), "bad_token"],
  ["p with a space", m({ p: "x y" }), "bad_token"],
  ["p with a wildcard", m({ p: "P*" }), "bad_token"],
  ["n longer than 255 bytes", m({ n: "n".repeat(256) }), "bad_token"],
  ["n differs from the subject", m({ n: "pong" }), "subject_mismatch"],
  ["p differs from the subject", m({ p: "P2" }), "subject_mismatch"],
  ["subject with an extra token", valid, "subject_mismatch", "peermon.metrics.ping.P1.x"],
  ["subject that is not a metric subject", valid, "subject_mismatch", "other.metrics.ping.P1", -1],
  ["negative l", m({ l: -1 }), "out_of_range"],
  ["negative int64 l", m({ l: -(2n ** 40n) }), "out_of_range"],
  ["e as uint64 above int64 max", withRawField({ n: "ping", p: "P1" }, "e", UINT64_MAX_BYTES), "out_of_range"],
  ["w as uint64 2^63", withRawField({ n: "ping", p: "P1" }, "w", [0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0]), "out_of_range"],
];

for (const [what, data, reason, subject = SUBJECT, offset = OFFSET] of REJECTIONS) {
  test(`codec - rejects ${what} as ${reason}`, () => {
    assert.deepEqual(decodeMetricMessage(data, subject, offset), { ok: false, reason });
  });
}

test("codec - the rejection table covers every reason", () => {
  assert.deepEqual(new Set(REJECTIONS.map(([, , reason]) => reason)), new Set(MESSAGE_REJECT_REASONS));
});

test("codec - omitted optional fields take their zero values", () => {
  const result = decodeMetricMessage(encode({ n: "ping", p: "P1" }), SUBJECT, OFFSET);
  assert.ok(result.ok);
  const metric = wireToMetric(result.value);
  assert.deepEqual(metric, {
    name: "ping",
    peer: "P1",
    value: "",
    expire: 0n,
    valid: false,
    weight: 0n,
    partitionable: false,
    receivedAt: 0n,
  });
  assert.equal("ttl" in metric, false);
});

test("codec - msgpack nil counts as an omitted field", () => {
  const nils = { v: null, d: null, e: null, w: null, o: null, t: null, l: null };
  const result = decodeMetricMessage(m(nils), SUBJECT, OFFSET);
  assert.ok(result.ok);
  const metric = wireToMetric(result.value);
  assert.equal(metric.value, "");
  assert.equal(metric.valid, false);
  assert.equal(metric.expire, 0n);
  assert.equal(metric.weight, 0n);
  assert.equal("ttl" in metric, false);
});

test("codec - unknown extra keys are ignored", () => {
  const result = decodeMetricMessage(m({ d: true, x: 1, extra: "yes", nested: { a: [1, 2] } }), SUBJECT, OFFSET);
  assert.ok(result.ok);
  assert.equal(wireToMetric(result.value).valid, true);
});

test("codec - uint64 values within the int64 range are accepted", () => {
  const cases: [bytes: number[], want: bigint][] = [
    [[0xcf, 0, 0, 0, 0, 0, 0, 0, 5], 5n],
    [[0xcf, 0x18, 0xfa, 0xe2, 0x76, 0x9b, 0x0f, 0xcd, 0x15], BIG_EXPIRE],
    [[0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2n ** 63n - 1n],
  ];
  for (const [bytes, want] of cases) {
    const result = decodeMetricMessage(withRawField({ n: "ping", p: "P1" }, "e", bytes), SUBJECT, OFFSET);
    assert.ok(result.ok, `0x${Buffer.from(bytes).toString("hex")}`);
    assert.equal(wireToMetric(result.value).expire, want);
  }
});

test("codec - a zero ttl is kept as a ttl", () => {
  const result = decodeMetricMessage(m({ l: 0 }), SUBJECT, OFFSET);
  assert.ok(result.ok);
  assert.equal(wireToMetric(result.value).ttl, 0n);
});

test("codec - decodePeerSetMessage accepts a peer list and drops duplicates", () => {
  const id = "01J0000000000000000000000A";
  assert.deepEqual(decodePeerSetMessage(encode({ s: ["a", "b", "a", "c", "b"], i: id })), {
    ok: true,
    value: { peers: ["a", "b", "c"], id },
  });
  assert.deepEqual(decodePeerSetMessage(encodePeerSet({ peers: ["x"], id })), { ok: true, value: { peers: ["x"], id } });
});

test("codec - decodePeerSetMessage accepts an empty peer list", () => {
  assert.deepEqual(decodePeerSetMessage(encode({ s: [] })), { ok: true, value: { peers: [], id: "" } });
});

const PEERSET_REJECTIONS: [what: string, data: Uint8Array, reason: RejectReason][] = [
  ["missing s", encode({ i: "x" }), "missing_field"],
  ["s: null", encode({ s: null }), "missing_field"],
  ["s is not an array", encode({ s: "a" }), "wrong_type"],
  ["s with a non-string", encode({ s: ["a", 1] }), "wrong_type"],
  ["s with a bad token", encode({ s: ["a", "b c"] }), "bad_token"],
  ["i of the wrong type", encode({ s: ["a"], i: 5 }), "wrong_type"],
  ["payload is an array", encode(["a"]), "wrong_type"],
  ["undecodable bytes", Buffer.from([0x81, 0xa1]), "undecodable"],
];

for (const [what, data, reason] of PEERSET_REJECTIONS) {
  test(`codec - decodePeerSetMessage rejects ${what} as ${reason}`, () => {
    assert.deepEqual(decodePeerSetMessage(data), { ok: false, reason });
  });
}

test("codec - decodePeerSetMessage takes 10,000 libp2p ids (over the 64 KiB metric limit)", () => {
  const peers = libp2pIds(10_000);
  const data = encodePeerSet({ peers, id: "01J0000000000000000000000A" });
  assert.ok(data.length > 500_000 && data.length > MAX_MESSAGE_BYTES, `${data.length} bytes`);
  const decoded = decodePeerSetMessage(data);
  assert.ok(decoded.ok);
  assert.equal(decoded.value.peers.length, 10_000);
});

test("codec - decodePeerSetMessage rejects a PeerSet one byte over its limit as too_large, never decoded", () => {
  const data = encodePeerSet({ peers: peersEncodingTo(100_000), id: "01J0000000000000000000000A" });
  assert.equal(data.length, 100_000);
  assert.equal(decodePeerSetMessage(data, 100_000).ok, true, "exactly at the limit is accepted");
  assert.deepEqual(decodePeerSetMessage(data, 99_999), { ok: false, reason: "too_large" });
  assert.equal(MAX_PEERSET_BYTES, 64 * 1024 * 1024, "the default: nats-server's highest max_payload");
  assert.deepEqual(decodePeerSetMessage(new Uint8Array(MAX_PEERSET_BYTES + 1)), { ok: false, reason: "too_large" });
});

test("codec - decodeMetric, decodeMetricList and decodeAlert read what the encoders write", () => {
  const withTtl: Metric = { ...METRIC, peer: "P2", valid: false, ttl: 15_000_000_000n };
  assert.deepEqual(decodeMetric(encodeMetric(METRIC)), METRIC);
  assert.deepEqual(decodeMetric(encodeMetric(withTtl)), withTtl);
  assert.deepEqual(decodeMetricList(encodeMetrics([METRIC, withTtl])), [METRIC, withTtl]);
  assert.deepEqual(decodeMetricList(encodeMetrics([])), []);
  for (const kind of ["firing", "resolved"] as const) {
    const alert: Alert = { ...withTtl, triggeredAt: 1_700_000_000_123_000_000n, id: "01J0000000000000000000000A", kind, episode: "01J0000000000000000000000E" };
    assert.deepEqual(decodeAlert(encodeAlert(alert)), alert);
    assert.deepEqual(decodeAlert(encodeAlert({ ...alert, muted: true })), { ...alert, muted: true });
  }
});

test("codec - an alert carries its episode as x, and m only when muted", () => {
  const alert: Alert = { ...METRIC, triggeredAt: 1n, id: "01J0000000000000000000000A", kind: "firing", episode: "01J0000000000000000000000E" };
  const wire = decode(encodeAlert(alert)) as Record<string, unknown>;
  assert.equal(wire.x, "01J0000000000000000000000E");
  assert.equal("m" in wire, false, "m is omitted when false, as IPFS Cluster's codec omits zero values");
  assert.equal((decode(encodeAlert({ ...alert, muted: true })) as Record<string, unknown>).m, true);
  const { x: _x, ...older } = wire;
  assert.equal(decodeAlert(encode(older)).episode, alert.id, "an alert logged before episodes opened its own");
  assert.throws(() => decodeAlert(encode({ ...wire, x: 7 })), /fields x, m/);
  assert.throws(() => decodeAlert(encode({ ...wire, m: "yes" })), /fields x, m/);
});

const GARBAGE: [what: string, data: Uint8Array][] = [
  ["empty buffer", new Uint8Array(0)],
  ["truncated map", Buffer.from([0x82, 0xa1])],
  ["reserved byte 0xc1", Buffer.from([0xc1])],
  ["a string", encode("hello")],
  ["a map without n and p", encode({ x: 1 })],
  ["a metric with a bad token", encode({ n: "a.b", p: "P1" })],
];

test("codec - client decoders throw TypeError on garbage", () => {
  for (const [what, data] of GARBAGE) {
    assert.throws(() => decodeMetric(data), TypeError, `decodeMetric: ${what}`);
    assert.throws(() => decodeMetricList(data), TypeError, `decodeMetricList: ${what}`);
    assert.throws(() => decodeAlert(data), TypeError, `decodeAlert: ${what}`);
  }
  assert.throws(() => decodeMetricList(encode([{ n: "ping", p: "P1" }, { n: "ping" }])), TypeError);
  assert.throws(() => decodeMetricList(encodeMetric(METRIC)), TypeError, "a single metric is not a list");
});

test("codec - decodeAlert requires r, i and a known k", () => {
  const alert = { n: "ping", p: "P1", r: 1, i: "id", k: "firing" };
  assert.equal(decodeAlert(encode(alert)).kind, "firing");
  assert.throws(() => decodeAlert(encodeMetric(METRIC)), TypeError);
  assert.throws(() => decodeAlert(encode({ ...alert, k: "pending" })), TypeError);
  assert.throws(() => decodeAlert(encode({ ...alert, i: 7 })), TypeError);
  assert.throws(() => decodeAlert(encode({ ...alert, r: "now" })), TypeError);
});

test("codec - a disruption event is the plain map { n, k, f, c, i, r }, and garbage is refused", () => {
  const event = { name: "ping", kind: "started" as const, fraction: 0.6, count: 12, id: "01JBX7Q3ZK8Y3W6T0C1M2N4P5R", triggeredAt: 1_700_000_000_123_456_789n };
  const bytes = encodeDisruption(event);
  assert.deepEqual(decode(bytes), { n: "ping", k: "started", f: 0.6, c: 12, i: event.id, r: event.triggeredAt });
  assert.deepEqual(decodeDisruption(bytes), event);
  assert.equal(decodeDisruption(encodeDisruption({ ...event, kind: "ended", fraction: 1 })).fraction, 1, "an integral fraction packs as an int");
  for (const bad of [
    { ...event, n: "a.b" },
    { n: "ping", k: "begun", f: 0.5, c: 1, i: "x", r: 1 },
    { n: "ping", k: "ended", f: 1.5, c: 1, i: "x", r: 1 },
    [1, 2],
  ]) {
    assert.throws(() => decodeDisruption(encode(bad)), TypeError);
  }
});
