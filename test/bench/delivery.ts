/**
 * Delivery to people: the time from a window's deadline to a webhook receiver getting its alert,
 * for lone alerts (one every 200 ms) and for 1,000 alerts falling due at once, and the alerts/s a
 * single webhook receiver gets in a larger burst. The monitor runs in its own process as `serve
 * --webhook` runs it (Monitor.start, default delivery settings: 10 ms batch window); the receiver is
 * a bare node:http server in this process. Each alert's deadline is its startsAt (t + l, to the ms);
 * its arrival on `peermon.alerts.>` (published once the alert log holds it) splits the lag into
 * detection + log append, and the delivery path proper: the durable consumer's fetch, the batch
 * window, the POST. During the lone alerts a second monitor (a replica) delivers the same alerts
 * to another receiver without a batch window: what remains is the consumer fetch and the POST.
 */
import { createServer, type Server } from "node:http";
import { connect, type NatsConnection } from "nats";
import { encode } from "../../src/api/codec.js";
import { decodeAlert } from "../../src/api/validate.js";
import {
  Child,
  delay,
  fmtInt,
  metricMap,
  metricSubject,
  peerIds,
  percentile,
  pollUntil,
  progress,
  round,
  withServer,
  type BenchOptions,
  type Row,
  type ScenarioResult,
} from "./common.js";

interface Arrival {
  /** Receiver's clock (performance.timeOrigin + performance.now()), ms. */
  at: number;
  deadline: number;
  post: number;
}

interface WebhookPayload {
  alerts: { startsAt: string; annotations: { alert_id: string } }[];
}

const now = () => performance.timeOrigin + performance.now();

