import { test } from "node:test";
import assert from "node:assert/strict";
import { counts, ns, setup } from "../helpers/supervisor.js";

const PEERS = Array.from({ length: 20 }, (_, i) => `P${String(i).padStart(2, "0")}`);

/**
 * 20 peers publish `ping` with a 2 s ttl; the live ones every 500 ms (well within half the ttl).
 * `silent(n)` makes the last n peers stop at once; `back(peers)` brings some back.
 */
function fleet(options: Parameters<typeof setup>[0] = { disruption: {} }) {
  const s = setup(options);
  const quiet = new Set<string>();
  for (const p of PEERS) s.publish(p);
  /** Advances `ms` in 100 ms steps, the live peers publishing every 500 ms. */
  const live = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      if (Math.round(s.elapsed()) % 500 === 0) for (const p of PEERS) if (!quiet.has(p)) s.publish(p);
      await s.run(100);
    }
  };
  const silent = (n: number) => PEERS.slice(PEERS.length - n).forEach((p) => quiet.add(p));
  const back = (peers: string[]) => peers.forEach((p) => (quiet.delete(p), s.publish(p)));
  const firing = () =>
    s.sink.accepted
      .filter((a) => a.kind === "firing")
      .map((a) => a.peer)
      .sort();
  const events = () => s.disruptions.map((e) => `${e.kind} ${e.count}/${Math.round(e.count / e.fraction)}`);
  return { ...s, live, silent, back, firing, events, quiet };
}

test("supervisor disruption - 12 of 20 silent together: one started event, no per-peer alert, windows held in expired; release fires them", async () => {
  const { units, live, silent, alerts, state, disruptions, firing } = fleet();
  await live(1_000);
  silent(12);
  await live(3_000);
  assert.deepEqual(alerts(), [], "not one alert left before the disruption was declared");
  assert.equal(disruptions.length, 1);
  assert.deepEqual({ ...disruptions[0], id: "", triggeredAt: 0n }, { name: "ping", kind: "started", fraction: 0.6, count: 12, id: "", triggeredAt: 0n });
  assert.deepEqual(state(), counts(8, 12, 0), "held windows stay expired");
  assert.equal(units.stats.alertsHeld, 12);
  assert.equal(units.disruptions.held, 12);
  assert.deepEqual(
    units.disruptions.report().map((d) => [d.name, d.count, d.tracked, d.held]),
    [["ping", 12, 20, 12]],
  );

  assert.equal(units.disruptions.release("ping"), 12);
  await live(500);
  assert.deepEqual(firing(), PEERS.slice(8), "every held alert fired on release");
  assert.deepEqual(state(), counts(8, 0, 12));
  assert.deepEqual(
    disruptions.map((e) => e.kind),
    ["started", "ended"],
  );
  assert.equal(units.disruptions.release("ping"), undefined, "nothing open any more");
});

test("supervisor disruption - 4 of 20 silent: per-peer alerts as without disruption mode", async () => {
  const { live, silent, disruptions, firing, units } = fleet();
  await live(1_000);
  silent(4);
  await live(3_000);
  assert.deepEqual(firing(), PEERS.slice(16));
  assert.equal(disruptions.length, 0);
  assert.equal(units.stats.alertsHeld, 0);
});

test("supervisor disruption - when most peers come back it ends by itself: the returned are silent, the still-expired fire", async () => {
  const { live, silent, back, disruptions, sink, firing, state } = fleet();
  await live(1_000);
  silent(12);
  await live(3_000);
  back(PEERS.slice(8, 14)); // 6 back: 6 of 20 (0.3) still down, below 0.4
  await live(1_500);
  assert.deepEqual(
    disruptions.map((e) => e.kind),
    ["started", "ended"],
  );
  assert.equal(disruptions[1]!.count, 6);
  assert.deepEqual(firing(), PEERS.slice(14), "only the peers still expired fire");
  assert.equal(sink.accepted.filter((a) => a.kind === "resolved").length, 0, "the returned ones never fired: no resolved");
  assert.deepEqual(state(), counts(14, 0, 6));
});

test("supervisor disruption - a fraction crossing the threshold back and forth: one start, one end", async () => {
  const { live, silent, back, quiet, events, firing } = fleet();
  await live(1_000);
  silent(12);
  await live(3_000);
  back(PEERS.slice(8, 11)); // 9 of 20 down: 0.45, inside the hysteresis
  await live(2_000);
  for (const p of PEERS.slice(8, 10)) quiet.add(p); // 11 of 20: over the threshold again
  await live(3_000);
  back(PEERS.slice(8, 10)); // 9 of 20 again
  await live(2_000);
  assert.deepEqual(events(), ["started 12/20"], "no flapping while 0.4 <= fraction");
  assert.deepEqual(firing(), []);
  back(PEERS.slice(11, 13)); // 7 of 20: 0.35
  await live(1_500);
  assert.deepEqual(events(), ["started 12/20", "ended 7/20"]);
  assert.deepEqual(firing(), PEERS.slice(13));
});

