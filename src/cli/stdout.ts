/**
 * When the reader of stdout goes away (`peermon status | head -2`, a closed pager), stop quietly
 * with exit code 0, as Unix tools do, instead of an unhandled `write EPIPE` stack trace. What is
 * still written goes nowhere. A command that holds something open (a follower such as `alerts`
 * or `publish --every`, the demo with its nats-server) listens for SIGTERM: it is asked to stop
 * as if sent one, and ends cleanly; any other command exits at once.
 */
import { EXIT_OK } from "./exit.js";

export function exitQuietlyWhenStdoutCloses(stream: NodeJS.WriteStream = process.stdout): void {
  let closed = false;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    if (closed) return;
    closed = true;
    stream.write = (() => true) as typeof stream.write;
    if (process.listenerCount("SIGTERM") > 0) process.emit("SIGTERM", "SIGTERM");
    else process.exit(EXIT_OK);
  });
}
