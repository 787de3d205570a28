/**
 * `peermon names`: every metric name the monitors know (all shards together).
 */
import { Command } from "commander";
import { printable, toJson } from "../format.js";
import { printLine, printNote, withConnection, withSession } from "./session.js";

export function namesCommand(): Command {
  return withConnection(new Command("names"))
    .description("the metric names the monitors know")
    .option("--json", "print a JSON array of names")
    .addHelpText(
      "after",
      `
Examples:
  peermon names
  peermon names --json`,
    )
    .action(async (flags: { json?: boolean } & Record<string, unknown>) => {
      const { names, missingShards } = await withSession(flags, "names", (s) => s.client.namesCoverage());
      if (missingShards.length > 0) {
        printNote(`warning: shard(s) ${missingShards.join(", ")} did not answer; their names are missing (check their monitors)`);
      }
      if (flags.json) return printLine(toJson(names));
      if (names.length === 0) printNote("no metrics received yet (publish one with `peermon publish <name> --peer <id>`)");
      for (const n of names) printLine(printable(n));
    });
}