test("supervisor disruption - peers whose deadlines spread over a whole publish interval: still no alert leaves before the decision", async () => {
  const { publish, run, disruptions, alerts, state } = setup({ disruption: {} });
  // 20 peers on a 1 s rhythm (ttl 2 s), their phases spread over the interval (one every 50 ms);
  // 12 fall silent at once, mid-rhythm: their deadlines fall over a whole second.
  const quiet = new Set<string>();
  for (let step = 0; step < 120; step++) {
    const p = PEERS[step % 20]!;
    if (!quiet.has(p)) publish(p);
    await run(50, 50);
    if (step === 39) PEERS.slice(8).forEach((x) => quiet.add(x));
  }
  assert.deepEqual(alerts(), [], "the first deadline (1 s after the silence) already sees the other 11 late");
  assert.equal(disruptions.length, 1);
  assert.equal(disruptions[0]!.count, 12);
  assert.deepEqual(state(), counts(8, 12, 0));
});

test("supervisor disruption - a peerset change during a disruption: removed peers never fire, the rest is counted again", async () => {
  const { sup, live, silent, quiet, disruptions, firing, state, units } = fleet();
  await live(1_000);
  silent(12);
  await live(3_000);
  const keep = [...PEERS.slice(0, 8), ...PEERS.slice(16)]; // 8 live, 4 silent: 4 of 12 (0.33)
  sup.applyPeerSet({ peers: keep, id: "PS" });
  for (const p of PEERS.slice(8, 16)) quiet.delete(p);
  assert.equal(units.disruptions.held, 4, "the freed windows are no longer held");
  await live(1_500);
  assert.deepEqual(
    disruptions.map((e) => `${e.kind} ${e.count}`),
    ["started 12", "ended 4"],
  );
  assert.deepEqual(firing(), PEERS.slice(16));
  assert.deepEqual(state(), counts(8, 0, 4));
});

test("supervisor disruption - after a release the name is not held again until it recovered once", async () => {
  const { units, live, silent, back, quiet, disruptions, firing } = fleet();
  await live(1_000);
  silent(12);
  await live(3_000);
  units.disruptions.release("ping");
  await live(500);
  quiet.add(PEERS[7]!); // one more fails while 13 of 20 are down: it fires
  await live(3_000);
  assert.deepEqual(firing(), PEERS.slice(7));
  assert.deepEqual(
    disruptions.map((e) => e.kind),
    ["started", "ended"],
  );
  back(PEERS.slice(7)); // all back: recovered, the release is forgotten
  await live(2_000);
  silent(12);
  await live(3_000);
  assert.deepEqual(
    disruptions.map((e) => e.kind),
    ["started", "ended", "started"],
    "held again",
  );
  assert.equal(firing().length, 13, "no new firing alert");
});

test("supervisor disruption - threshold 0 (off), and fewer peers than the minimum: per-peer alerts", async () => {
  for (const disruption of [{ threshold: 0 }, { minPeers: 21 }]) {
    const { live, silent, disruptions, firing } = fleet({ disruption });
    await live(1_000);
    silent(12);
    await live(3_000);
    assert.equal(firing().length, 12, JSON.stringify(disruption));
    assert.equal(disruptions.length, 0);
  }
});

test("supervisor disruption - another replica's events hold and release here, without announcing them again", async () => {
  const { units, clock, live, silent, disruptions, firing } = fleet();
  await live(1_000);
  const started = { name: "ping", kind: "started", fraction: 0.6, count: 12, id: "01J0000000000000000000000A" } as const;
  units.disruptions.observed({ ...started, triggeredAt: ns(clock.now()) });
  silent(12);
  await live(3_000);
  assert.deepEqual(firing(), [], "held: the log says ping is disrupted");
  assert.equal(units.disruptions.held, 12);
  units.disruptions.observed({ ...started, triggeredAt: ns(clock.now() - 5_000) }); // an old copy changes nothing
  units.disruptions.observed({ name: "ping", kind: "ended", fraction: 0.6, count: 12, id: "01J0000000000000000000000B", triggeredAt: ns(clock.now()) });
  await live(100);
  assert.deepEqual(firing(), PEERS.slice(8), "released with the other replica");
  assert.equal(disruptions.length, 0, "nothing announced by this replica");
});

test("supervisor disruption - a held window whose peer returns ends silently; the counters say what was held", async () => {
  const { units, live, silent, back, sink } = fleet();
  await live(1_000);
  silent(12);
  await live(3_000);
  back([PEERS[19]!]);
  assert.equal(units.disruptions.held, 11);
  assert.equal(sink.accepted.length, 0);
  assert.equal(units.stats.alertsHeld, 12);
  assert.equal(units.stats.disruptionsStarted, 1);
});
