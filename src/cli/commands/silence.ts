/**
 * `peermon silence add [--name N] --peer P --for 2h [--comment C] | ls | rm <id>`: maintenance
 * windows. A silenced peer's alerts are still published on NATS, muted (`m: true`); Alertmanager and
 * webhooks get nothing until the silence ends (by itself at its end, or with `rm`). The storing is
 * the SDK's (SilenceStore); this file only checks arguments and prints.
 */
import { Command } from "commander";
import { userInfo } from "node:os";
import type { Silence } from "../../api/types.js";
import { formatDuration, parseDuration } from "../../duration.js";
import { UsageError } from "../../errors.js";
import { toJson } from "../format.js";
import { checkTokens, printLine, printNote, withConnection, withSession } from "./session.js";

type Flags = { json?: boolean } & Record<string, unknown>;

export function silenceCommand(): Command {
  const silence = new Command("silence")
    .description("maintenance windows: mute a peer's alerts for a while (they reach no Alertmanager or webhook)")
    .addHelpText(
      "after",
      `
Examples:
  peermon silence add --peer P3 --for 2h --comment "kernel update"   # prints the silence's id
  peermon silence add --name freespace --peer P3 --for 30m
  peermon silence ls
  peermon silence rm 01JBX7Q3ZK8Y3W6T0C1M2N4P5R`,
    );
  silence.addCommand(addCommand());
  silence.addCommand(listCommand());
  silence.addCommand(removeCommand());
  return silence;
}

function addCommand(): Command {
  return withConnection(new Command("add"))
    .description("silence a peer (for one metric name, or all) for a while; prints the silence's id")
    .requiredOption("--peer <peer>", "the peer to silence")
    .option("--name <name>", "only this metric name (default: every name of the peer)")
    .requiredOption("--for <duration>", "how long, at most 30 days: 30m, 2h, 3d")
    .option("--comment <text>", "why, for whoever reads `silence ls`")
    .option("--json", "print the silence as JSON instead of its id")
    .addHelpText("after", '\nExample:\n  peermon silence add --peer P3 --for 2h --comment "reboot"')
    .action(async (flags: Flags & { peer: string; name?: string; for: string; comment?: string }) => {
      checkTokens({ "peer id": flags.peer, "metric name": flags.name });
      const forMs = parseDuration(flags.for);
      if (forMs === undefined) throw new UsageError(`invalid --for ${JSON.stringify(flags.for)}: write a duration like 30m, 2h or 3d`);
      const input = { peer: flags.peer, name: flags.name, forMs, comment: flags.comment, createdBy: whoAmI() };
      const s = await withSession(flags, "silence add", (session) => session.client.addSilence(input));
      if (flags.json) return printLine(toJson(silenceJson(s)));
      printNote(`silenced ${scope(s)} until ${iso(s.endsAtMs)} (${formatDuration(s.endsAtMs - s.startsAtMs)})`);
      printLine(s.id);
    });
}

function listCommand(): Command {
  return withConnection(new Command("ls"))
    .description("the silences running now, soonest end first")
    .option("--json", "print a JSON array of silences")
    .addHelpText("after", "\nExample:\n  peermon silence ls")
    .action(async (flags: Flags) => {
      const list = await withSession(flags, "silence ls", (s) => s.client.listSilences());
      if (flags.json) return printLine(toJson(list.map(silenceJson)));
      if (list.length === 0) return printNote("no silence is running (add one with `peermon silence add --peer <peer> --for 2h`)");
      const now = Date.now();
      for (const s of list) printLine(silenceLine(s, now));
    });
}

function removeCommand(): Command {
  return withConnection(new Command("rm"))
    .description("end a silence now: alerts it muted that still fire are delivered")
    .argument("<id>", "the silence's id, as `silence add` printed it or `silence ls` lists it")
    .option("--json", "print the removed silence as JSON")
    .addHelpText("after", "\nExample:\n  peermon silence rm 01JBX7Q3ZK8Y3W6T0C1M2N4P5R")
    .action(async (id: string, flags: Flags) => {
      const s = await withSession(flags, "silence rm", (session) => session.client.removeSilence(id));
      if (flags.json) return printLine(toJson(silenceJson(s)));
      printLine(`removed silence ${s.id} of ${scope(s)}`);
    });
}

/** `01J... | P3 | all names | ends in 1h59m (2026-...Z) | by ops | kernel update` */
export function silenceLine(s: Silence, nowMs: number): string {
  const parts = [s.id, s.peer, s.name ?? "all names", `ends in ${formatDuration(s.endsAtMs - nowMs)} (${iso(s.endsAtMs)})`];
  if (s.createdBy) parts.push(`by ${s.createdBy}`);
  if (s.comment) parts.push(s.comment);
  return parts.join(" | ");
}

export function silenceJson(s: Silence): Record<string, unknown> {
  return { id: s.id, name: s.name ?? null, peer: s.peer, starts_at: iso(s.startsAtMs), ends_at: iso(s.endsAtMs), comment: s.comment, created_by: s.createdBy };
}

function scope(s: Silence): string {
  return s.name === undefined ? `${s.peer} (every metric name)` : `${s.peer} for ${s.name}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return "";
  }
}
