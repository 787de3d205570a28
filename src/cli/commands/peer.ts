/**
 * `peermon peer <name> <peer>`: the latest metric of `name` from one peer, expired or not.
 */
import { Command } from "commander";
import { QueryError } from "../../errors.js";
import { paletteFor } from "../color.js";
import { metricJson, metricLine, nowNs, toJson } from "../format.js";
import { checkTokens, printLine, withConnection, withSession } from "./session.js";

export function peerCommand(): Command {
  return withConnection(new Command("peer"))
    .description("the latest metric of <name> from <peer>, even if expired or invalid")
    .argument("<name>", "metric name")
    .argument("<peer>", "peer id")
    .option("--json", "print the metric as a JSON object")
    .addHelpText(
      "after",
      `
Examples:
  peermon peer ping P1
  peermon peer freespace P1 --json`,
    )
    .action(async (name: string, peer: string, flags: { json?: boolean } & Record<string, unknown>) => {
      checkTokens({ "metric name": name, "peer id": peer });
      const metric = await withSession(flags, "peer", async (s) => {
        try {
          return await s.client.latestForPeer(name, peer);
        } catch (err) {
          // A never-seen peer's answer says what to check; the plain one gets where to look.
          if (err instanceof QueryError && err.code === 404 && !err.message.includes("never reported")) {
            throw new QueryError(404, `${err.message}, and the peers that send it with \`peermon latest ${name}\``);
          }
          throw err;
        }
      });
      printLine(flags.json ? toJson(metricJson(metric)) : metricLine(metric, nowNs(), paletteFor()));
    });
}
