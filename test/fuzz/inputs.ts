/**
 * Hostile metric traffic for the fuzz tests (test/integration/fuzz.test.ts, a few thousand inputs
 * in CI) and the long fuzz runner (test/fuzz/run.ts, `npm run fuzz`): fast-check arbitraries for
 * every kind of input, and a driver that publishes them and remembers what the valid traffic was.
 *
 * Valid traffic goes to a fixed pool of (name, peer) pairs whose names start with "ok-" (unicode,
 * 1- and 255-byte tokens among them), garbage to other names, so that the valid windows can be
 * checked exactly: each one's latest metric is the last one sent to it.
 */
import fc from "fast-check";
import type { NatsConnection } from "nats";
import { encode, MAX_MESSAGE_BYTES } from "../../src/api/codec.js";

const NS_PER_MS = 1_000_000n;
const utf8Bytes = (s: string) => Buffer.byteLength(s, "utf8");

export const INPUT_KINDS = ["valid", "bytes", "corrupted", "msgpack", "mutated", "wrong_subject", "oversize"] as const;
export type InputKind = (typeof INPUT_KINDS)[number];

/** One message to publish; valid ones are built by the driver, which numbers their values. */
export type FuzzInput =
  | { kind: "valid"; pair: number; repeat: boolean; stale: boolean }
  | { kind: Exclude<InputKind, "valid">; subject: string; data: Uint8Array };

export const metricSubject = (name: string, peer: string) => `peermon.metrics.${name}.${peer}`;

// ---- tokens -----------------------------------------------------------------------------------

/** One character a subject token may hold: printable, not whitespace, `.`, `*` or `>`. */
const tokenChar = fc
  .oneof(
    { weight: 6, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme-composite", minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  )
  .filter((c) => !/[\s.*>\p{Cc}]/u.test(c));

/** A valid token (1-255 UTF-8 bytes, unicode included), safe in a subject. */
export const token = fc
  .oneof(
    { weight: 8, arbitrary: fc.array(tokenChar, { minLength: 1, maxLength: 24 }).map((cs) => cs.join("")) },
    { weight: 1, arbitrary: fc.constantFrom("x".repeat(255), "é".repeat(127), "🚀".repeat(63)) },
  )
  .filter((s) => utf8Bytes(s) <= 255);

/** Garbage metric names: a small pool (windows pile up under them) or fresh ones (names pile up). */
const garbageName = fc.oneof(
  fc.integer({ min: 0, max: 63 }).map((i) => `fz-${i}`),
  token.map((s) => `fz${s}`.slice(0, 200)),
);

// ---- the valid pool ---------------------------------------------------------------------------

export interface Pair {
  name: string;
  peer: string;
}

/** The (name, peer) pairs valid traffic goes to: fixed edge cases plus sampled tokens. */
export function validPool(seed: number, sampled = 6): Pair[] {
  const names = ["ok-ping", "ok-π-ピア-🚀", `ok-${"n".repeat(252)}`, "ok-f", ...fc.sample(token, { seed, numRuns: sampled }).map((s) => `ok-${s}`)];
  const peers = [
    "P",
    "12D3KooWBhSXUCm1Fz3DgtuLpuZhQJz9sLGjdWVxpX2dfQWY1Xyz",
    "ピア",
    "p".repeat(255),
    ...fc.sample(token, { seed: seed + 1, numRuns: sampled }),
  ];
  const pairs: Pair[] = [];
  for (const name of names) for (const peer of peers) if (utf8Bytes(name) <= 255) pairs.push({ name, peer });
  return pairs;
}

// ---- payloads ---------------------------------------------------------------------------------

/** A well-formed metric map for (n, p), fresh for a minute. */
export function validWire(n: string, p: string, v: string, nowMs = Date.now()): Record<string, unknown> {
  const ttl = 60_000n * NS_PER_MS;
  return { n, p, v, e: BigInt(nowMs) * NS_PER_MS + ttl, d: true, w: 1, o: false, t: 0, l: ttl };
}

/** Garbage is built at a fixed time (2026-01-01), so that a seed gives the same bytes on every run. */
const GARBAGE_AT_MS = 1_767_225_600_000;

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Values that do not belong in a metric field: wrong types, extremes, very long and unicode strings. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    true,
    false,
    "",
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    1.5,
    -1,
    Number.MAX_SAFE_INTEGER + 1,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    INT64_MIN,
    2n ** 63n - 1n,
    2n ** 63n,
    UINT64_MAX,
    -1n,
    0n,
    1n,
    // ttl and expire extremes: negative, zero, a day, the largest; far past and far future
    -60_000_000_000n,
    86_400_000_000_000n,
    1n,
    2n ** 62n,
  ),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: INT64_MIN, max: UINT64_MAX }),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.integer({ min: 256, max: 70_000 }).map((n) => "v".repeat(n)),
  fc.uint8Array({ maxLength: 32 }),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 3 }),
);

