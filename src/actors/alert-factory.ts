/**
 * AlertFactory: what a window announces, stamped with the monitor's wall clock (`r`) and a ULID
 * (`i`, monotonic within a millisecond): its alerts and its suspicion events. The first firing
 * alert of an episode names it (`x` = its own `i`, made by `newId` when the machine opens the
 * episode); repeats and the resolved alert carry that name.
 *
 * Muting is decided here, once, for every alert (`m`): a firing alert (first or repeat) is muted
 * while the Muter (the silences) says so; a resolved alert is muted when the sinks never got a
 * firing alert of its episode, so that a receiver sees a resolution only for what it saw fire.
 */
import { monotonicFactory } from "ulid";
import type { Clock } from "../clock.js";
import type { Alert, AlertKind, Metric, SuspicionEvent, SuspicionKind } from "../api/types.js";
import { msToNs } from "../window/deadline.js";
import { NO_MUTER, type Muter } from "./muter.js";

export class AlertFactory {
  private readonly ulid = monotonicFactory();

  constructor(
    private readonly clock: Clock,
    private readonly muter: Muter = NO_MUTER,
  ) {}

  /** A fresh id on the wall clock: the name of a new episode. */
  newId(): string {
    return this.ulid(Math.floor(this.clock.wallNow()));
  }

  /** The firing alert that opens episode `id`. */
  opening(latest: Metric, id: string): Alert {
    return this.make(latest, "firing", id, id, undefined);
  }

  /** A repeat of the firing alert of `episode`. */
  repeat(latest: Metric, episode: string): Alert {
    return this.make(latest, "firing", this.newId(), episode, undefined);
  }

  /** The resolved alert that closes `episode`; `reached`: a firing alert of it went to the sinks. */
  closing(latest: Metric, episode: string, reached: boolean): Alert {
    return this.make(latest, "resolved", this.newId(), episode, !reached);
  }

  /** A suspicion event (`suspect` or `cleared`) about the latest metric's peer. */
  suspicion(latest: Metric, kind: SuspicionKind): SuspicionEvent {
    const now = this.clock.wallNow();
    return { ...latest, triggeredAt: msToNs(now), id: this.ulid(Math.floor(now)), kind };
  }

  private make(latest: Metric, kind: AlertKind, id: string, episode: string, muted: boolean | undefined): Alert {
    const now = this.clock.wallNow(); // r and the ULID agree with other machines' clocks (so do silences' ends)
    const alert: Alert = { ...latest, triggeredAt: msToNs(now), id, kind, episode };
    if (muted ?? this.muter.mutes(latest.name, latest.peer, now)) alert.muted = true;
    return alert;
  }
}
