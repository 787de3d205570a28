/**
 * EpisodeAlerts: a window's alerts, from its machine's actions to the outbox. It names the failure
 * episode (the first firing alert's id, or the one another replica logged first), posts its
 * repeats and its end (resolved, or withdrawn when the firing alert never left), and follows its
 * mute: the server says whether what it logged was muted, and a muted episode that no silence
 * covers any more gets its firing alert delivered, once, as an unmuted repeat. What is muted is the
 * AlertFactory's decision (its Muter); this unit only keeps track of what the sinks have.
 */
import type { Clock } from "../clock.js";
import type { AlertFactory } from "./alert-factory.js";
import type { Muter } from "./muter.js";
import type { Outbox } from "./outbox.js";
import type { TrackedWindow } from "./tracked-window.js";

const ALERT_RESTORED = { type: "alert.restored" } as const;

export class EpisodeAlerts {
  /** Episodes open in the alert log for windows not created yet: `name\0peer` -> episode. */
  private readonly reopening = new Map<string, { episode: string; muted: boolean }>();

  constructor(
    private readonly clock: Clock,
    private readonly outbox: Outbox,
    private readonly alerts: AlertFactory,
    private readonly muter: Muter,
  ) {}

  /** Posts the firing alert that opens `w`'s episode; the machine hears when the server has it. */
  open(w: TrackedWindow): void {
    const alert = this.alerts.opening(w.metrics.latest()!);
    w.episode = alert.id;
    this.outbox.post(alert, {
      deadline: w.deadline,
      confirmed: (logged, muted) => {
        if (w.freed || w.episode !== alert.id) return; // that episode ended meanwhile
        w.episode = logged; // another replica may have logged the episode first: adopt its name
        this.firingLogged(w, muted);
        w.actor.send({ type: "alert.published", episode: logged });
        this.unmuteIfDue(w); // a silence that ended while the muted alert was on its way
      },
    });
  }

  /** Posts a repeat of `w`'s firing alert (a repeat interval, or a silence that ended). */
  repeat(w: TrackedWindow): void {
    const episode = w.episode ?? "";
    const alert = this.alerts.repeat(w.metrics.latest()!, episode);
    if (!alert.muted) w.firingMuted = false; // on its way to the sinks: no second un-muting repeat
    this.outbox.post(alert, {
      confirmed: (_logged, muted) => {
        if (!w.freed && w.episode === episode) this.firingLogged(w, muted);
      },
    });
  }

  /** The episode ends with the peer's return: a resolved alert, muted when the sinks never had the firing one. */
  resolve(w: TrackedWindow): void {
    this.outbox.post(this.alerts.closing(w.metrics.latest()!, w.episode ?? "", w.reached));
    this.end(w);
  }

  /** The episode ends before its firing alert left (or it was never posted): nothing is published. */
  withdraw(w: TrackedWindow): void {
    this.outbox.withdraw(w.name, w.peer, w.episode);
    this.end(w);
  }

  /**
   * An episode the alert log had open when this monitor started (its last alert is firing): the
   * window starts `alerted`, muted as logged, so that the peer's return is announced as resolved.
   */
  reopen(w: TrackedWindow, episode: string, muted: boolean): void {
    if (w.state !== "healthy") return;
    w.episode = episode;
    this.firingLogged(w, muted);
    w.actor.send(ALERT_RESTORED);
    this.unmuteIfDue(w); // the silence may have ended while no monitor ran
  }

  /** The same, for a window that does not exist yet: applied when it is created. */
  reopenLater(name: string, peer: string, episode: string, muted: boolean): void {
    this.reopening.set(`${name}\u0000${peer}`, { episode, muted });
  }

  /** A window was created: an episode the log had open for it is reopened. */
  created(w: TrackedWindow): void {
    if (this.reopening.size === 0) return;
    const key = `${w.name}\u0000${w.peer}`;
    const open = this.reopening.get(key);
    if (open === undefined) return;
    this.reopening.delete(key);
    this.reopen(w, open.episode, open.muted);
  }

  /** An alerted window whose firing alert was muted, and that no silence mutes now, gets it delivered. */
  unmuteIfDue(w: TrackedWindow): void {
    if (w.freed || !w.firingMuted || w.state !== "alerted") return;
    if (this.muter.mutes(w.name, w.peer, this.clock.wallNow())) return; // silences end on the wall clock
    this.repeat(w);
  }

  private firingLogged(w: TrackedWindow, muted: boolean): void {
    w.firingMuted = muted;
    if (!muted) w.reached = true;
  }

  private end(w: TrackedWindow): void {
    w.episode = undefined;
    w.firingMuted = false;
    w.reached = false;
  }
}
