/**
 * `peermon suspects`: follows early suspicion (`<prefix>.suspects.<name|*>.<peer|*>`, published by
 * monitors running `serve --suspicion on`) until interrupted: a line per event, or NDJSON with
 * --json. Once subscribed it says so on stderr; it reconnects by itself, forever.
 */
import { Command } from "commander";
import type { SuspicionEvent } from "../../api/types.js";
import { paletteFor } from "../color.js";
import { isoTime, metricJson, printable, toJson } from "../format.js";
import { watchLink } from "../link-notes.js";
import { checkTokens, printLine, printNote, untilSignal, withConnection, withSession } from "./session.js";

interface SuspectsFlags {
  name?: string;
  peer?: string;
  json?: boolean;
}

export function suspectsCommand(): Command {
  return withConnection(new Command("suspects"))
    .description("follow early suspicion (peers later than their rhythm, before their ttl runs out) until interrupted")
    .option("--name <name>", "only events about this metric name")
    .option("--peer <id>", "only events about this peer")
    .option("--json", "print one JSON object per event (NDJSON)")
    .addHelpText(
      "after",
      `
Monitors announce suspicion only with \`peermon serve --suspicion on\`.

Examples:
  peermon suspects
  peermon suspects --name ping --json`,
    )
    .action(async (flags: SuspectsFlags & Record<string, unknown>) => {
      checkTokens({ "metric name": flags.name, "peer id": flags.peer });
      await withSession(
        flags,
        "suspects",
        async (s) => {
          const palette = paletteFor();
          const signal = untilSignal();
          const link = watchLink(s.nc, printNote, { lost: "suspicion sent until then is missed" });
          const stream = s.client.suspects({ name: flags.name, peer: flags.peer });
          void signal.done.then(() => stream.stop());
          try {
            await stream.ready;
            printNote(`following suspicion on ${s.client.subjects.suspectsFilter(flags.name, flags.peer)} (Ctrl-C to stop)`);
            for await (const e of stream) printLine(flags.json ? toJson(suspicionJson(e)) : suspicionLine(e, palette));
          } finally {
            link.stop();
            signal.cancel();
          }
        },
        { follow: true },
      );
    });
}

export function suspicionJson(e: SuspicionEvent): Record<string, unknown> {
  return { ...metricJson(e), triggered_at: e.triggeredAt, id: e.id, kind: e.kind };
}

/** `2026-11-23T00:00:00.000Z SUSPECT  P1 | ping: <value>`. */
export function suspicionLine(e: SuspicionEvent, c: ReturnType<typeof paletteFor>): string {
  const kind = e.kind.toUpperCase().padEnd("RESOLVED".length);
  return `${isoTime(e.triggeredAt)} ${e.kind === "suspect" ? c.yellow(kind) : c.green(kind)} ${printable(e.peer)} | ${c.bold(printable(e.name))}: ${printable(e.value)}`;
}
