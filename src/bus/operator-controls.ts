/**
 * Operator control on the bus, for one monitor: the silences it follows (a SilenceBook fed from
 * the KV bucket: the windows' Muter) and the disruptions of others (the events other replicas
 * logged, the disruptions open at start, and release requests; its own events leave through the
 * outbox). Made in two steps because the windows need the book, and the followers need the
 * windows: constructed before them, `attach`ed after them and before the restore.
 */
import type { JetStreamManager, NatsConnection, Subscription } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { MuteScope } from "../actors/muter.js";
import { SilenceBook } from "../actors/silence-book.js";
import type { WindowUnits } from "../actors/window-units.js";
import type { Ownership } from "./ownership.js";
import type { Clock } from "../clock.js";
import type { MonitorConfig } from "../config.js";
import type { Logger } from "../log.js";
import { answerReleases, followDisruptions, openDisruptions } from "./disruption-log.js";
import { openSilenceBucket, SilenceFollower } from "./silence-store.js";

export interface OperatorGround {
  config: MonitorConfig;
  nc: NatsConnection;
  clock: Clock;
  subjects: Subjects;
  ownership: Ownership;
  log: Logger;
}

export class OperatorControls {
  /** The silences this monitor knows: the windows' Muter. */
  readonly silences = new SilenceBook();
  private follower: SilenceFollower | undefined;
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly g: OperatorGround,
    private readonly jsm: JetStreamManager | undefined,
  ) {}

  /** After the windows, before the restore: silences loaded, open disruptions restored, events and releases followed. */
  async attach({ disruptions, supervisor }: Pick<WindowUnits, "disruptions" | "supervisor">): Promise<void> {
    const { nc, subjects, log, clock, ownership } = this.g;
    const owns = ownership.owns;
    this.subscriptions.push(followDisruptions(nc, subjects, owns, (e) => disruptions.observed(e)));
    this.subscriptions.push(answerReleases(nc, subjects, ownership.label, owns, (name) => disruptions.release(name)));
    await this.followSilences((scopes) => supervisor.silencesEnded(scopes));
    if (!this.jsm) return;
    try {
      const open = await openDisruptions(nc, clock, subjects, owns);
      for (const e of open) disruptions.observed(e);
      if (open.length > 0) log.warn({ names: open.map((e) => e.name) }, "disruptions open at start (from the log): their firing alerts stay held");
    } catch (err) {
      log.warn({ err: (err as Error).message }, "cannot read open disruptions from the log: they are decided afresh");
    }
  }

  /** Silences that mute now. */
  activeSilences(): number {
    return this.silences.active(this.g.clock.wallNow()).length;
  }

  stop(): void {
    this.follower?.stop();
    for (const s of this.subscriptions) s.unsubscribe();
  }

  private async followSilences(ended: (scopes: MuteScope[]) => void): Promise<void> {
    const { nc, subjects, log, clock, config } = this.g;
    if (!this.jsm) {
      log.warn({}, "silences need JetStream: none apply (enable JetStream on the server to use `peermon silence`)");
      return;
    }
    try {
      const kv = await openSilenceBucket(nc, subjects, { replicas: config.streamReplicas, create: true });
      this.follower = await SilenceFollower.start({ kv, book: this.silences, clock, log, ended });
      const active = this.activeSilences();
      if (active > 0) log.info({ silences: active }, "silences loaded");
    } catch (err) {
      log.warn({ err: (err as Error).message }, "cannot follow the silences bucket: no silence applies until the monitor restarts");
    }
  }
}