const FIELDS = ["n", "p", "v", "e", "d", "w", "o", "t", "l", "x", "__proto__"] as const;

/** A valid metric with one field replaced (or removed, or added). */
const mutated = fc
  .record({ name: garbageName, peer: token, field: fc.constantFrom(...FIELDS), value: weirdValue, remove: fc.boolean() })
  .map(({ name, peer, field, value, remove }) => {
    const wire = validWire(name, peer, "m", GARBAGE_AT_MS);
    if (remove) delete wire[field];
    else wire[field] = value;
    // The subject follows a mutated name or peer when it can stand in a subject.
    const subjectName = field === "n" && isSubjectSafe(value) ? value : name;
    const subjectPeer = field === "p" && isSubjectSafe(value) ? value : peer;
    return { subject: metricSubject(subjectName, subjectPeer), data: safeEncode(wire) };
  });

/** Any msgpack value: what any library may send, including maps with metric keys. */
const msgpackValue = fc.oneof(
  fc.anything({
    maxDepth: 3,
    maxKeys: 6,
    withBigInt: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withDate: true,
    withTypedArray: true,
    withSparseArray: true,
    withUnicodeString: true,
  }),
  fc.dictionary(fc.constantFrom(...FIELDS), weirdValue, { maxKeys: 9 }),
);

/** A valid metric's bytes with some bytes overwritten, some cut off, or some appended. */
const corrupted = fc
  .record({
    name: garbageName,
    peer: token,
    edits: fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
    cut: fc.option(fc.nat()),
    tail: fc.uint8Array({ maxLength: 4 }),
  })
  .map(({ name, peer, edits, cut, tail }) => {
    const bytes = Uint8Array.from(encode(validWire(name, peer, "c", GARBAGE_AT_MS)));
    for (const { at, byte } of edits) bytes[at % bytes.length] = byte;
    const kept = cut === null ? bytes : bytes.subarray(0, cut % bytes.length);
    return { subject: metricSubject(name, peer), data: Buffer.concat([kept, tail]) };
  });

/** A valid metric on a subject that does not match it: other tokens, extra or missing tokens, any partition. */
const wrongSubject = fc
  .record({ name: garbageName, peer: token, other: token, k: fc.integer({ min: 0, max: 99 }), shape: fc.nat(5) })
  .map(({ name, peer, other, k, shape }) => {
    const subject = [
      `peermon.metrics.${name}`,
      `peermon.metrics.${name}.${peer}.${other}`,
      `peermon.metrics.${other}.${peer}`,
      `peermon.metrics.${name}.${other}`,
      `peermon.part.${k}.metrics.${name}.${peer}`,
      `peermon.part.${k}.metrics.${name}`,
    ][shape]!;
    return { subject, data: encode(validWire(name, peer, "w", GARBAGE_AT_MS)) };
  });

