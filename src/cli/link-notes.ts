/**
 * Tells the user of a following command (`alerts`, `publish --every`) on stderr when its NATS
 * connection is lost and when it is back. The client reconnects by itself, forever, every
 * TUNING.reconnectWaitMs plus jitter (src/bus/connection.ts); this only says so, once each way.
 */
import { Events, type NatsConnection } from "nats";

export interface LinkWatch {
  /** False from a disconnect until the reconnect. */
  readonly up: boolean;
  /** Stops watching. Idempotent. */
  stop(): void;
}

/** What the command adds to each note, e.g. "publishing paused" / "publishing again". */
export interface LinkNoteText {
  lost?: string;
  back?: string;
}

export function watchLink(nc: NatsConnection, note: (line: string) => void, text: LinkNoteText = {}): LinkWatch {
  let up = true;
  const events = nc.status();
  const stop = () => (events as { stop?: () => void }).stop?.();
  void nc.closed().then(stop);
  void (async () => {
    for await (const s of events) {
      if (s.type === Events.Disconnect && up) {
        up = false;
        note(`peermon: lost the NATS connection to ${String(s.data)}; reconnecting until it is back${more(text.lost)}`);
      } else if (s.type === Events.Reconnect && !up) {
        up = true;
        note(`peermon: reconnected to NATS at ${String(s.data)}${more(text.back)}`);
      }
    }
  })();
  return {
    get up() {
      return up;
    },
    stop,
  };
}

function more(text: string | undefined): string {
  return text ? `; ${text}` : "";
}
