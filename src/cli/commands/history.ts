/**
 * `peermon history <name> <peer>`: one peer's failure history for one metric name over the alert
 * log's retention — when it was last seen, its failure episodes, its availability and flap count —
 * as the monitor that owns the name derives it from the alert log and its windows.
 */
import { Command } from "commander";
import type { PeerHistory } from "../../api/history.js";
import { formatDuration } from "../../duration.js";
import { paletteFor, type Palette } from "../color.js";
import { toJson } from "../format.js";
import { checkTokens, printLine, withConnection, withSession } from "./session.js";

export function historyCommand(): Command {
  return withConnection(new Command("history"))
    .description("the failure history of <peer> for <name>: last seen, episodes, availability, flaps")
    .argument("<name>", "metric name")
    .argument("<peer>", "peer id")
    .option("--json", "print a JSON object (times in Unix ns, availability 0..1)")
    .addHelpText(
      "after",
      `
The span is the alert log's retention (serve --alert-retention, a day by default), or less when the
log holds less. An episode runs from the peer's deadline to its return (the resolved alert); a flap
is an episode that ended within the span.

Examples:
  peermon history ping P1
  peermon history ping P1 --json | jq '.availability'`,
    )
    .action(async (name: string, peer: string, flags: { json?: boolean } & Record<string, unknown>) => {
      checkTokens({ "metric name": name, "peer id": peer });
      const h = await withSession(flags, "history", (s) => s.client.history(name, peer));
      if (flags.json) return printLine(toJson(historyJson(h)));
      for (const line of historyLines(h, paletteFor())) printLine(line);
    });
}

const NS_PER_MS = 1_000_000n;
const ns = (ms: number) => BigInt(Math.round(ms)) * NS_PER_MS;

export function historyJson(h: PeerHistory): Record<string, unknown> {
  return {
    name: h.name,
    peer: h.peer,
    last_seen: h.lastSeenMs === null ? null : ns(h.lastSeenMs),
    never_seen: h.neverSeen,
    since: ns(h.sinceMs),
    until: ns(h.untilMs),
    availability: h.availability,
    flaps: h.flaps,
    episodes: h.episodes.map((e) => ({ id: e.id, start: ns(e.startMs), end: e.endMs === null ? null : ns(e.endMs) })),
  };
}

/**
 * `P1 | ping: last seen 3s ago | 99.31% available over 2h | 3 flaps`, then one line per episode:
 * `  down 2026-11-23T01:05:36.584Z -> 2026-11-23T01:05:38.969Z (2.4s)`. Relative times use the
 * monitor's clock (`untilMs`), not this machine's.
 */
export function historyLines(h: PeerHistory, c: Palette): string[] {
  const seen = h.neverSeen
    ? c.yellow(`in the peerset, never reported ${h.name}`)
    : h.lastSeenMs === null
      ? "no metric held"
      : `last seen ${formatDuration(Math.max(0, h.untilMs - h.lastSeenMs))} ago`;
  const span = formatDuration(h.untilMs - h.sinceMs);
  const available = h.availability < 1 ? c.red(percent(h.availability)) : percent(h.availability);
  const flaps = `${h.flaps} flap${h.flaps === 1 ? "" : "s"}`;
  const lines = [`${h.peer} | ${c.bold(h.name)}: ${seen} | ${available} available over ${span} | ${flaps}`];
  for (const e of h.episodes) {
    const end = e.endMs === null ? "now" : iso(e.endMs);
    const length = formatDuration((e.endMs ?? h.untilMs) - e.startMs);
    lines.push(`  down ${iso(e.startMs)} -> ${end} (${length}${e.endMs === null ? ", open" : ""})`);
  }
  return lines;
}

/** 0.99312 -> "99.31%": rounded down, so that anything short of 1 never reads 100%. */
export function percent(share: number): string {
  if (share >= 1) return "100%";
  return `${(Math.floor(Math.max(0, share) * 10_000) / 100).toFixed(2)}%`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