/** A valid metric over the 64 KiB limit. */
const oversize = fc.record({ name: garbageName, peer: token, extra: fc.integer({ min: 1, max: 16_384 }) }).map(({ name, peer, extra }) => ({
  subject: metricSubject(name, peer),
  data: encode(validWire(name, peer, "o".repeat(MAX_MESSAGE_BYTES + extra), GARBAGE_AT_MS)),
}));

const garbage = <K extends FuzzInput["kind"]>(kind: K, arb: fc.Arbitrary<{ subject: string; data: Uint8Array }>) =>
  arb.map((x) => ({ kind, ...x }) as FuzzInput);

/** One fuzz input; `pairs` is the size of the valid pool. */
export function fuzzInput(pairs: number): fc.Arbitrary<FuzzInput> {
  const onGarbageSubject = fc.record({ name: garbageName, peer: token });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("valid" as const), pair: fc.nat(pairs - 1), repeat: fc.boolean(), stale: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: garbage(
        "bytes",
        fc
          .record({ at: onGarbageSubject, data: fc.uint8Array({ maxLength: 300 }) })
          .map(({ at, data }) => ({ subject: metricSubject(at.name, at.peer), data })),
      ),
    },
    { weight: 2, arbitrary: garbage("corrupted", corrupted) },
    {
      weight: 2,
      arbitrary: garbage(
        "msgpack",
        fc
          .record({ at: onGarbageSubject, value: msgpackValue })
          .map(({ at, value }) => ({ subject: metricSubject(at.name, at.peer), data: safeEncode(value) })),
      ),
    },
    { weight: 4, arbitrary: garbage("mutated", mutated) },
    { weight: 2, arbitrary: garbage("wrong_subject", wrongSubject) },
    { weight: 1, arbitrary: garbage("oversize", oversize) },
  );
}

/** msgpack of `value`, or of a string saying it could not be encoded (msgpackr refuses a few values). */
function safeEncode(value: unknown): Uint8Array {
  try {
    return encode(value);
  } catch {
    return encode(`unencodable ${typeof value}`);
  }
}

function isSubjectSafe(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && utf8Bytes(value) <= 1_000 && !/[\s.*>\p{Cc}]|\p{Cs}/u.test(value);
}

// ---- the driver -------------------------------------------------------------------------------

/** Publishes fuzz inputs and keeps what the valid windows must hold. */
export class FuzzDriver {
  /** Messages published (each reaches a monitor that owns every partition). */
  sent = 0;
  readonly byKind = Object.fromEntries(INPUT_KINDS.map((k) => [k, 0])) as Record<InputKind, number>;
  /** The value of the last valid metric sent to each pair. */
  readonly lastValue = new Map<number, string>();
  private readonly lastBytes = new Map<number, Uint8Array>();
  private seq = 0;

  constructor(
    private readonly nc: NatsConnection,
    readonly pool: Pair[],
  ) {}

  publish(input: FuzzInput): void {
    this.byKind[input.kind]++;
    this.sent++;
    if (input.kind !== "valid") return this.nc.publish(input.subject, input.data);
    const { name, peer } = this.pool[input.pair]!;
    const previous = this.lastBytes.get(input.pair);
    if (input.repeat && previous) return this.nc.publish(metricSubject(name, peer), previous); // a duplicate
    const value = `v${++this.seq}`;
    // A stale metric is valid but out of order: it expired on the sender's clock, long ago.
    const wire = validWire(name, peer, value, input.stale ? Date.now() - 3_600_000 : Date.now());
    if (input.stale) delete wire.l;
    const data = encode(wire);
    this.lastValue.set(input.pair, value);
    this.lastBytes.set(input.pair, data);
    this.nc.publish(metricSubject(name, peer), data);
  }

  /** Sends one valid metric to every pair of the pool (so that their windows exist before any cap fills). */
  warmUp(): void {
    for (let pair = 0; pair < this.pool.length; pair++) this.publish({ kind: "valid", pair, repeat: false, stale: false });
  }
}
