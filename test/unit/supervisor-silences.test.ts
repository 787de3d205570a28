import { test } from "node:test";
import assert from "node:assert/strict";
import { SilenceBook } from "../../src/actors/silence-book.js";
import type { Silence } from "../../src/api/types.js";
import { counts, setup, T0 } from "../helpers/supervisor.js";

const H = 3_600_000;

function silenced(peer: string, endsAtMs: number, name?: string): { book: SilenceBook; silence: Silence } {
  const book = new SilenceBook();
  const silence: Silence = { id: "S1", peer, name, startsAtMs: T0, endsAtMs, comment: "", createdBy: "" };
  book.put(silence, T0);
  return { book, silence };
}

/** Accepted alerts as "kind peer muted|-", in order. */
function log(accepted: { kind: string; peer: string; muted?: boolean }[]): string[] {
  return accepted.map((a) => `${a.kind} ${a.peer} ${a.muted ? "muted" : "-"}`);
}

test("supervisor silences - a silenced peer's alert is still published, muted; the others are not", async () => {
  const { book } = silenced("P1", T0 + H);
  const { sink, publish, run, units } = setup({ muter: book });
  publish("P1");
  publish("P2");
  await run(3_000);
  assert.deepEqual(log(sink.accepted), ["firing P1 muted", "firing P2 -"]);
  assert.equal(units.stats.alertsMuted, 1);
});

test("supervisor silences - a silence of one name mutes only that name", async () => {
  const { book } = silenced("P1", T0 + H, "ping");
  const { sink, publish, run } = setup({ muter: book });
  publish("P1");
  publish("P1", {}, "freespace");
  await run(3_000);
  assert.deepEqual(sink.accepted.map((a) => `${a.name} ${a.muted ? "muted" : "-"}`).sort(), ["freespace -", "ping muted"]);
});

test("supervisor silences - when the silence ends while alerted: one unmuted repeat of the same episode", async () => {
  const { book } = silenced("P1", T0 + 10_000);
  const { sup, sink, clock, publish, run, state } = setup({ muter: book });
  publish("P1");
  await run(3_000);
  await run(7_000);
  sup.silencesEnded(book.expire(clock.now()));
  await run(0);
  assert.deepEqual(log(sink.accepted), ["firing P1 muted", "firing P1 -"]);
  const [first, repeat] = sink.accepted;
  assert.equal(repeat!.episode, first!.id, "x unchanged: the same episode");
  assert.notEqual(repeat!.id, first!.id);
  sup.silencesEnded([{ peer: "P1" }]);
  await run(1_000);
  assert.equal(sink.accepted.length, 2, "told twice, delivered once");
  assert.deepEqual(state(), counts(0, 0, 1));
  publish("P1");
  assert.deepEqual(log(sink.accepted).at(-1), "resolved P1 -", "the sinks had the firing alert: they get the resolution");
});

test("supervisor silences - the peer returns during the silence: the resolved alert is muted too (the sinks never saw it fire)", async () => {
  const { book } = silenced("P1", T0 + H);
  const { sink, publish, run } = setup({ muter: book });
  publish("P1");
  await run(3_000);
  publish("P1");
  assert.deepEqual(log(sink.accepted), ["firing P1 muted", "resolved P1 muted"]);
  assert.equal(sink.accepted[1]!.episode, sink.accepted[0]!.id);
});

test("supervisor silences - a silence added after the alert went out: its end sends nothing, and the resolution reaches the sinks", async () => {
  const book = new SilenceBook();
  const { sup, sink, clock, publish, run } = setup({ muter: book });
  publish("P1");
  await run(3_000);
  book.put({ id: "S1", peer: "P1", startsAtMs: clock.now(), endsAtMs: clock.now() + 5_000, comment: "", createdBy: "" }, clock.now());
  await run(5_000);
  sup.silencesEnded(book.expire(clock.now()));
  await run(0);
  assert.deepEqual(log(sink.accepted), ["firing P1 -"]);
  publish("P1");
  assert.deepEqual(log(sink.accepted), ["firing P1 -", "resolved P1 -"]);
});

test("supervisor silences - repeats during a silence are muted; its end delivers the firing alert, then repeats go unmuted", async () => {
  const { book } = silenced("P1", T0 + 9_500);
  const { sup, sink, clock, publish, run } = setup({ muter: book, repeatIntervalMs: 5_000 });
  publish("P1");
  await run(9_500);
  assert.deepEqual(log(sink.accepted), ["firing P1 muted", "firing P1 muted"], "at 2 s and its repeat at 7 s");
  sup.silencesEnded(book.expire(clock.now()));
  await run(3_000);
  assert.deepEqual(log(sink.accepted).slice(2), ["firing P1 -", "firing P1 -"], "at the silence's end (9.5 s), then the repeat at 12 s");
  assert.ok(
    sink.accepted.every((a) => a.episode === sink.accepted[0]!.id),
    "one episode throughout",
  );
});

test("supervisor silences - a silence that ends while the muted alert is still on its way: delivered once the server has it", async () => {
  const { book } = silenced("P1", T0 + 2_500);
  const { sup, sink, outbox, clock, publish, run } = setup({ muter: book });
  sink.refuse = true; // the bus cannot take alerts now: the muted alert waits in the outbox
  publish("P1");
  await run(3_000);
  sup.silencesEnded(book.expire(clock.now()));
  assert.deepEqual(log(sink.accepted), []);
  sink.refuse = false;
  outbox.resume();
  await run(0);
  assert.deepEqual(log(sink.accepted), ["firing P1 muted", "firing P1 -"]);
});

test("supervisor silences - a restored episode whose muted alert's silence ended while no monitor ran: delivered at start", async () => {
  const { sup, sink, publish, run } = setup({ muter: new SilenceBook() });
  publish("P1", { l: 3_600 * 1e9 });
  sup.episodesRestored([{ name: "ping", peer: "P1", episode: "01J0000000000000000000000E", muted: true }]);
  await run(0);
  assert.deepEqual(log(sink.accepted), ["firing P1 -"]);
  assert.equal(sink.accepted[0]!.episode, "01J0000000000000000000000E");
  sup.episodesRestored([{ name: "ping", peer: "P2", episode: "01J0000000000000000000000F", muted: false }]);
  publish("P2", { l: 3_600 * 1e9 });
  await run(0);
  assert.deepEqual(log(sink.accepted), ["firing P1 -", "resolved P2 -"], "an episode the sinks had is not sent again, only resolved");
});
