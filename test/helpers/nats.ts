/**
 * Integration-test helpers: a real nats-server per test on a free port (stopped even when the test
 * fails), monitors with the test preset, publishing and collecting alerts like a real client.
 */
import type { TestContext } from "node:test";
import { connect, type NatsConnection } from "nats";
import { fileURLToPath } from "node:url";
import { encode } from "../../src/api/codec.js";
import { decodeAlert } from "../../src/api/validate.js";
import type { Alert } from "../../src/api/types.js";
import { LocalNatsServer, type LocalNatsOptions } from "../../src/cli/local-nats.js";
import { resolveConfig, TEST_CONFIG, type ConfigInput } from "../../src/config.js";
import { Monitor, type MonitorOptions } from "../../src/monitor.js";

export const REPO_NATS_CONF = fileURLToPath(new URL("../../nats.conf", import.meta.url));

type Hooks = Pick<TestContext, "after"> | { after: (fn: () => unknown) => void };

const stacks = new WeakMap<object, (() => unknown)[]>();

/** A cleanup step that has not finished after this long fails the test instead of hanging the run. */
const CLEANUP_TIMEOUT_MS = 30_000;

/**
 * Registers `fn` to run after the test, last registered first (node:test runs `after` hooks in
 * registration order; resources must go in reverse: clients and monitors before their server).
 * Every step runs even when an earlier one failed or hung; the first failure is reported.
 */
export function cleanup(t: Hooks, fn: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const fresh: (() => unknown)[] = [];
    stacks.set(t, fresh);
    t.after(async () => {
      let failure: unknown;
      for (const f of fresh.reverse()) {
        try {
          await bounded(Promise.resolve().then(f), CLEANUP_TIMEOUT_MS, `cleanup step ${f.toString().slice(0, 80)}`);
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure) throw failure;
    });
    stack = fresh;
  }
  stack.push(fn);
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A nats-server for this test (or suite), stopped in `after`. */
export async function natsServer(t: Hooks, options: LocalNatsOptions = {}): Promise<LocalNatsServer> {
  const server = await LocalNatsServer.start(options);
  cleanup(t, () => server.stop());
  return server;
}

/** A monitor on `server` with the test preset and `overrides`, stopped in `after`. */
export async function startMonitor(t: Hooks, server: { url: string }, overrides: ConfigInput = {}, options: MonitorOptions = {}): Promise<Monitor> {
  const config = resolveConfig({ ...TEST_CONFIG, ...overrides, nats: { servers: server.url, ...overrides.nats } });
  const monitor = await Monitor.start(config, options);
  cleanup(t, () => monitor.stop());
  return monitor;
}

/** A plain client connection, closed in `after`. */
export async function client(t: Hooks, server: { url: string }, name = "test-client"): Promise<NatsConnection> {
  const nc = await connect({ servers: server.url, name, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  cleanup(t, () => nc.close());
  return nc;
}

export interface TestMetric {
  n: string;
  p: string;
  v?: string;
  d?: boolean;
  /** ttl in ms (sent as `l` in ns). */
  ttlMs?: number;
  /** absolute expiry (sent as `e`, ns). */
  e?: bigint;
  w?: number;
}

/** Publishes a metric the way a peer would: msgpack map on peermon.metrics.<n>.<p>. */
export function publishMetric(nc: NatsConnection, m: TestMetric, prefix = "peermon"): void {
  const wire: Record<string, unknown> = { n: m.n, p: m.p, v: m.v ?? "1", d: m.d ?? true };
  if (m.ttlMs !== undefined) wire.l = BigInt(Math.round(m.ttlMs * 1e6));
  if (m.e !== undefined) wire.e = m.e;
  if (m.w !== undefined) wire.w = m.w;
  nc.publish(`${prefix}.metrics.${m.n}.${m.p}`, encode(wire));
}

export function publishPeerSet(nc: NatsConnection, peers: string[], prefix = "peermon"): void {
  nc.publish(`${prefix}.peerset`, encode({ s: peers, i: `ps-${Date.now()}` }));
}

/** Collects alerts on a subject; `waitFor` resolves when a predicate holds over them. */
export class AlertCollector {
  readonly alerts: Alert[] = [];
  private waiters: (() => void)[] = [];

  static async start(t: Hooks, nc: NatsConnection, subject = "peermon.alerts.>"): Promise<AlertCollector> {
    const c = new AlertCollector();
    const sub = nc.subscribe(subject, {
      callback: (err, m) => {
        if (err) return;
        c.alerts.push(decodeAlert(m.data));
        for (const w of c.waiters) w();
      },
    });
    await nc.flush();
    cleanup(t, () => sub.unsubscribe());
    return c;
  }

  of(kind: Alert["kind"], peer?: string, name?: string): Alert[] {
    return this.alerts.filter((a) => a.kind === kind && (!peer || a.peer === peer) && (!name || a.name === name));
  }

  /** Resolves when `predicate` holds; rejects after `timeoutMs` with `what` in the message. */
  waitFor(predicate: (alerts: Alert[]) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    return waitUntil(
      () => predicate(this.alerts),
      what,
      timeoutMs,
      (wake) => this.waiters.push(wake),
    );
  }
}

/**
 * Resolves once `condition()` is true: checked on every notification from `subscribe` (if any) and
 * every 20 ms. For conditions on counters and state that have no event of their own.
 */
export function waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000, subscribe?: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (condition()) return resolve();
    const started = Date.now();
    const check = () => {
      if (condition()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }
    };
    const timer = setInterval(check, 20);
    subscribe?.(check);
  });
}

/** Resolves after `ms`: only to prove that something does NOT happen within a window. */
export function quietPeriod(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Like waitUntil, for a condition that must be asked over the network (a query): re-asked every 100 ms. */
export async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await condition()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
}
