/**
 * Peer ids given on the command line: as arguments, or read from `--file` (`-` for stdin),
 * separated by spaces or lines. A cluster of 10,000 peers does not fit on a command line.
 */
import { readFileSync } from "node:fs";
import { UsageError } from "../errors.js";

/** The peers of `args`, or of `file` when one is given (not both). */
export function peerList(args: string[], file: string | undefined): string[] {
  if (file === undefined) {
    if (args.length === 0) throw new UsageError("give the peer ids, as arguments or with --file <path>");
    return args;
  }
  if (args.length > 0) throw new UsageError("give the peer ids either as arguments or with --file, not both");
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --file ${file}: ${(err as Error).message}; give a readable file of peer ids`, {
      cause: err,
    });
  }
  return text.split(/\s+/).filter((p) => p !== "");
}
