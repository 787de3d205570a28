/**
 * AlertFactory: the alerts a window announces, stamped with the monitor's wall clock (`r`) and a ULID
 * (`i`, monotonic within a millisecond). The first firing alert of an episode names it (`x` = its
 * own `i`); repeats and the resolved alert carry that name.
 *
 * Muting is decided here, once, for every alert (`m`): a firing alert (first or repeat) is muted
 * while the Muter (the silences) says so; a resolved alert is muted when the sinks never got a
 * firing alert of its episode, so that a receiver sees a resolution only for what it saw fire.
 */
import { monotonicFactory } from "ulid";
import type { Clock } from "../clock.js";
import type { Alert, AlertKind, Metric } from "../api/types.js";
import { msToNs } from "../window/deadline.js";
import { NO_MUTER, type Muter } from "./muter.js";

export class AlertFactory {
  private readonly newId = monotonicFactory();

  constructor(
    private readonly clock: Clock,
    private readonly muter: Muter = NO_MUTER,
  ) {}

  /** The firing alert that opens a new episode. */
  opening(latest: Metric): Alert {
    return this.make(latest, "firing", undefined, undefined);
  }

  /** A repeat of the firing alert of `episode`. */
  repeat(latest: Metric, episode: string): Alert {
    return this.make(latest, "firing", episode, undefined);
  }

  /** The resolved alert that closes `episode`; `reached`: a firing alert of it went to the sinks. */
  closing(latest: Metric, episode: string, reached: boolean): Alert {
    return this.make(latest, "resolved", episode, !reached);
  }

  private make(latest: Metric, kind: AlertKind, episode: string | undefined, muted: boolean | undefined): Alert {
    const now = this.clock.wallNow(); // r and the ULID agree with other machines' clocks (so do silences' ends)
    const id = this.newId(Math.floor(now));
    const alert: Alert = { ...latest, triggeredAt: msToNs(now), id, kind, episode: episode ?? id };
    if (muted ?? this.muter.mutes(latest.name, latest.peer, now)) alert.muted = true;
    return alert;
  }
}
