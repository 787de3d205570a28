/**
 * Following early suspicion (ARCHITECTURE.md, "Suspicion"): a subscription on
 * `<prefix>.suspects.<name>.<peer>`, decoded, as an async iterable with `stop()`. Suspicion events
 * are a cheap, live signal: there is no catch-up from a log here (a missed one is superseded by the
 * next metric or the firing alert anyway).
 */
import type { NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { SuspicionEvent } from "../api/types.js";
import { decodeSuspicion } from "../api/validate.js";
import { connectionClosed } from "./alerts.js";

export interface SuspectFilter {
  /** Only events of this metric name. */
  name?: string;
  /** Only events of this peer. */
  peer?: string;
}

export interface SuspectStream extends AsyncIterable<SuspicionEvent> {
  stop(): void;
  /** Resolves once the server has the subscription: events from then on are delivered. */
  readonly ready: Promise<void>;
}

export function followSuspects(nc: NatsConnection, subjects: Subjects, filter: SuspectFilter): SuspectStream {
  let stopped = false;
  const sub = nc.subscribe(subjects.suspectsFilter(filter.name, filter.peer));
  const ready = nc.flush();
  ready.catch(() => undefined);
  async function* events(): AsyncGenerator<SuspicionEvent> {
    for await (const m of sub) {
      try {
        yield decodeSuspicion(m.data);
      } catch {
        // something else on the subject: skipped
      }
    }
    if (!stopped && nc.isClosed()) throw connectionClosed("the suspicion stream ended");
  }
  const iterable = events();
  return {
    [Symbol.asyncIterator]: () => iterable,
    ready,
    stop: () => {
      stopped = true;
      sub.unsubscribe();
    },
  };
}
