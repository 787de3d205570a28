/**
 * What a monitor's windows are built from (window-units.ts): the clock, where what they announce
 * goes (the outbox) and how round trips are made, the limits and timings of config.ts, and the
 * optional operator and detection units.
 */
import type { Clock } from "../clock.js";
import type { MonitorConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { MonitorStats } from "../stats.js";
import type { ConfirmationOptions } from "../window/detectors/confirmation.js";
import type { RhythmFactory } from "../window/detectors/rhythm.js";
import type { Muter } from "./muter.js";
import type { Outbox } from "./outbox.js";
import type { RoundTrip } from "./self-health.js";

/** The settings the windows read, as config.ts documents them (units, defaults, reasons). */
export type SupervisorSettings = Pick<
  MonitorConfig,
  "windowCapacity" | "maxWindows" | "maxNames" | "repeatIntervalMs" | "graceMs" | "stallThresholdMs" | "rejectLogIntervalMs"
>;

export interface SupervisorOptions extends SupervisorSettings {
  clock: Clock;
  /** The one road out: alerts, suspicion and disruption events. */
  outbox: Outbox;
  roundTrip: RoundTrip;
  log: Logger;
  stats?: MonitorStats;
  /** Whether an alert is muted (the silences). @default NO_MUTER */
  muter?: Muter;
  /** Holding alerts when too many peers of a name fail at once. @default off */
  disruption?: DisruptionSettings;
  /** Early suspicion: a rhythm detector per window. @default off */
  suspects?: { detectors: RhythmFactory };
  /**
   * Expiry confirmation (`--confirm auto`): a peer that loses metrics fires once the metrics it
   * should have sent since its deadline are overdue too (a rhythm detector per window, shared with
   * suspicion). @default off
   */
  confirmation?: ConfirmationOptions;
  /** Note new windows and state changes for the journal of new windows (durable windows). @default false */
  journal?: boolean;
}

export interface DisruptionSettings {
  /** Fraction of a name's tracked peers late or expired above which its alerts are held; 0: off. */
  threshold: number;
  /** Fewer tracked peers never make a disruption. */
  minPeers: number;
  /** The disruption ends below threshold * (1 - hysteresis). */
  hysteresis: number;
  /** How often an open disruption is looked at again, ms. */
  checkIntervalMs: number;
  /** How long a count taken before a firing is reused for the name's next firings, ms. */
  recountMs: number;
}
