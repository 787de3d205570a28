/**
 * The windows' hot-path shortcut (src/actors/tracked-window.ts): a window at rest (healthy and
 * calm) has no actor, and a valid metric, which a window at rest ignores, reaches no machine. This
 * measures what the shortcut saves: per metric, the read of the actor's snapshot it would cost to
 * ask, against the xstate send it avoids, over 10k started window actors of the real machine. The
 * whole `ingest` of a metric (the shortcut included) is measured beside them, for scale.
 */
import { createActor } from "xstate";
import { isAtRest, windowMachine } from "../../src/actors/window-machine.js";
import { DEFAULT_CONFIG } from "../../src/config.js";
import { setup } from "../helpers/supervisor.js";
import { round, type BenchOptions, type ScenarioResult } from "./common.js";

const WINDOWS = 10_000;
const METRIC_VALID = { type: "metric.valid" } as const;

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const rounds = o.quick ? 20 : 100;
  const actors = Array.from({ length: WINDOWS }, () => createActor(windowMachine, { input: { name: "ping", peer: "P" } }).start());
  const ops = WINDOWS * rounds;
  let healthy = 0;
  const read = best(3, () => {
    for (let r = 0; r < rounds; r++) for (const a of actors) if (isAtRest(a.getSnapshot())) healthy++;
  });
  const send = best(3, () => {
    for (let r = 0; r < rounds; r++) for (const a of actors) a.send(METRIC_VALID);
  });
  for (const a of actors) a.stop();
  if (healthy !== ops * 3) throw new Error("the guard bench expects every window healthy");
  const ingest = ingestNs(rounds);
  const readNs = (read * 1e6) / ops;
  const sendNs = (send * 1e6) / ops;
  return {
    rows: [
      { figure: "guard: state read per metric (the shortcut's cost)", value: `${round(readNs, 1)} ns` },
      { figure: "guard: metric.valid sent to a healthy window (what it saves)", value: `${round(sendNs, 1)} ns` },
      { figure: "guard: whole ingest of a valid metric, for scale", value: `${round(ingest, 1)} ns` },
    ],
    json: { guard_read_ns: round(readNs, 1), guard_send_ns: round(sendNs, 1), guard_ingest_ns: round(ingest, 1) },
  };
}

/** ns per `Supervisor.ingest` of a valid metric into 10k healthy windows. */
function ingestNs(rounds: number): number {
  const { sup } = setup({ confirmation: DEFAULT_CONFIG.confirm === "auto" }); // the default config's windows (a rhythm each)
  const peers = Array.from({ length: WINDOWS }, (_, i) => `P${i}`);
  const ttl = 60_000_000_000;
  for (const p of peers) sup.ingest({ n: "ping", p, v: "1", d: true, l: ttl });
  const ms = best(3, () => {
    for (let r = 0; r < rounds; r++) for (const p of peers) sup.ingest({ n: "ping", p, v: "1", d: true, l: ttl });
  });
  sup.stop();
  return (ms * 1e6) / (WINDOWS * rounds);
}

/** The fastest of `n` runs of `fn`, ms (the first warms the JIT). */
function best(n: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}
