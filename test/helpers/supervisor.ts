/**
 * A monitor's windows (wireWindows: the Supervisor and its units) on a ManualClock with fakes for its two narrow interfaces: an AlertTransport (behind
 * the real outbox) that records what it accepted, confirming at once, and can refuse; and a
 * RoundTrip whose round trips the test answers, by hand (`reach.back()`, `reach.fail()`) or
 * automatically on the next microtask (`auto`, then `await settle()`). Messages enter through the
 * real intake, as from the bus.
 */
import { ManualClock } from "../../src/clock.js";
import { encode } from "../../src/api/codec.js";
import type { Alert, DisruptionEvent, SuspicionEvent } from "../../src/api/types.js";
import type { Muter } from "../../src/actors/muter.js";
import { silentLogger, type Logger } from "../../src/log.js";
import type { RoundTrip } from "../../src/actors/self-health.js";
import type { DisruptionSettings } from "../../src/actors/supervisor-options.js";
import { wireWindows } from "../../src/actors/window-units.js";
import { isAlert, type Emission } from "../../src/actors/emission.js";
import { Outbox, type Transport } from "../../src/actors/outbox.js";
import { rhythmDetectors } from "../../src/window/detectors/rhythm.js";
import { MetricIntake } from "../../src/bus/intake.js";
import { MonitorStats } from "../../src/stats.js";

export const T0 = 1_700_000_000_000;
/** Nanoseconds per second, for `l` and `e`. */
export const SEC = 1_000_000_000;

/**
 * A transport that takes every emission and confirms it at once, unless told to refuse
 * (disconnected); what it took is listed by kind.
 */
export class FakeSink implements Transport {
  readonly accepted: Alert[] = [];
  /** The suspicion events taken, in order. */
  readonly suspicions: SuspicionEvent[] = [];
  /** The disruption events taken, in order. */
  readonly disruptions: DisruptionEvent[] = [];
  refuse = false;
  refused = 0;

  send(item: Emission, done: (err?: unknown) => void): boolean {
    if (this.refuse) {
      this.refused++;
      return false;
    }
    if (isAlert(item)) this.accepted.push(item);
    else if (item.kind === "suspect" || item.kind === "cleared") this.suspicions.push(item as SuspicionEvent);
    else this.disruptions.push(item as DisruptionEvent);
    done();
    return true;
  }
}

export class FakeReachability implements RoundTrip {
  requests = 0;
  private pending: ((ok: boolean) => void)[] = [];

  constructor(private readonly auto: boolean) {}

  request(done: (ok: boolean) => void): void {
    this.requests++;
    if (this.auto) queueMicrotask(() => done(true));
    else this.pending.push(done);
  }

  /** The round trips out came back. */
  back(): void {
    for (const done of this.pending.splice(0)) done(true);
  }

  /** The round trips out failed. */
  fail(): void {
    for (const done of this.pending.splice(0)) done(false);
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
  /** The silences (or any Muter). @default none */
  muter?: Muter;
  /** Disruption mode; events are recorded in `disruptions`. @default off */
  disruption?: Partial<Omit<DisruptionSettings, "announce">>;
  /** Early suspicion with the rhythm detector; events are recorded in `suspicions`. @default off */
  suspicion?: boolean;
  /** Where the windows log. @default silent */
  log?: Logger;
  /** Minimum ms between two bursts of warnings. @default 0 */
  rejectLogIntervalMs?: number;
  /** Expiry confirmation (`--confirm auto`) with its default options. @default off */
  confirmation?: boolean;
}

export function setup(options: SetupOptions = {}) {
  const clock = new ManualClock(T0);
  const sink = new FakeSink();
  const reach = new FakeReachability(options.auto ?? true);
  const stats = new MonitorStats();
  const outbox = new Outbox({ transport: sink, clock, stats, log: silentLogger, maxInFlight: 64, random: Math.random });
  const units = wireWindows({
    clock,
    outbox,
    suspects: options.suspicion ? { detectors: rhythmDetectors() } : undefined,
    confirmation: options.confirmation ? {} : undefined,
    roundTrip: reach,
    log: options.log ?? silentLogger,
    windowCapacity: 10,
    maxWindows: options.maxWindows ?? 1_000_000,
    maxNames: options.maxNames ?? 1_000,
    repeatIntervalMs: options.repeatIntervalMs ?? 0,
    graceMs: 1_000,
    stallThresholdMs: 1_000,
    rejectLogIntervalMs: options.rejectLogIntervalMs ?? 0,
    stats,
    muter: options.muter,
    disruption: options.disruption && {
      threshold: 0.5,
      minPeers: 10,
      hysteresis: 0.2,
      checkIntervalMs: 1_000,
      recountMs: 100,
      ...options.disruption,
    },
  });
  const sup = units.supervisor;
  const intake = new MetricIntake({
    target: sup,
    stats,
    log: silentLogger,
    clock,
    prefix: "peermon",
    partitions: 32,
    rejectLogIntervalMs: 0,
  });

  /**
   * A metric of `peer` on its public subject: valid with a 2 s ttl unless `fields` say otherwise;
   * a field given as undefined is left out of the message.
   */
  const publish = (peer: string, fields: Record<string, unknown> = {}, name = "ping") => {
    const wire: Record<string, unknown> = { n: name, p: peer, v: "1", d: true, l: 2 * SEC, ...fields };
    for (const key of Object.keys(wire)) if (wire[key] === undefined) delete wire[key];
    intake.receive(`peermon.metrics.${name}.${peer}`, encode(wire));
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
  const state = (name = "ping") => units.views.stateCounts()[name];
  const elapsed = () => clock.now() - T0;

  /** Published suspicion events as "kind peer", in order. */
  const suspicions = () => sink.suspicions.map((e) => `${e.kind} ${e.peer}`);
  const disruptions = sink.disruptions;
  return { clock, sink, reach, sup, units, outbox, intake, publish, run, alerts, state, elapsed, disruptions, suspicions };
}

/** Window counts per state, as `stateCounts()` gives them for one name. */
export function counts(healthy: number, expired: number, alerted: number) {
  return { healthy, expired, alerted };
}

/** Unix ns of a monitor-clock time in ms. */
export function ns(ms: number): bigint {
  return BigInt(ms) * 1_000_000n;
}
