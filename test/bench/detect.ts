/**
 * Detection lag: with 100k live windows (long ttl, refreshed in the background as peers would),
 * the time from a window's deadline to its firing alert arriving at a subscriber, over >= 1000
 * windows whose metrics have short ttls spread so that their deadlines fall over 2-5 s.
 *
 * The deadline is computed from the alert's own fields, receivedAt `t` + ttl `l` (ns on the
 * monitor's clock), and compared with the subscriber's clock at receipt (same machine, same
 * source: performance.timeOrigin + performance.now()). The monitor runs in its own process with a
 * short grace; it must have deferred nothing (no outage, no stall), so no grace is in the figures.
 */
import { connect } from "nats";
import { encode } from "../../src/api/codec.js";
import { decodeAlert } from "../../src/api/validate.js";
import {
  Child,
  METRIC_NAMES,
  delay,
  fmtInt,
  metricMap,
  metricPayloads,
  metricSubject,
  peerIds,
  percentile,
  pollUntil,
  progress,
  round,
  withServer,
  yieldToIo,
  type BenchOptions,
  type ScenarioResult,
} from "./common.js";

const LIVE_NAMES = METRIC_NAMES.slice(0, 5);
/** The short-lived windows use a name of their own, so that their alerts are easy to tell apart. */
const EXPIRING_NAME = "heartbeat";
const LIVE_TTL_MS = 10 * 60_000;
/** Background refresh of the live windows while deadlines fall due (msgs/s). */
const BACKGROUND_RATE = 10_000;

interface MonitorStats {
  windows: number;
  counters: {
    convictionsDeferred: number;
    outages: number;
    stalls: number;
    alertsFiring: number;
    detectionLagCount: number;
    detectionLagSumMs: number;
    detectionLagMaxMs: number;
  };
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const live = o.quick ? 25_000 : 100_000;
  const expiring = o.quick ? 300 : 2_000;
  return withServer({}, async (server) => {
    const monitor = await Child.start("receiver.ts", [
      "--mode",
      "monitor",
      "--nats",
      server.url,
      "--config",
      // Every expiring window of its name fails: per-peer alerts are measured, not a disruption.
      JSON.stringify({ graceMs: 500, disruptionThreshold: 0 }),
    ]);
    const nc = await connect({ servers: server.url, name: "bench-detect" });
    let background: NodeJS.Timeout | undefined;
    try {
      const peers = peerIds(live / LIVE_NAMES.length, 11);
      const { subjects, payloads } = metricPayloads(LIVE_NAMES, peers, LIVE_TTL_MS);
      for (let i = 0; i < subjects.length; i++) {
        nc.publish(subjects[i]!, payloads[i]);
        if (i % 2_000 === 0) await yieldToIo();
      }
      await nc.flush();
      await pollUntil(async () => (await monitor.call<MonitorStats>("stats")).windows >= live, `${live} live windows`, 120_000);
      // A quiet spell: after the load burst the monitor's probe sees a healthy link again, and the
      // grace of an outage during the load (if any) is over before deadlines fall due.
      await delay(2_000);
      const loaded = await monitor.call<MonitorStats>("stats");
      progress(`detect: ${fmtInt(live)} live windows (load phase: ${loaded.counters.outages} outages, ${loaded.counters.stalls} stalls)`);

      // Peers keep refreshing their live windows while the short ones expire.
      let next = 0;
      const perTick = BACKGROUND_RATE / 10;
      background = setInterval(() => {
        for (let n = 0; n < perTick; n++, next = (next + 1) % subjects.length) nc.publish(subjects[next]!, payloads[next]);
      }, 100);

      const lags: number[] = [];
      let unexpected = 0;
      const sub = nc.subscribe("peermon.alerts.>", {
        callback: (err, m) => {
          const now = performance.timeOrigin + performance.now();
          if (err) return;
          const alert = decodeAlert(m.data);
          if (alert.kind !== "firing" || alert.name !== EXPIRING_NAME || alert.ttl === undefined) {
            unexpected++;
            return;
          }
          const deadlineMs = Number(alert.receivedAt + alert.ttl) / 1e6;
          lags.push(now - deadlineMs);
        },
      });
      await nc.flush();

      const short = peerIds(expiring, 12);
      const spreadMs = 3_000;
      for (let i = 0; i < expiring; i++) {
        const ttlMs = 2_000 + Math.round((spreadMs * i) / expiring);
        nc.publish(metricSubject(EXPIRING_NAME, short[i]!), encode(metricMap(EXPIRING_NAME, short[i]!, ttlMs, i)));
      }
      await nc.flush();
      await pollUntil(() => lags.length >= expiring, `${expiring} firing alerts`, 2_000 + spreadMs + 15_000, 50);
      // Anything late or unexpected would arrive now.
      await delay(500);
      sub.unsubscribe();
      clearInterval(background);
      background = undefined;

      const stats = await monitor.call<MonitorStats>("stats");
      return summarize(lags, expiring, unexpected, live, loaded, stats);
    } finally {
      clearInterval(background);
      await nc.close();
      await monitor.stop();
    }
  });
}

function summarize(lags: number[], expected: number, unexpected: number, live: number, loaded: MonitorStats, stats: MonitorStats): ScenarioResult {
  const sorted = [...lags].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  const max = sorted[sorted.length - 1] ?? Number.NaN;
  // While deadlines fell due (after the load phase):
  const c = {
    convictionsDeferred: stats.counters.convictionsDeferred,
    outages: stats.counters.outages - loaded.counters.outages,
    stalls: stats.counters.stalls - loaded.counters.stalls,
    ...pick(stats.counters),
  };
  const clean = c.convictionsDeferred === 0 && c.outages === 0 && c.stalls === 0;
  return {
    rows: [
      {
        figure: `detect: lag deadline -> alert, p50 / p99 / max (${fmtInt(live)} live windows)`,
        value: `${round(p50, 1)} / ${round(p99, 1)} / ${round(max, 1)} ms`,
        target: "p99 <= 50 ms",
        met: p99 <= 50,
      },
      {
        figure: "detect: firing alerts received / expected (unexpected)",
        value: `${lags.length} / ${expected} (${unexpected})`,
        target: "all, none unexpected",
        met: lags.length === expected && unexpected === 0,
      },
      {
        figure: "detect: convictions deferred / outages / stalls while deadlines fell due",
        value: `${c.convictionsDeferred} / ${c.outages} / ${c.stalls}`,
        target: "0 / 0 / 0",
        met: clean,
      },
    ],
    json: {
      detect_p50_ms: round(p50, 2),
      detect_p99_ms: round(p99, 2),
      detect_max_ms: round(max, 2),
      detect_min_ms: round(sorted[0] ?? Number.NaN, 2),
      detect_alerts: lags.length,
      detect_expected: expected,
      detect_unexpected_alerts: unexpected,
      detect_live_windows: live,
      detect_background_msgs_per_s: BACKGROUND_RATE,
      detect_monitor_mean_lag_ms: round(c.detectionLagSumMs / Math.max(1, c.detectionLagCount), 2),
      detect_monitor_max_lag_ms: round(c.detectionLagMaxMs, 2),
      detect_convictions_deferred: c.convictionsDeferred,
      detect_outages: c.outages,
      detect_stalls: c.stalls,
      detect_load_phase_outages: loaded.counters.outages,
      detect_load_phase_stalls: loaded.counters.stalls,
    },
  };
}

function pick(c: MonitorStats["counters"]) {
  return { detectionLagCount: c.detectionLagCount, detectionLagSumMs: c.detectionLagSumMs, detectionLagMaxMs: c.detectionLagMaxMs };
}
