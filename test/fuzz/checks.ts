/**
 * What the fuzz tests check after each batch, shared by the CI test and the long runner: every
 * message that reached the monitor is accounted for (stored, rejected by reason, or ignored), the
 * valid windows hold exactly the valid traffic, and the heap is measured after a full collection.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Monitor } from "../../src/monitor.js";
import type { MonitorStats } from "../../src/stats.js";
import type { FuzzDriver } from "./inputs.js";
import { waitUntil } from "../helpers/nats.js";

/** Counters of the metric path at one moment. */
export interface Counts {
  received: number;
  stored: number;
  rejected: number;
  ignored: number;
}

export function counts(stats: MonitorStats): Counts {
  return { received: stats.metricsReceived, stored: stats.metricsStored, rejected: stats.rejectedTotal(), ignored: stats.metricsIgnored };
}

/** Resolves once the monitor received `expected` metric messages in all. */
export function settled(monitor: Monitor, expected: number, timeoutMs = 30_000): Promise<void> {
  return waitUntil(
    () => monitor.stats.metricsReceived >= expected,
    `the monitor to receive ${expected} messages (got ${monitor.stats.metricsReceived})`,
    timeoutMs,
  );
}

/** Problems with the accounting since `before`, given that `sent` messages were published meanwhile. */
export function accountingErrors(before: Counts, after: Counts, sent: number): string[] {
  const d = (k: keyof Counts) => after[k] - before[k];
  const errors: string[] = [];
  if (d("received") !== sent) errors.push(`received ${d("received")} of ${sent} messages sent`);
  const outcomes = d("stored") + d("rejected") + d("ignored");
  if (outcomes !== d("received")) {
    errors.push(`received ${d("received")} but stored ${d("stored")} + rejected ${d("rejected")} + ignored ${d("ignored")} = ${outcomes}`);
  }
  return errors;
}

/** Valid windows whose latest metric is not the last valid metric sent to them. */
export function validWindowErrors(monitor: Monitor, driver: FuzzDriver): string[] {
  const errors: string[] = [];
  for (const [pair, value] of driver.lastValue) {
    const { name, peer } = driver.pool[pair]!;
    const latest = monitor.views.latestForPeer(name, peer);
    if (latest?.value !== value) errors.push(`${name}/${peer}: latest is ${latest?.value ?? "missing"}, last sent ${value}`);
  }
  return errors;
}

let collect: (() => void) | undefined;

/** heapUsed after a full garbage collection, bytes. */
export function heapAfterGc(): number {
  if (!collect) {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

export const mib = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
