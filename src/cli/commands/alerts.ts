/**
 * `peermon alerts`: follows `<prefix>.alerts.<name|*>.<peer|*>` until interrupted and prints each
 * Alert (a line, or NDJSON with --json). Once subscribed it says so on stderr, so that scripts can
 * wait for that line before causing alerts.
 */
import { Command } from "commander";
import type { Msg } from "nats";
import { decodeAlert } from "../../api/validate.js";
import { PeermonError } from "../../errors.js";
import { paletteFor } from "../color.js";
import { alertJson, alertLine, toJson } from "../format.js";
import { checkTokens, printLine, printNote, untilSignal, withConnection, withSession, type Session } from "./session.js";

interface AlertsFlags {
  name?: string;
  peer?: string;
  json?: boolean;
}

export function alertsCommand(): Command {
  return withConnection(new Command("alerts"))
    .description("follow alerts (firing and resolved) until interrupted")
    .option("--name <name>", "only alerts about this metric name")
    .option("--peer <id>", "only alerts about this peer")
    .option("--json", "print one JSON object per alert (NDJSON)")
    .addHelpText(
      "after",
      `
Examples:
  peermon alerts                       # every alert, as lines
  peermon alerts --name ping --json    # ping alerts as NDJSON, e.g. for jq`,
    )
    .action(async (flags: AlertsFlags & Record<string, unknown>) => {
      checkTokens({ "metric name": flags.name, "peer id": flags.peer });
      await withSession(flags, "alerts", (s) => follow(s, flags), { follow: true });
    });
}

async function follow(s: Session, flags: AlertsFlags): Promise<void> {
  const subject = s.client.subjects.alertFilter(flags.name, flags.peer);
  const print = printer(flags.json === true);
  const signal = untilSignal();
  const sub = s.nc.subscribe(subject, { callback: (err, m) => err || print(m) });
  try {
    await s.nc.flush();
    printNote(`following alerts on ${subject} (Ctrl-C to stop)`);
    const ended = await Promise.race([signal.done, s.nc.closed().then((err) => ({ closed: err ?? undefined }))]);
    if (typeof ended === "object") {
      const why = ended.closed ? ` (${ended.closed.message})` : "";
      throw new PeermonError(`the NATS connection closed${why}; no more alerts can be received: run \`peermon alerts\` again`);
    }
  } finally {
    signal.cancel();
    sub.unsubscribe();
  }
}

function printer(json: boolean): (m: Msg) => void {
  const palette = paletteFor();
  return (m) => {
    let alert;
    try {
      alert = decodeAlert(m.data);
    } catch (err) {
      printNote(`peermon: ignored a message on ${m.subject} that is not an Alert (${(err as Error).message})`);
      return;
    }
    printLine(json ? toJson(alertJson(alert)) : alertLine(alert, palette));
  };
}
