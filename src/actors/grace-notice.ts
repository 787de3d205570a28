/**
 * GraceNotice: says when the grace after an outage is over, in one log line however
 * often the grace was extended meanwhile, with the number of due deadlines it held back.
 */
import type { Clock, TimerHandle } from "../clock.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import type { SelfOutageGuard } from "../window/self-outage.js";

export class GraceNotice {
  private timer: TimerHandle | undefined;
  private deferredAtStart = 0;

  constructor(
    private readonly guard: SelfOutageGuard,
    private readonly clock: Clock,
    private readonly stats: MonitorStats,
    private readonly log: Logger,
  ) {}

  /** A grace may have started or grown: log its end when it comes. */
  watch(): void {
    const now = this.clock.now();
    const endsAt = this.guard.graceEndsAt;
    if (endsAt <= now) return;
    if (this.timer === undefined) this.deferredAtStart = this.stats.convictionsDeferred;
    else this.clock.clearTimer(this.timer);
    this.timer = this.clock.setTimer(() => this.ended(), endsAt - now);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private ended(): void {
    this.timer = undefined;
    if (this.guard.graceEndsAt > this.clock.now()) return this.watch();
    const held = this.stats.convictionsDeferred - this.deferredAtStart;
    this.log.info({ convictionsDeferred: held }, "grace over: due deadlines may convict again");
  }
}
