import { test } from "node:test";
import assert from "node:assert/strict";
import { isValidToken, partitionOf, Subjects, tailMatches, type MetricSubjectTail } from "../../src/api/subjects.js";

/** Reference FNV-1a 32 over the UTF-8 bytes, written independently of the code under test. */
function fnv1a32(text: string): number {
  let hash = 2166136261n;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= BigInt(byte);
    hash = (hash * 16777619n) % 2n ** 32n;
  }
  return Number(hash);
}

/** Deterministic xorshift32, so that the "random" names are the same on every run. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const CODE_POINTS = [0x61, 0x7a, 0x30, 0x3a, 0x2d, 0x5f, 0xe9, 0xfc, 0x3b1, 0x65e5, 0x672c, 0xffef, 0x1f600, 0x10348];

function randomToken(next: () => number): string {
  const length = 1 + (next() % 12);
  let s = "";
  for (let i = 0; i < length; i++) {
    const pick = next() % 3;
    s += pick === 0 ? String.fromCodePoint(CODE_POINTS[next() % CODE_POINTS.length]!) : String.fromCharCode(0x21 + (next() % 0x5e));
  }
  return s;
}

const VALID_TOKENS = [
  "ping",
  "freespace",
  "tag:group",
  "P1",
  "12D3KooWabc",
  "ünïcode",
  "日本",
  "a",
  "-_~!@#$%^&()",
  "x".repeat(255),
  "€".repeat(85),
  "😀".repeat(63),
];

const INVALID_TOKENS: [what: string, value: unknown][] = [
  ["empty", ""],
  ["space", "a b"],
  ["tab", "a\tb"],
  ["newline", "a\nb"],
  ["carriage return", "a\r"],
  ["non-breaking space", "a\u00a0b"],
  ["dot", "a.b"],
  ["star", "*"],
  ["star inside", "a*b"],
  ["greater-than", ">"],
  ["greater-than inside", "a>b"],
  ["256 ASCII bytes", "x".repeat(256)],
  ["86 three-byte chars (258 bytes)", "€".repeat(86)],
  ["64 four-byte chars (256 bytes)", "😀".repeat(64)],
  ["number", 42],
  ["undefined", undefined],
  ["null", null],
  ["object", { toString: () => "ping" }],
  ["array", ["ping"]],
];

test("subjects - isValidToken accepts 1-255 UTF-8 bytes without whitespace, '.', '*' or '>'", () => {
  for (const token of VALID_TOKENS) assert.equal(isValidToken(token), true, JSON.stringify(token));
  assert.equal(Buffer.byteLength("€".repeat(85)), 255);
});

for (const [what, value] of INVALID_TOKENS) {
  test(`subjects - isValidToken rejects ${what}`, () => {
    assert.equal(isValidToken(value), false);
  });
}

test("subjects - partitionOf equals FNV-1a 32 of the UTF-8 bytes modulo the partition count", () => {
  const next = xorshift(0x5eed);
  const names = ["ping", "freespace", "tag:group", "ünïcode", "日本", "😀", "a", "P1", "x".repeat(255)];
  for (let i = 0; i < 500; i++) names.push(randomToken(next));
  for (const name of names) {
    const hash = fnv1a32(name);
    for (const partitions of [1, 2, 3, 7, 32, 1024]) {
      assert.equal(partitionOf(name, partitions), hash % partitions, `${JSON.stringify(name)} mod ${partitions}`);
    }
  }
});

test("subjects - partitionOf matches known FNV-1a 32 values", () => {
  // Published FNV-1a 32 test vectors: "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
  assert.equal(fnv1a32("a"), 0xe40c292c);
  assert.equal(fnv1a32("foobar"), 0xbf9cf968);
  assert.equal(partitionOf("a", 2 ** 31), 0xe40c292c % 2 ** 31);
  assert.equal(partitionOf("foobar", 1_000_003), 0xbf9cf968 % 1_000_003);
});

test("subjects - builders produce the contract's subjects", () => {
  const s = new Subjects("peermon");
  const cases: [got: string, want: string][] = [
    [s.metric("ping", "P1"), "peermon.metrics.ping.P1"],
    [s.alert("ping", "P1"), "peermon.alerts.ping.P1"],
    [s.alertFilter(), "peermon.alerts.*.*"],
    [s.alertFilter("ping"), "peermon.alerts.ping.*"],
    [s.alertFilter(undefined, "P1"), "peermon.alerts.*.P1"],
    [s.alertFilter("ping", "P1"), "peermon.alerts.ping.P1"],
    [s.latest("freespace"), "peermon.latest.freespace"],
    [s.peer("ping", "P1"), "peermon.peer.ping.P1"],
    [s.latestEndpoint(), "peermon.latest.*"],
    [s.latestEndpoint("*"), "peermon.part.*.latest.*"],
    [s.latestEndpoint(3), "peermon.part.3.latest.*"],
    [s.peerEndpoint(), "peermon.peer.*.*"],
    [s.peerEndpoint("*"), "peermon.part.*.peer.*.*"],
    [s.peerEndpoint(0), "peermon.part.0.peer.*.*"],
    [s.partitionedMetrics(7), "peermon.part.7.metrics.>"],
    [s.partitionedMetrics("*"), "peermon.part.*.metrics.>"],
    [s.metricsAll, "peermon.metrics.>"],
    [s.partitionedMetricsAll, "peermon.part.*.metrics.>"],
    [s.peerset, "peermon.peerset"],
    [s.alertsAll, "peermon.alerts.>"],
    [s.names, "peermon.names"],
  ];
  for (const [got, want] of cases) assert.equal(got, want);
});

test("subjects - builders use the configured prefix", () => {
  const s = new Subjects("mon");
  assert.equal(s.metric("ping", "P1"), "mon.metrics.ping.P1");
  assert.equal(s.latestEndpoint(5), "mon.part.5.latest.*");
  assert.equal(s.peerset, "mon.peerset");
});

test("subjects - queryTokens returns the last token(s) of a query subject", () => {
  const s = new Subjects("peermon");
  assert.deepEqual(s.queryTokens("peermon.latest.freespace", 1), ["freespace"]);
  assert.deepEqual(s.queryTokens("peermon.part.3.peer.ping.P1", 2), ["ping", "P1"]);
});

const TAILS: [subject: string, offset: number, partition: number][] = [
  ["peermon.metrics.ping.P1", 16, -1],
  ["peermon.part.7.metrics.ping.P1", 23, 7],
  ["peermon.part.0.metrics.ping.P1", 23, 0],
  ["peermon.part.31.metrics.ping.P1", 24, 31],
  ["peermon.part.x.metrics.a.b", -1, -1],
  ["peermon.part..metrics.a.b", -1, -1],
  ["peermon.part.7.latest.a", -1, -1],
  ["peermon.part.7metrics.a.b", -1, -1],
  ["peermon.latest.ping", -1, -1],
  ["other.metrics.a.b", -1, -1],
  ["peermonx.metrics.a.b", -1, -1],
  ["", -1, -1],
];

for (const [subject, offset, partition] of TAILS) {
  test(`subjects - metricTail of ${JSON.stringify(subject)} is offset ${offset}, partition ${partition}`, () => {
    const s = new Subjects("peermon");
    const out: MetricSubjectTail = { offset: 99, partition: 99 };
    assert.equal(s.metricTail(subject, out), out, "fills and returns the given object");
    assert.deepEqual(out, { offset, partition });
    if (offset >= 0) assert.equal(subject.slice(offset), "ping.P1");
  });
}

const MATCHES: [what: string, subject: string, name: string, peer: string, match: boolean][] = [
  ["exact", "peermon.metrics.ping.P1", "ping", "P1", true],
  ["exact, partitioned", "peermon.part.7.metrics.ping.P1", "ping", "P1", true],
  ["extra token", "peermon.metrics.ping.P1.x", "ping", "P1", false],
  ["extra token before", "peermon.metrics.x.ping.P1", "ping", "P1", false],
  ["missing peer", "peermon.metrics.ping", "ping", "P1", false],
  ["different peer", "peermon.metrics.ping.P2", "ping", "P1", false],
  ["peer is a suffix of the subject's peer", "peermon.metrics.ping.XP1", "ping", "P1", false],
  ["different name", "peermon.metrics.pong.P1", "ping", "P1", false],
  ["name is a prefix of the subject's name", "peermon.metrics.pingpong.P1", "ping", "P1", false],
  ["subject's name is a prefix of the name", "peermon.metrics.ping.P1", "pingpong", "P1", false],
  ["name and peer swapped", "peermon.metrics.P1.ping", "ping", "P1", false],
  ["non-ASCII exact", "peermon.metrics.日本.ünï", "日本", "ünï", true],
];

for (const [what, subject, name, peer, match] of MATCHES) {
  test(`subjects - tailMatches ${match ? "accepts" : "rejects"} ${what}`, () => {
    const tail = new Subjects("peermon").metricTail(subject, { offset: -1, partition: -1 });
    assert.equal(tailMatches(subject, tail.offset, name, peer), match);
  });
}
