/**
 * `peermon demo`, wired: a local nats-server (the repo's nats.conf, a free port, a temporary store),
 * an in-process monitor, the simulated fleet and its scenario publishing through the SDK, alerts
 * followed as any consumer would (`client.alerts()`), and a summary of the monitor's windows every
 * second. It runs until the duration or a signal, then stops everything it started, in reverse.
 */
import { rmSync } from "node:fs";
import type { Alert } from "../../api/types.js";
import { WINDOW_STATES, type WindowState } from "../../actors/window-machine.js";
import { openConnection } from "../../bus/connection.js";
import { PeerMonitorClient } from "../../client/client.js";
import { resolveConfig } from "../../config.js";
import { describe, PeermonError } from "../../errors.js";
import { createLogger } from "../../log.js";
import { Monitor } from "../../monitor.js";
import { LocalNatsServer } from "../local-nats.js";
import { REPO_NATS_CONF } from "../serve.js";
import { Fleet } from "./fleet.js";
import { Scenario, seededRandom } from "./scenario.js";
import type { AlertTotals, DemoView, Summary } from "./view.js";

export interface DemoOptions {
  /** Peers at the start. @default 50 */
  peers: number;
  /** Metric names every peer publishes. @default ping, freespace, numpin, pinqueue */
  names: string[];
  /** Time to live of each metric, ms; a dead peer is alerted about this long after it died. @default 3000 */
  ttlMs: number;
  /** Stop after this long, ms; 0 runs until a signal. @default 30000 */
  durationMs: number;
  /** Seed of the simulation's random choices. @default a random one, shown at the start */
  seed: number;
}

export const DEMO_DEFAULTS = Object.freeze({
  peers: 50,
  names: Object.freeze(["ping", "freespace", "numpin", "pinqueue"]),
  ttlMs: 3_000,
  durationMs: 30_000,
});

/**
 * The monitor's grace after its own outage, ms: short, so that a demo whose laptop slept shows
 * recovery within seconds rather than the 30 s a production monitor waits.
 */
export const DEMO_GRACE_MS = 2_000;
/** How often the summary is shown, ms. */
export const SUMMARY_EVERY_MS = 1_000;

type Outcome = { reason: string; failure?: PeermonError };

