/**
 * `peermon alerts`: follows `<prefix>.alerts.<name|*>.<peer|*>` until interrupted and prints each
 * Alert (a line, or NDJSON with --json), and the disruptions of those names (while one lasts their
 * per-peer alerts are held), and with --suspects early suspicion (alert-events.ts). With
 * --from-stream or --since it first prints what the alert log (JetStream) still keeps, from its
 * start or from that time, then follows live (disruptions and suspicion: live only). Once
 * subscribed it says so on stderr, so that scripts can wait for that line before causing alerts;
 * it says too when the connection is lost and back (it reconnects by itself, forever).
 */
import { Command } from "commander";
import type { Msg } from "nats";
import type { Alert } from "../../api/types.js";
import { decodeAlert } from "../../api/validate.js";
import { parseDuration } from "../../duration.js";
import { ConfigError, PeermonError } from "../../errors.js";
import { paletteFor } from "../color.js";
import { alertJson, alertLine, toJson } from "../format.js";
import { watchLink } from "../link-notes.js";
import { followExtraEvents } from "../alert-events.js";
import { checkTokens, printLine, printNote, untilSignal, withConnection, withSession, type Session } from "./session.js";

interface AlertsFlags {
  name?: string;
  peer?: string;
  json?: boolean;
  suspects?: boolean;
  fromStream?: boolean;
  since?: string;
}

export function alertsCommand(): Command {
  return withConnection(new Command("alerts"))
    .description("follow alerts (firing and resolved) until interrupted; optionally from the alert log first")
    .option("--name <name>", "only alerts about this metric name")
    .option("--peer <id>", "only alerts about this peer")
    .option("--from-stream", "first print every alert the alert log still keeps (JetStream; a day by default), then follow live")
    .option("--since <when>", "first print the alerts logged since then: how far back (2h, 30m) or a time (2026-11-23T01:00:00Z)")
    .option("--suspects", "also print early suspicion: suspect and cleared (monitors running serve --suspicion on)")
    .option("--json", "print one JSON object per alert or event (NDJSON); `event` says which: alert, disruption, suspicion")
    .addHelpText(
      "after",
      `
Examples:
  peermon alerts                       # every alert, as lines
  peermon alerts --name ping --json    # ping alerts as NDJSON, e.g. for jq
  peermon alerts --since 8h            # what fired overnight, then live
  peermon alerts --suspects            # and peers later than their rhythm, before they fire
  peermon alerts --from-stream --peer P1 --json | jq -c '{kind, name}'`,
    )
    .action(async (flags: AlertsFlags & Record<string, unknown>) => {
      checkTokens({ "metric name": flags.name, "peer id": flags.peer });
      const from = flags.since !== undefined ? sinceFlag(flags.since, Date.now()) : flags.fromStream ? true : undefined;
      await withSession(flags, "alerts", (s) => (from === undefined ? followLive(s, flags) : followLog(s, flags, from)), {
        follow: true,
      });
    });
}

/** `--since`: how far back from `nowMs` (a duration) or an absolute time. */
export function sinceFlag(text: string, nowMs: number): Date {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(nowMs - ms);
  const at = /^\d{4}-\d\d-\d\d/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new ConfigError("--since", text, "write how far back, like 2h or 30m, or a time like 2026-11-23T01:00:00Z");
  }
  return new Date(at);
}

async function followLive(s: Session, flags: AlertsFlags): Promise<void> {
  const subject = s.client.subjects.alertFilter(flags.name, flags.peer);
  const print = printer(flags.json === true);
  const signal = untilSignal();
  const link = watchLink(s.nc, printNote, { lost: "alerts sent until then are missed (--since catches up from the alert log)" });
  const stopEvents = followExtras(s, flags);
  const sub = s.nc.subscribe(subject, { callback: (err, m) => err || printMessage(m, print) });
  try {
    await s.nc.flush();
    printNote(`following alerts on ${subject} (Ctrl-C to stop)`);
    const ended = await Promise.race([signal.done, s.nc.closed().then((err) => ({ closed: err ?? undefined }))]);
    if (typeof ended === "object") {
      const why = ended.closed ? ` (${ended.closed.message})` : "";
      throw new PeermonError(`the NATS connection closed${why}; no more alerts can be received: run \`peermon alerts\` again`);
    }
  } finally {
    link.stop();
    signal.cancel();
    stopEvents();
    sub.unsubscribe();
  }
}

/** The disruptions of the followed names and, with --suspects, suspicion (alert-events.ts). */
function followExtras(s: Session, flags: AlertsFlags): () => void {
  const options = { name: flags.name, peer: flags.peer, suspects: flags.suspects === true, json: flags.json === true };
  return followExtraEvents(s.nc, s.client.subjects, options, paletteFor(), printLine);
}

async function followLog(s: Session, flags: AlertsFlags, from: true | Date): Promise<void> {
  const print = printer(flags.json === true);
  const signal = untilSignal();
  const link = watchLink(s.nc, printNote, { back: "the alert log resumes where it stopped" });
  const stopEvents = followExtras(s, flags);
  const stream = s.client.alerts({ name: flags.name, peer: flags.peer, fromStream: from });
  void signal.done.then(() => stream.stop());
  const start = from === true ? "its start" : from.toISOString();
  try {
    await stream.ready;
    printNote(`following the alert log from ${start}, then live (Ctrl-C to stop)`);
    for await (const alert of stream) print(alert);
  } finally {
    link.stop();
    signal.cancel();
    stopEvents();
  }
}

type Print = (alert: Alert) => void;

function printer(json: boolean): Print {
  const palette = paletteFor();
  return (alert) => printLine(json ? toJson({ event: "alert", ...alertJson(alert) }) : alertLine(alert, palette));
}

function printMessage(m: Msg, print: Print): void {
  let alert: Alert;
  try {
    alert = decodeAlert(m.data);
  } catch (err) {
    printNote(`peermon: ignored a message on ${m.subject} that is not an Alert (${(err as Error).message})`);
    return;
  }
  print(alert);
}
