import { test } from "node:test";
import assert from "node:assert/strict";
import { deliveryLines } from "../../src/cli/delivery-status.js";
import type { DeliveryStatus } from "../../src/delivery/delivery.js";
import type { SinkStatus } from "../../src/delivery/sink-status.js";
import { FAILURE_REASONS } from "../../src/delivery/post.js";

function sink(over: Partial<SinkStatus> = {}): SinkStatus {
  return {
    id: "webhook-1a2b3c4d",
    kind: "webhook",
    url: "https://hooks.example.com/…",
    feed: "peermon-deliver-webhook-1a2b3c4d",
    state: "idle",
    undelivered: 0,
    oldestUndeliveredMs: null,
    backlog: 0,
    lastError: null,
    lastDeliveredAtMs: null,
    counters: {
      delivered: 12,
      retried: 0,
      muted: 0,
      superseded: 0,
      past: 0,
      rejected: 0,
      reposted: 0,
      posts: 3,
      failed: Object.fromEntries(FAILURE_REASONS.map((r) => [r, 0])) as SinkStatus["counters"]["failed"],
    },
    ...over,
  };
}

test("status - delivery lines: one per sink, its state, what it holds, its counters", () => {
  const failing = sink({
    id: "alertmanager-00ff00ff",
    kind: "alertmanager",
    url: "http://am-0:9093",
    state: "retrying",
    undelivered: 3,
    oldestUndeliveredMs: 90_000,
    lastError: { reason: "connection", detail: "fetch failed (ECONNREFUSED)", atMs: 0 },
  });
  failing.counters = { ...failing.counters, delivered: 5, retried: 9, reposted: 40, failed: { ...failing.counters.failed, connection: 9 } };
  const d: DeliveryStatus = { mode: "alert log", episodes: 4, sinks: [failing, sink()] };
  assert.deepEqual(deliveryLines(d), [
    "  delivery (from the alert log):",
    "    alertmanager http://am-0:9093: retrying, 3 undelivered (oldest 1m30s) | delivered 5, retried 9, failed 9 (connection 9), re-posted 40 | last error: connection: fetch failed (ECONNREFUSED)",
    "    webhook https://hooks.example.com/…: ok | delivered 12, retried 0, failed 0",
  ]);
});

test("status - no delivery, no lines; from memory says so", () => {
  assert.deepEqual(deliveryLines(undefined), []);
  assert.deepEqual(deliveryLines({ mode: "alert log", episodes: 0, sinks: [] }), []);
  assert.equal(deliveryLines({ mode: "memory", episodes: 0, sinks: [sink()] })[0], "  delivery (from memory: no JetStream):");
});
