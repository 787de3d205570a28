import { test } from "node:test";
import assert from "node:assert/strict";
import type { ClientOptions, PeerMonitorClient } from "../../src/client/client.js";
import { metricFrom, type MetricInput } from "../../src/client/metric-input.js";
import { PeermonError } from "../../src/errors.js";

const NOW_MS = 1_700_000_000_000;

test("sdk input - a metric is valid unless it says otherwise (regression: an omitted valid published an invalid metric)", () => {
  const m = metricFrom({ name: "ping", peer: "P1", ttlMs: 30_000 }, NOW_MS);
  assert.equal(m.valid, true);
  assert.equal(metricFrom({ name: "ping", peer: "P1", ttlMs: 30_000, valid: false }, NOW_MS).valid, false);
});

test("sdk input - ttlMs in milliseconds becomes l in ns and e = now + ttl; other fields take their defaults", () => {
  assert.deepEqual(metricFrom({ name: "ping", peer: "P1", ttlMs: 30_000 }, NOW_MS), {
    name: "ping",
    peer: "P1",
    value: "",
    expire: 1_700_000_030_000_000_000n,
    valid: true,
    weight: 0n,
    partitionable: false,
    receivedAt: 0n,
    ttl: 30_000_000_000n,
  });
  const rows: [MetricInput, Partial<ReturnType<typeof metricFrom>>][] = [
    [
      { name: "n", peer: "p", ttlMs: 0 },
      { ttl: 0n, expire: 1_700_000_000_000_000_000n },
    ],
    [{ name: "n", peer: "p", ttlMs: 1.5 }, { ttl: 1_500_000n }],
    [{ name: "n", peer: "p", ttlMs: 1, weight: 42 }, { weight: 42n }],
    [{ name: "n", peer: "p", ttlMs: 1, weight: 2n ** 62n }, { weight: 2n ** 62n }],
    [
      { name: "n", peer: "p", ttlMs: 1, value: "v", partitionable: true },
      { value: "v", partitionable: true },
    ],
  ];
  for (const [input, want] of rows) {
    const got = metricFrom(input, NOW_MS);
    for (const [k, v] of Object.entries(want))
      assert.equal(got[k as keyof typeof got], v, `${JSON.stringify(input, (_, x) => (typeof x === "bigint" ? `${x}n` : x))}: ${k}`);
  }
});

test("sdk input - a ttl or weight that is not a number of the right kind is refused, saying what to give", () => {
  for (const ttlMs of [-1, Number.NaN, Infinity, "30s" as unknown as number, 30n as unknown as number]) {
    assert.throws(
      () => metricFrom({ name: "n", peer: "p", ttlMs }, NOW_MS),
      (e: Error) => e instanceof PeermonError && /ttlMs .*milliseconds/.test(e.message),
    );
  }
  for (const weight of [1.5, 2 ** 60, 2n ** 63n]) {
    assert.throws(() => metricFrom({ name: "n", peer: "p", ttlMs: 1, weight }, NOW_MS), /invalid weight .*whole number/);
  }
});

/**
 * Type checks, compiled by `npm run typecheck` and never run: the SDK takes milliseconds, so a
 * nanosecond bigint ttl, the wire's field names or a bigint ttlMs do not compile.
 */
export function wrongUnitsDoNotCompile(pm: PeerMonitorClient): void {
  // @ts-expect-error `ttl` (bigint ns, the wire's unit) is not an SDK input: write ttlMs
  pm.publishMetric({ name: "ping", peer: "P1", ttl: 30_000_000_000n });
  // @ts-expect-error ttlMs is a number of milliseconds, not a bigint
  pm.publishMetric({ name: "ping", peer: "P1", ttlMs: 30_000n });
  // @ts-expect-error the absolute expiry `expire` (ns) is computed from ttlMs, not given
  pm.publishMetric({ name: "ping", peer: "P1", ttlMs: 30_000, expire: 1n });
  // @ts-expect-error the informer takes ttlMs too
  pm.startInformer({ name: "ping", peer: "P1", ttl: 30_000_000_000n, produce: () => "ok" });
  // @ts-expect-error a query timeout is timeoutMs (milliseconds) as well
  void ({ timeout: 5_000 } satisfies ClientOptions);
}
