/**
 * When the reader of stdout goes away (`peermon status | head -2`, a closed pager), stop quietly
 * with exit code 0, as Unix tools do, instead of an unhandled `write EPIPE` stack trace. A
 * following command (`alerts`, `publish --every`) thereby ends once nobody reads it.
 */
import { EXIT_OK } from "./exit.js";

export function exitQuietlyWhenStdoutCloses(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(EXIT_OK);
    throw err;
  });
}
