/**
 * AlertFactory: the alerts a window announces, stamped with the monitor's wall clock (`r`) and a ULID
 * (`i`, monotonic within a millisecond). The first firing alert of an episode names it (`x` = its
 * own `i`); repeats and the resolved alert carry that name.
 */
import { monotonicFactory } from "ulid";
import type { Clock } from "../clock.js";
import type { Alert, AlertKind, Metric } from "../api/types.js";
import { msToNs } from "../window/deadline.js";

export class AlertFactory {
  private readonly newId = monotonicFactory();

  constructor(private readonly clock: Clock) {}

  /** The firing alert that opens a new episode. */
  opening(latest: Metric): Alert {
    return this.make(latest, "firing", undefined);
  }

  /** A repeat of the firing alert of `episode`. */
  repeat(latest: Metric, episode: string): Alert {
    return this.make(latest, "firing", episode);
  }

  /** The resolved alert that closes `episode`, with the metric that ended it. */
  closing(latest: Metric, episode: string): Alert {
    return this.make(latest, "resolved", episode);
  }

  private make(latest: Metric, kind: AlertKind, episode: string | undefined): Alert {
    const now = this.clock.wallNow(); // r and the ULID agree with other machines' clocks
    const id = this.newId(Math.floor(now));
    return { ...latest, triggeredAt: msToNs(now), id, kind, episode: episode ?? id };
  }
}
