/**
 * A Supervisor on a ManualClock with fakes for its two narrow interfaces: an AlertSink that records
 * what it accepted (and can refuse), and a Reachability whose round trips the test answers, by hand
 * (`sup.reachable()`) or automatically on the next microtask (`auto`, then `await settle()`).
 */
import { ManualClock } from "../../src/clock.js";
import { encode } from "../../src/api/codec.js";
import type { Alert } from "../../src/api/types.js";
import { silentLogger } from "../../src/log.js";
import { Supervisor, type AlertSink, type Reachability } from "../../src/actors/supervisor.js";

export const T0 = 1_700_000_000_000;
/** Nanoseconds per second, for `l` and `e`. */
export const SEC = 1_000_000_000;

export class FakeSink implements AlertSink {
  readonly accepted: Alert[] = [];
  refuse = false;
  refused = 0;

  offer(alert: Alert): boolean {
    if (this.refuse) {
      this.refused++;
      return false;
    }
    this.accepted.push(alert);
    return true;
  }
}

export class FakeReachability implements Reachability {
  requests = 0;
  supervisor: Supervisor | undefined;

  constructor(private readonly auto: boolean) {}

  request(): void {
    this.requests++;
    if (this.auto) queueMicrotask(() => this.supervisor!.reachable());
  }
}

/** Lets queued microtasks (automatic round-trip answers) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

export interface SetupOptions {
  /** Answer every round trip on the next microtask. @default true */
  auto?: boolean;
  repeatIntervalMs?: number;
  maxWindows?: number;
  maxNames?: number;
}

export function setup(options: SetupOptions = {}) {
  const clock = new ManualClock(T0);
  const sink = new FakeSink();
  const reach = new FakeReachability(options.auto ?? true);
  const sup = new Supervisor({
    clock,
    sink,
    reachability: reach,
    log: silentLogger,
    windowCapacity: 10,
    maxWindows: options.maxWindows ?? 1_000_000,
    maxNames: options.maxNames ?? 1_000,
    repeatIntervalMs: options.repeatIntervalMs ?? 0,
    graceMs: 1_000,
    stallThresholdMs: 1_000,
    prefix: "peermon",
    partitions: 32,
    rejectLogIntervalMs: 0,
  });
  reach.supervisor = sup;

  /**
   * A metric of `peer` on its public subject: valid with a 2 s ttl unless `fields` say otherwise;
   * a field given as undefined is left out of the message.
   */
  const publish = (peer: string, fields: Record<string, unknown> = {}, name = "ping") => {
    const wire: Record<string, unknown> = { n: name, p: peer, v: "1", d: true, l: 2 * SEC, ...fields };
    for (const key of Object.keys(wire)) if (wire[key] === undefined) delete wire[key];
    sup.receive(`peermon.metrics.${name}.${peer}`, encode(wire));
  };

  /** Advances `ms` (0: runs what is due now) in steps of `step`, letting round trips come back after each. */
  const run = async (ms: number, step = 100) => {
    let left = ms;
    do {
      const by = Math.min(step, left);
      clock.advance(by);
      await settle();
      left -= by;
    } while (left > 0);
  };

  /** Accepted alerts as "kind name/peer", in order. */
  const alerts = () => sink.accepted.map((a) => `${a.kind} ${a.name}/${a.peer}`);
  const state = (name = "ping") => sup.stateCounts()[name];
  const elapsed = () => clock.now() - T0;

  return { clock, sink, reach, sup, publish, run, alerts, state, elapsed };
}

/** Window counts per state, as `stateCounts()` gives them for one name. */
export function counts(healthy: number, expired: number, alerted: number) {
  return { healthy, expired, alerted };
}

/** Unix ns of a monitor-clock time in ms. */
export function ns(ms: number): bigint {
  return BigInt(ms) * 1_000_000n;
}
