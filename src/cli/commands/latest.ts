/**
 * `peermon latest <name>`: the latest valid metric of `name` from each current peer, one line each
 * (`<peer> | <name>: <value> | Expires in: 12s`) or a JSON array.
 */
import { Command } from "commander";
import { paletteFor } from "../color.js";
import { metricJson, metricLine, nowNs, printable, toJson } from "../format.js";
import { checkTokens, printLine, printNote, withConnection, withSession } from "./session.js";

export function latestCommand(): Command {
  return withConnection(new Command("latest"))
    .description("the latest valid metric of <name> from each current peer")
    .argument("<name>", "metric name (list them with `peermon names`)")
    .option("--json", "print a JSON array of metrics")
    .option("--exclude-suspects", "leave out peers the monitor announced suspect (serve --suspicion on)")
    .addHelpText(
      "after",
      `
Examples:
  peermon latest ping
  peermon latest freespace --json | jq -r 'sort_by(-.weight) | .[0].peer'   # the emptiest peer
  peermon latest freespace --exclude-suspects                              # where to place new data`,
    )
    .action(async (name: string, flags: { json?: boolean; excludeSuspects?: boolean } & Record<string, unknown>) => {
      checkTokens({ "metric name": name });
      const { metrics, nonMembers } = await withSession(flags, "latest", (s) =>
        s.client.latestReply(name, { excludeSuspects: flags.excludeSuspects === true }),
      );
      if (nonMembers.length > 0) printNote(nonMembersNote(name, nonMembers));
      if (flags.json) return printLine(toJson(metrics.map(metricJson)));
      if (metrics.length === 0) {
        return printNote(`no valid ${name} metrics from current peers (known names: \`peermon names\`)`);
      }
      const now = nowNs();
      const palette = paletteFor();
      for (const m of metrics) printLine(metricLine(m, now, palette));
    });
}

/** What `latest` says on stderr about peers outside the peerset that send `name`. */
function nonMembersNote(name: string, peers: readonly string[]): string {
  const one = peers.length === 1;
  return (
    `peermon: ${peers.map(printable).join(", ")} ${one ? "sends" : "send"} ${name} but ${one ? "is" : "are"} not in the peerset: ` +
    `ignored; see it with \`peermon peerset show\`, add with \`peermon peerset add ${printable(peers[0]!)}\``
  );
}
