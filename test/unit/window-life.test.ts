/**
 * A window's whole life, through the real wiring on a ManualClock: its metrics enter by the intake,
 * its machine decides, its effects leave through the outbox. Each row is one step: what happens,
 * then the window's state (machine snapshot: life and suspicion), what left (alerts and suspicion
 * events, in order), and what the units report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Muter } from "../../src/actors/muter.js";
import { SEC, setup } from "../helpers/supervisor.js";

test("window life - metric, suspect, expired, held, released, firing (muted), unmuted, resolved", async () => {
  let silenced = true;
  const muter: Muter = { mutes: (_name, peer) => silenced && peer === "P1" };
  const h = setup({ suspicion: true, muter, disruption: { minPeers: 1 } });
  const { units, sup } = h;
  const window = () => [...units.views.metricWindows()].length; // touch the views: the window is there
  const snapshot = () => {
    const peer = units.views.statusSnapshot(10).names.ping?.peers.find((p) => p.peer === "P1");
    return `${peer?.state}${peer?.suspect ? " suspect" : ""}`;
  };
  const left = () => [...h.sink.accepted.map((a) => `${a.kind}${a.muted ? " muted" : ""}${a.episode === a.id ? " (opens)" : ""}`), ...h.suspicions()];
  const steps: [what: string, act: () => Promise<void> | void, state: string, out: string[], held: number][] = [
    [
      "metric: a valid metric every second, for 20 s",
      async () => {
        for (let s = 0; s < 20; s++) {
          h.publish("P1", { l: 2 * SEC });
          await h.run(1_000, 50);
        }
      },
      "healthy",
      [],
      0,
    ],
    ["suspect: later than its rhythm, before the ttl", () => h.run(700, 50), "healthy suspect", ["suspect P1"], 0],
    ["expired at the ttl: a disruption of ping holds the firing alert", () => h.run(400, 50), "expired suspect", ["suspect P1"], 1],
    ["held: nothing leaves while the disruption lasts", () => h.run(5_000, 100), "expired suspect", ["suspect P1"], 1],
    [
      "released by an operator: the firing alert leaves, muted by the silence, and supersedes the suspicion",
      async () => {
        assert.equal(units.disruptions.release("ping"), 1);
        await h.run(0);
      },
      "alerted",
      ["firing muted (opens)", "suspect P1"],
      0,
    ],
    [
      "unmuted: the silence ends, the sinks get the episode's firing alert",
      async () => {
        silenced = false;
        sup.silencesEnded([{ peer: "P1" }]);
        await h.run(0);
      },
      "alerted",
      ["firing muted (opens)", "firing", "suspect P1"],
      0,
    ],
    [
      "resolved: the peer is back",
      async () => {
        h.publish("P1", { l: 2 * SEC });
        await h.run(0);
      },
      "healthy",
      ["firing muted (opens)", "firing", "resolved", "suspect P1"],
      0,
    ],
  ];
  for (const [what, act, state, out, held] of steps) {
    await act();
    assert.equal(snapshot(), state, what);
    assert.deepEqual(left(), out, what);
    assert.equal(units.disruptions.held, held, what);
  }
  assert.equal(window(), 1);
  const episode = new Set(h.sink.accepted.map((a) => a.episode));
  assert.equal(episode.size, 1, "one episode: the repeat and the resolution carry the first firing alert's id");
  assert.equal(h.disruptions.map((e) => e.kind).join(), "started,ended");
});