/** Runs the demo until `durationMs` or SIGINT/SIGTERM; a second signal while stopping kills at once. */
export async function runDemo(o: DemoOptions, view: DemoView): Promise<void> {
  const teardown: (() => Promise<unknown> | void)[] = [];
  let server: LocalNatsServer | undefined;
  let outcome: Outcome = { reason: "error" };
  const ended = deferred<Outcome>();
  // Listened to from the start to the very end, so that no signal falls back to Node's default
  // (an exit that would leave the nats-server behind).
  const signals = catchSignals(
    (name) => ended.resolve({ reason: name }),
    () => {
      view.close();
      process.stderr.write("peermon demo: second signal: stopping at once (nats-server killed)\n");
      const nats = server;
      void (nats ? nats.kill().then(() => rmSync(nats.storeDir, { recursive: true, force: true })) : Promise.resolve())
        .catch(() => undefined)
        .finally(() => process.exit(130));
    },
  );
  let started = Date.now();
  const elapsed = () => Date.now() - started;
  const totals: AlertTotals = { firing: 0, resolved: 0 };
  try {
    server = await LocalNatsServer.start({ configFile: REPO_NATS_CONF });
    const nats = server;
    teardown.push(() => nats.stop());
    const config = resolveConfig({ nats: { servers: nats.url }, graceMs: DEMO_GRACE_MS, logLevel: "warn" });
    const monitor = await Monitor.start(config, { log: createLogger("warn") });
    teardown.push(() => monitor.stop());
    const nc = await openConnection({ servers: nats.url }, { name: "peermon-demo fleet" });
    teardown.push(() => (nc.isClosed() ? undefined : nc.drain().catch(() => nc.close())));
    const client = new PeerMonitorClient(nc);

    const random = seededRandom(o.seed);
    const fleet = new Fleet({
      client,
      peers: o.peers,
      names: o.names,
      ttlMs: o.ttlMs,
      random,
      onEvent: (e) => view.fleet(e, elapsed()),
      onError: (err) => view.warn(`a peerset change failed (${describe(err)}); the demo goes on`),
    });
    teardown.push(() => fleet.stop());
    const current = () => summarize(elapsed(), fleet, monitor, o.names, totals);
    view.start({ ...o, graceMs: DEMO_GRACE_MS, natsUrl: nats.url, natsPid: nats.pid, current });
    const scenario = new Scenario(fleet, { names: o.names, ttlMs: o.ttlMs, churnEveryMs: (o.ttlMs * 2) / 3, random });
    teardown.push(() => scenario.stop());

    const alerts = client.alerts();
    const spans = new AlertSpans();
    const following = (async () => {
      for await (const alert of alerts) {
        totals[alert.kind]++;
        view.alert({ alert, elapsedMs: elapsed(), spanMs: spans.of(alert) });
        scenario.onAlert(alert);
      }
    })();
    teardown.push(async () => {
      alerts.stop();
      await following.catch(() => undefined);
    });
    await nc.flush();
    started = Date.now();
    await fleet.start();
    scenario.start();

    const ticker = setInterval(() => {
      if (!nats.running) {
        const failure = new PeermonError("the demo's nats-server exited unexpectedly; check that nothing killed it and run the demo again");
        return ended.resolve({ reason: "nats-server exited", failure });
      }
      view.summary(current());
    }, SUMMARY_EVERY_MS);
    teardown.push(() => clearInterval(ticker));
    const timer = o.durationMs > 0 ? setTimeout(() => ended.resolve({ reason: "duration" }), o.durationMs) : undefined;
    teardown.push(() => clearTimeout(timer));
    outcome = await ended.promise;
  } finally {
    signals.stopping();
    for (const step of teardown.reverse())
      await Promise.resolve()
        .then(step)
        .catch(() => undefined);
    signals.release();
    if (outcome.reason !== "error") view.end({ elapsedMs: elapsed(), reason: outcome.reason, alerts: totals });
    view.close();
  }
  if (outcome.failure) throw outcome.failure;
}

/** The monitor's window counts for the demo's names (zeros for a name not seen yet), and the fleet. */
function summarize(elapsedMs: number, fleet: Fleet, monitor: Monitor, names: string[], alerts: AlertTotals): Summary {
  const counts = monitor.views.stateCounts();
  const zero = () => Object.fromEntries(WINDOW_STATES.map((s) => [s, 0])) as Record<WindowState, number>;
  const states = Object.fromEntries(names.map((n) => [n, counts[n] ?? zero()]));
  return { elapsedMs, fleet: fleet.counts(), states, alerts: { ...alerts } };
}

/** Firing: how long the peer had been silent; resolved: how long since its firing alert. */
class AlertSpans {
  private readonly firedAt = new Map<string, bigint>();

  of(alert: Alert): number | undefined {
    const key = `${alert.name}.${alert.peer}`;
    if (alert.kind === "firing") {
      this.firedAt.set(key, alert.triggeredAt);
      return alert.receivedAt > 0n ? Number(alert.triggeredAt - alert.receivedAt) / 1e6 : undefined;
    }
    const fired = this.firedAt.get(key);
    this.firedAt.delete(key);
    return fired === undefined ? undefined : Number(alert.triggeredAt - fired) / 1e6;
  }
}

/**
 * SIGINT and SIGTERM until `release()`: the first calls `stop`; one after `stopping()` was called
 * (or a second one) calls `force`.
 */
function catchSignals(stop: (name: NodeJS.Signals) => void, force: () => void) {
  let stopping = false;
  const on = (name: NodeJS.Signals) => {
    if (stopping) return force();
    stopping = true;
    stop(name);
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  return {
    stopping: () => void (stopping = true),
    release: () => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
    },
  };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