/** The webhook receiver: every alert's arrival, by alert_id. */
async function startReceiver(): Promise<{ server: Server; url: string; got: Map<string, Arrival>; posts: () => number }> {
  const got = new Map<string, Arrival>();
  let posts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = now();
      const post = ++posts;
      const body = JSON.parse(Buffer.concat(chunks).toString()) as WebhookPayload;
      for (const a of body.alerts) got.set(a.annotations.alert_id, { at, deadline: Date.parse(a.startsAt), post });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/peermon`, got, posts: () => posts };
}

/** Arrival of each alert on the public alert subject (once stored in the log), by id, with its name. */
function watchAlerts(nc: NatsConnection): Map<string, { at: number; name: string }> {
  const seen = new Map<string, { at: number; name: string }>();
  nc.subscribe("peermon.alerts.>", {
    callback: (err, m) => {
      if (err) return;
      const a = decodeAlert(m.data);
      seen.set(a.id, { at: now(), name: a.name });
    },
  });
  return seen;
}

interface Phase {
  lags: number[];
  /** Alerts/s stored in the log (first to last arrival on NATS): what delivery is fed with. */
  loggedPerS: number;
  /** From the alert's arrival on NATS to the receiver: the delivery path alone. */
  deliveryLags: number[];
  posts: number;
  firstAt: number;
  lastAt: number;
}

function phase(ids: string[], got: Map<string, Arrival>, seen: Map<string, { at: number }>): Phase {
  const arrivals = ids.map((id) => ({ id, ...got.get(id)! }));
  const logged = ids.map((id) => seen.get(id)!.at);
  return {
    loggedPerS: ids.length / ((Math.max(...logged) - Math.min(...logged)) / 1_000),
    lags: arrivals.map((a) => a.at - a.deadline).sort((x, y) => x - y),
    deliveryLags: arrivals
      .filter((a) => seen.has(a.id))
      .map((a) => a.at - seen.get(a.id)!.at)
      .sort((x, y) => x - y),
    posts: new Set(arrivals.map((a) => a.post)).size,
    firstAt: Math.min(...arrivals.map((a) => a.at)),
    lastAt: Math.max(...arrivals.map((a) => a.at)),
  };
}

/** Publishes one metric per peer of `name` with `ttlMs`, as fast as the client takes them. */
async function publishAll(nc: NatsConnection, name: string, peers: string[], ttlMs: number): Promise<void> {
  for (const peer of peers) nc.publish(metricSubject(name, peer), encode(metricMap(name, peer, ttlMs, 1)));
  await nc.flush();
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const lone = o.quick ? 20 : 100;
  const burst = 1_000;
  const big = o.quick ? 2_000 : 5_000;
  return withServer({}, async (server) => {
    const receiver = await startReceiver();
    const unbatched = await startReceiver();
    const monitorWith = (config: Record<string, unknown>) =>
      // Every peer of a name here dies: disruption mode would hold their alerts as one disruption.
      Child.start("receiver.ts", ["--mode", "monitor", "--nats", server.url, "--config", JSON.stringify({ graceMs: 500, disruptionThreshold: 0, ...config })]);
    const monitor = await monitorWith({ webhookUrl: receiver.url });
    // A replica delivering to another receiver without a batch window, during the lone alerts only:
    // the same alerts, so the window's share of the lag is the difference.
    let replica: Child | undefined = await monitorWith({ webhookUrl: unbatched.url, deliveryBatchMs: 0 });
    const nc = await connect({ servers: server.url, name: "bench-delivery" });
    try {
      const seen = watchAlerts(nc);
      await nc.flush();
      const idsOf = (name: string) => [...seen].filter(([, a]) => a.name === name).map(([id]) => id);
      const delivered = (name: string, n: number) => () => {
        const ids = idsOf(name);
        return ids.length === n && ids.every((id) => receiver.got.has(id));
      };

      // Lone alerts: one every 200 ms, each alone in its batch window.
      const lonePeers = peerIds(lone, 31);
      for (const peer of lonePeers) {
        nc.publish(metricSubject("lone", peer), encode(metricMap("lone", peer, 500, 1)));
        await delay(200);
      }
      await pollUntil(delivered("lone", lone), `${lone} lone alerts delivered`, 30_000, 50);
      await pollUntil(() => idsOf("lone").every((id) => unbatched.got.has(id)), `${lone} lone alerts delivered unbatched`, 30_000, 50);
      const loneP = phase(idsOf("lone"), receiver.got, seen);
      const unbatchedP = phase(idsOf("lone"), unbatched.got, seen);
      progress(`delivery: ${lone} lone alerts, p99 ${round(percentile(loneP.lags, 99), 1)} ms past the deadline`);
      await replica.stop();
      replica = undefined;

      // 1,000 alerts falling due at once.
      await publishAll(nc, "burst", peerIds(burst, 32), 1_000);
      await pollUntil(delivered("burst", burst), `${burst} burst alerts delivered`, 60_000, 50);
      const burstP = phase(idsOf("burst"), receiver.got, seen);
      progress(`delivery: ${burst} at once, p99 ${round(percentile(burstP.lags, 99), 1)} ms, ${burstP.posts} POSTs`);

      // A larger burst: the alerts/s one receiver gets.
      await publishAll(nc, "flood", peerIds(big, 33), 1_000);
      await pollUntil(delivered("flood", big), `${big} flood alerts delivered`, 120_000, 100);
      const floodP = phase(idsOf("flood"), receiver.got, seen);
      const stats = await monitor.call<{ delivery: unknown }>("delivery");
      return summarize(loneP, unbatchedP, burstP, floodP, lone, burst, big, stats.delivery);
    } finally {
      await nc.close();
      await replica?.stop();
      await monitor.stop();
      for (const r of [receiver, unbatched]) {
        r.server.closeAllConnections();
        r.server.close();
      }
    }
  });
}

function summarize(
  lone: Phase,
  unbatched: Phase,
  burst: Phase,
  flood: Phase,
  nLone: number,
  nBurst: number,
  nFlood: number,
  delivery: unknown,
): ScenarioResult {
  const p = (list: number[], q: number) => round(percentile(list, q), 1);
  const floodRate = nFlood / ((flood.lastAt - flood.firstAt) / 1_000);
  const burstRate = nBurst / ((burst.lastAt - burst.firstAt) / 1_000);
  const rows: Row[] = [
    {
      figure: `delivery: deadline -> webhook receiver, lone alert, p50 / p99 / max (${nLone} alerts)`,
      value: `${p(lone.lags, 50)} / ${p(lone.lags, 99)} / ${p(lone.lags, 100)} ms`,
      target: "p99 <= 100 ms",
      met: percentile(lone.lags, 99) <= 100,
    },
    {
      figure: "delivery: of which NATS alert -> receiver (consumer fetch, batch window, POST), p50 / p99",
      value: `${p(lone.deliveryLags, 50)} / ${p(lone.deliveryLags, 99)} ms`,
    },
    {
      figure: "delivery: the same lone alerts without a batch window (a replica, --delivery-batch 0): deadline / NATS alert -> receiver, p50 / p99",
      value: `${p(unbatched.lags, 50)} / ${p(unbatched.lags, 99)} ms; ${p(unbatched.deliveryLags, 50)} / ${p(unbatched.deliveryLags, 99)} ms`,
    },
    {
      figure: `delivery: deadline -> receiver, ${fmtInt(nBurst)} alerts due at once, p50 / p99 / max`,
      value: `${p(burst.lags, 50)} / ${p(burst.lags, 99)} / ${p(burst.lags, 100)} ms in ${burst.posts} POSTs`,
    },
    {
      figure: "delivery: of which NATS alert -> receiver, p50 / p99 (1,000 at once)",
      value: `${p(burst.deliveryLags, 50)} / ${p(burst.deliveryLags, 99)} ms; the log took ${fmtInt(burst.loggedPerS)} alerts/s`,
    },
    {
      figure: `delivery: alerts/s one webhook receiver gets in a burst of ${fmtInt(nFlood)} (first to last)`,
      value: `${fmtInt(floodRate)} alerts/s in ${flood.posts} POSTs (the log took ${fmtInt(flood.loggedPerS)}/s; p99 ${p(flood.lags, 99)} ms past the deadline)`,
    },
  ];
  return {
    rows,
    json: {
      delivery_lone_p50_ms: p(lone.lags, 50),
      delivery_lone_p99_ms: p(lone.lags, 99),
      delivery_lone_max_ms: p(lone.lags, 100),
      delivery_lone_path_p50_ms: p(lone.deliveryLags, 50),
      delivery_lone_path_p99_ms: p(lone.deliveryLags, 99),
      delivery_unbatched_p50_ms: p(unbatched.lags, 50),
      delivery_unbatched_p99_ms: p(unbatched.lags, 99),
      delivery_unbatched_path_p50_ms: p(unbatched.deliveryLags, 50),
      delivery_unbatched_path_p99_ms: p(unbatched.deliveryLags, 99),
      delivery_burst_p50_ms: p(burst.lags, 50),
      delivery_burst_p99_ms: p(burst.lags, 99),
      delivery_burst_max_ms: p(burst.lags, 100),
      delivery_burst_posts: burst.posts,
      delivery_burst_path_p50_ms: p(burst.deliveryLags, 50),
      delivery_burst_path_p99_ms: p(burst.deliveryLags, 99),
      delivery_burst_logged_per_s: Math.round(burst.loggedPerS),
      delivery_flood_logged_per_s: Math.round(flood.loggedPerS),
      delivery_burst_alerts_per_s: Math.round(burstRate),
      delivery_flood_alerts: nFlood,
      delivery_flood_alerts_per_s: Math.round(floodRate),
      delivery_flood_posts: flood.posts,
      delivery_flood_p99_ms: p(flood.lags, 99),
      delivery_lone_alerts: nLone,
      delivery_sink: delivery,
    },
  };
}
