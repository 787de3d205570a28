/**
 * One exit-code convention for every command, usage and validation errors alike:
 *   0  done (also when the reader of stdout stopped early, as `| head` does)
 *   1  it could not be done: nothing found, no monitor answered, no NATS server, no alert log, the
 *      connection closed, or an unexpected failure
 *   2  what was typed is wrong: an unknown command or option, a missing argument, an invalid value
 *      (flag, environment variable, config file key or value, metric name or peer id)
 */
import { CommanderError, type Command } from "commander";
import { ConfigError, UsageError } from "../errors.js";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** What `peermon --help` says about exit codes. */
export const EXIT_CODES_HELP = `
Exit status:
  0  done (also when the reader of the output stops early, as | head does)
  1  it could not be done: not found, no monitor or NATS server answered, connection closed
  2  usage: unknown command or option, missing argument, invalid value or config key, a peerset
     too large for the server`;

/** The exit code for an error a command threw, or commander's own (usage, --help, --version). */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  return err instanceof ConfigError || err instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
}

/** Makes commander throw its usage errors (and help, version) to our handler instead of exiting 1. */
export function throwUsageErrors(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) throwUsageErrors(sub);
}
