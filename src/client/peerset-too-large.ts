/**
 * A PeerSet refused for its size, by the NATS server (`max_payload`) or by the PeerSet stream
 * (its `max_msg_size`): the error says how big the set was, what the limit is and what to change.
 */
import { UsageError } from "../errors.js";
import { removeLimitCommand } from "../bus/peerset-stream.js";

export class PeerSetTooLarge extends UsageError {
  override name = "PeerSetTooLarge";
  constructor(
    /** Peers in the refused set. */
    readonly peers: number,
    /** Its encoded size, bytes. */
    readonly bytes: number,
    /** The limit it is over, bytes. */
    readonly limitBytes: number,
    /** Who refused it: the server (`max_payload`) or the stream (`max_msg_size`). */
    readonly limitedBy: "server" | "stream",
    hint: string,
    cause: unknown,
  ) {
    super(`the peerset of ${peers} peer${peers === 1 ? "" : "s"} is ${formatBytes(bytes)} encoded, over ${hint}, then try again`, { cause });
  }

  /** The server refused it: its `max_payload` is `maxPayload` bytes. */
  static byServer(peers: number, bytes: number, maxPayload: number, cause: unknown): PeerSetTooLarge {
    return new PeerSetTooLarge(
      peers,
      bytes,
      maxPayload,
      "server",
      `the NATS server's max_payload of ${formatBytes(maxPayload)}: raise max_payload in the server's config ` +
        "(for example `max_payload: 16MB`; nats-server takes up to 64MB) and reload it (nats-server --signal reload)",
      cause,
    );
  }

  /** The PeerSet stream `stream` refused it: its `max_msg_size` is `limit` bytes. */
  static byStream(peers: number, bytes: number, limit: number, stream: string, cause: unknown): PeerSetTooLarge {
    return new PeerSetTooLarge(
      peers,
      bytes,
      limit,
      "stream",
      `the ${formatBytes(limit)} that the stream ${stream} accepts (its max_msg_size): remove that limit with ` +
        `\`${removeLimitCommand(stream)}\` (credentials that may edit streams)`,
      cause,
    );
  }
}

/** `530,123 bytes (518 KiB)`: exact, and readable. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString("en-US")} byte${bytes === 1 ? "" : "s"}`;
  if (bytes < 1024) return exact;
  const [value, unit] = bytes < 1024 ** 2 ? [bytes / 1024, "KiB"] : [bytes / 1024 ** 2, "MiB"];
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${exact} (${shown} ${unit})`;
}
