/**
 * Fakes for delivery's narrow interfaces, for unit tests on a ManualClock: a Poster whose answers
 * the test scripts, alert log messages that record acks, and a logger whose lines the test reads.
 * For integration tests: delivery started next to a monitor on a real nats-server.
 */
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { connect } from "nats";
import { Subjects } from "../../src/api/subjects.js";
import { SystemClock } from "../../src/clock.js";
import { resolveConfig, TEST_CONFIG, type ConfigInput } from "../../src/config.js";
import { Delivery } from "../../src/delivery/delivery.js";
import { silentLogger } from "../../src/log.js";
import { cleanup } from "./nats.js";
import { encodeAlert } from "../../src/api/codec.js";
import type { Alert } from "../../src/api/types.js";
import type { ManualClock } from "../../src/clock.js";
import type { LogMessage } from "../../src/delivery/feed.js";
import type { Answer, Poster } from "../../src/delivery/post.js";

export const T0 = 1_700_000_000_000;
const NS = 1_000_000n;

export interface PostCall {
  url: string;
  body: string;
  raw: Uint8Array;
  headers: Record<string, string>;
  at: number;
}

/** Answers from `answer` (default 200); records every call. */
export class FakePoster implements Poster {
  readonly calls: PostCall[] = [];
  answer: (call: PostCall) => Answer = () => ({ kind: "response", status: 200, body: "" });

  constructor(private readonly clock: ManualClock) {}

  post(url: string, body: Uint8Array, headers: Record<string, string>): Promise<Answer> {
    const call = { url, body: Buffer.from(body).toString(), raw: body, headers, at: this.clock.now() };
    this.calls.push(call);
    return Promise.resolve(this.answer(call));
  }

  /** Alerts per call, from the JSON bodies (Alertmanager array or webhook payload). */
  alertsPerCall(): number[] {
    return this.calls.map((c) => {
      const body = JSON.parse(c.body) as unknown[] | { alerts: unknown[] };
      return Array.isArray(body) ? body.length : body.alerts.length;
    });
  }
}

export function status(code: number, body = ""): Answer {
  return { kind: "response", status: code, body };
}

export class FakeMessage implements LogMessage {
  acks = 0;
  naks: (number | undefined)[] = [];
  workings = 0;

  constructor(
    readonly data: Uint8Array,
    readonly seq: number,
    readonly loggedAtMs: number,
    readonly deliveries = 1,
  ) {}

  ack(): void {
    this.acks++;
  }

  nak(delayMs?: number): void {
    this.naks.push(delayMs);
  }

  working(): void {
    this.workings++;
  }

  get settled(): boolean {
    return this.acks > 0 || this.naks.length > 0;
  }
}

let seq = 0;

/** A logged alert message of (name, peer), firing unless said otherwise, opening its own episode. */
export function message(clock: ManualClock, over: Partial<Alert> & { seq?: number } = {}): FakeMessage {
  const s = over.seq ?? ++seq;
  const alert = {
    name: "ping",
    peer: "P1",
    value: "v",
    expire: 0n,
    valid: true,
    weight: 0n,
    partitionable: false,
    receivedAt: BigInt(Math.round(clock.now() - 1_000)) * NS,
    ttl: 1_000n * NS,
    triggeredAt: BigInt(Math.round(clock.now())) * NS,
    id: `ID${s}`,
    episode: `ID${s}`,
    kind: "firing",
    ...over,
  } as Alert;
  return new FakeMessage(Uint8Array.from(encodeAlert(alert)), s, clock.now());
}

/** Lets promise continuations run (several macrotask turns). */
export async function flush(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Advances the clock by `ms` in steps of `stepMs`, letting promises run after each step. */
export async function run(clock: ManualClock, ms: number, stepMs = 5): Promise<void> {
  await flush();
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(Math.min(stepMs, ms - t));
    await flush();
  }
}

/** A pino logger whose lines (parsed) land in `lines`. */
export function capturedLogger(): { log: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), lines, text: () => raw.join("\n") };
}

// ---- integration: delivery next to a monitor, over a real nats-server ----------------------------

/**
 * Delivery settings for tests: a short AckWait and re-post interval, so that redelivery and
 * keeping alerts alive are observable in seconds.
 */
export const TEST_DELIVERY: ConfigInput = { deliveryAckWaitMs: 2_000, alertmanagerRepostMs: 1_000 };

/**
 * Delivery on its own connection to `server`, as a monitor runs it (until the monitor wires it
 * in), with the test preset and `overrides`; stopped after the test. `jetstream: false` runs it from memory.
 */
export async function startDelivery(
  t: Parameters<typeof cleanup>[0],
  server: { url: string },
  overrides: ConfigInput,
  o: { log?: Logger; tracks?: (name: string, peer: string) => boolean } = {},
): Promise<Delivery> {
  const config = resolveConfig({ ...TEST_CONFIG, ...TEST_DELIVERY, ...overrides, nats: { servers: server.url } });
  const nc = await connect({ servers: server.url, name: "test-delivery", maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  cleanup(t, () => nc.close());
  const jsm = config.jetstream ? await nc.jetstreamManager() : undefined;
  const delivery = await Delivery.start({
    nc,
    jsm,
    subjects: new Subjects(config.prefix),
    settings: config,
    clock: new SystemClock(),
    rng: Math.random,
    log: o.log ?? silentLogger,
    ...(o.tracks ? { tracks: o.tracks } : {}),
  });
  if (!delivery) throw new Error("startDelivery: no destination in the settings");
  cleanup(t, () => delivery.stop());
  return delivery;
}
