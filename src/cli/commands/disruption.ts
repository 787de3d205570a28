/**
 * `peermon disruption release <name>`: when too many peers of a metric name fail at once, peermon
 * holds their firing alerts (a disruption); releasing it fires the held alerts now, and the name
 * is not held again until its share of failing peers has recovered once.
 */
import { Command } from "commander";
import { toJson } from "../format.js";
import { checkTokens, printLine, withConnection, withSession } from "./session.js";

export function disruptionCommand(): Command {
  const disruption = new Command("disruption").description("disruptions: many peers of a name failing at once, their alerts held");
  disruption.addCommand(
    withConnection(new Command("release"))
      .description("fire the alerts a disruption of <name> holds, now")
      .argument("<name>", "the metric name in a disruption (see `peermon status`)")
      .option("--json", 'print {"name", "released", "shards"}')
      .addHelpText("after", "\nExample:\n  peermon disruption release ping")
      .action(async (name: string, flags: { json?: boolean } & Record<string, unknown>) => {
        checkTokens({ "metric name": name });
        const r = await withSession(flags, "disruption release", (s) => s.client.releaseDisruption(name));
        if (flags.json) return printLine(toJson({ name, ...r }));
        printLine(`released the disruption of ${name}: ${r.released} held alert${r.released === 1 ? "" : "s"} fire now (shard ${r.shards.join(", ")})`);
      }),
  );
  return disruption;
}
