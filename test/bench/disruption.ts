/**
 * What operator control costs the supervisor, in process (no NATS): the disruption count taken
 * before a window fires (a walk over the name's windows, reused for 100 ms), measured as the extra
 * time for 400 of 10k windows whose deadlines spread over a second (peers failing one by one,
 * below the threshold: every firing asks), and for 6k of 10k expiring at once (a partition: the
 * first firing counts, the rest are held); and a silence lookup (`mutes`) with 1,000 silences held.
 */
import { SilenceBook } from "../../src/actors/silence-book.js";
import { setup, settle } from "../helpers/supervisor.js";
import { round, type BenchOptions, type ScenarioResult } from "./common.js";

const WINDOWS = 10_000;
const LONG_NS = 3_600_000_000_000;

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  const repeats = o.quick ? 3 : 7;
  const few = { off: await best(repeats, () => expiry(400, false)), on: await best(repeats, () => expiry(400, true)) };
  const storm = { off: await best(repeats, () => expiry(6_000, false)), on: await best(repeats, () => expiry(6_000, true)) };
  const perFiringUs = ((few.on - few.off) * 1_000) / 400;
  const muteNs = mutesNs(o.quick ? 200_000 : 2_000_000);
  return {
    rows: [
      {
        figure: `disruption: count before each firing, ${WINDOWS / 1_000}k windows of the name (one walk per 100 ms)`,
        value: `${round(perFiringUs, 1)} us per firing alert`,
      },
      { figure: "disruption: 400 of 10k windows expiring over 1 s (off / on)", value: `${round(few.off, 1)} / ${round(few.on, 1)} ms` },
      {
        figure: "disruption: 6k of 10k windows expiring at once (off: 6k alerts / on: 1 count, 6k held)",
        value: `${round(storm.off, 1)} / ${round(storm.on, 1)} ms`,
      },
      { figure: "silences: mutes() with 1,000 silences held", value: `${round(muteNs, 1)} ns` },
    ],
    json: { disruption_count_us: round(perFiringUs, 1), disruption_storm_on_ms: round(storm.on, 1), silence_mutes_ns: round(muteNs, 1) },
  };
}

/** ms for `failing` of 10k windows to pass their deadline (one round trip each batch), disruption mode `on` or off. */
async function expiry(failing: number, on: boolean): Promise<number> {
  const s = setup(on ? { disruption: { threshold: 0.5, minPeers: 10 } } : {});
  // A few failing peers have deadlines spread over a second (one every 2.5 ms); a partition's all fall due at once.
  const ttlNs = (i: number) => (i >= failing ? LONG_NS : failing <= 400 ? 1_000_000_000 + i * 2_500_000 : 1_000_000_000);
  for (let i = 0; i < WINDOWS; i++) s.sup.ingest({ n: "ping", p: `P${i}`, v: "1", d: true, l: ttlNs(i) });
  const t0 = performance.now();
  for (let step = 0; step <= 40; step++) {
    s.clock.advance(step === 0 ? 1_000 : 25); // round trips every 25 ms
    await settle();
  }
  const ms = performance.now() - t0;
  const firedOrHeld = s.units.stats.alertsFiring + s.units.stats.alertsHeld;
  s.sup.stop();
  if (firedOrHeld !== failing) throw new Error(`expected ${failing} firing or held, got ${firedOrHeld}`);
  return ms;
}

function mutesNs(calls: number): number {
  const book = new SilenceBook();
  const now = Date.now();
  for (let i = 0; i < 1_000; i++)
    book.put({ id: `S${i}`, peer: `P${i}`, name: i % 2 ? "ping" : undefined, startsAtMs: now, endsAtMs: now + 3_600_000, comment: "", createdBy: "" }, now);
  let muted = 0;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) if (book.mutes("ping", `P${i % 2_000}`, now)) muted++;
  const ns = ((performance.now() - t0) * 1e6) / calls;
  if (muted !== calls / 2) throw new Error(`expected half the lookups muted, got ${muted}`);
  return ns;
}

async function best(n: number, fn: () => Promise<number>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < n; i++) min = Math.min(min, await fn());
  return min;
}
