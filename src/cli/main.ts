#!/usr/bin/env node
/**
 * The `peermon` command line. Each command takes the connection flags (--nats, --creds, --nkey,
 * --user, --password; env NATS_URL, NATS_CREDS, NATS_NKEY, NATS_USER, NATS_PASSWORD). Errors go to stderr, say what
 * to do, and exit with the code of exit.ts's convention (1: could not be done, 2: usage).
 */
import { Command, CommanderError, Option } from "commander";
import { SERVICE_VERSION } from "../bus/queries.js";
import { resolveSettings } from "./resolve-settings.js";
import { addSettings, SERVE_SETTINGS } from "./settings.js";
import { serve } from "./serve.js";
import { alertsCommand } from "./commands/alerts.js";
import { suspectsCommand } from "./commands/suspects.js";
import { latestCommand } from "./commands/latest.js";
import { namesCommand } from "./commands/names.js";
import { peerCommand } from "./commands/peer.js";
import { peersetCommand } from "./commands/peerset.js";
import { publishCommand } from "./commands/publish.js";
import { demoCommand } from "./commands/demo.js";
import { historyCommand } from "./commands/history.js";
import { withConnection } from "./commands/session.js";
import { statusCommand } from "./commands/status.js";
import { silenceCommand } from "./commands/silence.js";
import { disruptionCommand } from "./commands/disruption.js";
import { authCommand } from "./commands/auth.js";
import { EXIT_CODES_HELP, exitCodeOf, throwUsageErrors } from "./exit.js";
import { exitQuietlyWhenStdoutCloses } from "./stdout.js";

const program = new Command()
  .name("peermon")
  .description("peer monitor for clusters, on NATS: metric windows, latest-metric queries, alerts")
  .version(SERVICE_VERSION)
  .showHelpAfterError("(run with --help for usage)");

addSettings(withConnection(program.command("serve")), SERVE_SETTINGS)
  .description("run a monitor: keep metric windows, answer queries, publish alerts")
  .addOption(
    new Option(
      "--local-nats",
      "when nothing answers on the (loopback) --nats address, start a nats-server there with nats.conf (npm start does; default: off)",
    ),
  )
  .addHelpText(
    "after",
    `
Examples:
  peermon serve                                   # monitor on nats://127.0.0.1:4222
  peermon serve --nats nats://n1:4222 --shard 0/2 # first of two shards
  NATS_URL=nats://n1:4222 peermon serve --grace 1m --repeat 5m
  PEERMON_WEBHOOK_SECRET=... peermon serve --alertmanager http://am-0:9093,http://am-1:9093 --webhook https://hooks.example/peermon`,
  )
  .action(async (flags: Record<string, unknown>) => {
    const config = resolveSettings(flags, process.env, "serve");
    await serve(config, { localNats: flags.localNats === true });
  });

program
  .addCommand(publishCommand())
  .addCommand(alertsCommand())
  .addCommand(suspectsCommand())
  .addCommand(latestCommand())
  .addCommand(peerCommand())
  .addCommand(historyCommand())
  .addCommand(namesCommand())
  .addCommand(peersetCommand())
  .addCommand(demoCommand())
  .addCommand(statusCommand())
  .addCommand(silenceCommand())
  .addCommand(disruptionCommand())
  .addCommand(authCommand());

program.addHelpText("after", EXIT_CODES_HELP);
throwUsageErrors(program);
exitQuietlyWhenStdoutCloses();

program.parseAsync(process.argv).catch((err: unknown) => {
  // commander has printed its own usage errors already
  if (!(err instanceof CommanderError)) process.stderr.write(`peermon: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(exitCodeOf(err));
});
