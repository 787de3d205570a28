/**
 * The detectors the trace benchmark compares, by name: the monitor's `rhythm` (src) and the ones it
 * is measured against, which live here since only the benchmark uses them (ttl, IPFS Cluster's
 * tick, phi accrual, Chen). Each factory makes the state of one window.
 */
import { ChenDetector, type ChenOptions } from "./chen.js";
import { ConfirmedTtlDetector } from "./confirm.js";
import { type ConfirmationOptions, confirmationOptions } from "../../../../src/window/detectors/confirmation.js";
import type { DetectorFactory } from "../../../../src/window/detectors/detector.js";
import { IpfsTickDetector, type IpfsTickOptions } from "./ipfs-tick.js";
import { PhiAccrualDetector, type PhiOptions } from "./phi.js";
import { RhythmDetector, type RhythmOptions } from "../../../../src/window/detectors/rhythm.js";
import { TtlDetector } from "./ttl.js";

export type { Detector, DetectorFactory } from "../../../../src/window/detectors/detector.js";

/** The detectors the benchmark knows, by the name the benchmark uses. */
export type DetectorName = "ttl" | "ipfs-tick" | "ttl+confirm" | "phi" | "chen" | "rhythm";

/** `verdict`: the detector is the whole verdict; `suspicion`: it only adds early suspicion under the TTL. */
export type DetectorFamily = "verdict" | "suspicion";
export { ChenDetector, DEFAULT_CHEN, type ChenOptions } from "./chen.js";
export { IpfsTickDetector, DEFAULT_IPFS_TICK_MS, firstTickAfter, type IpfsTickOptions } from "./ipfs-tick.js";
export { PhiAccrualDetector, DEFAULT_PHI, akkaPhi, logisticQuantile, type PhiOptions } from "./phi.js";
export { RhythmDetector, DEFAULT_RHYTHM, type RhythmOptions } from "../../../../src/window/detectors/rhythm.js";
export { TtlDetector } from "./ttl.js";
export { ConfirmedTtlDetector } from "./confirm.js";
export { DEFAULT_CONFIRMATION, type ConfirmationOptions } from "../../../../src/window/detectors/confirmation.js";

/** Options of each detector, by name. */
export interface DetectorOptions {
  ttl: Record<string, never>;
  "ipfs-tick": IpfsTickOptions;
  "ttl+confirm": ConfirmationOptions;
  phi: PhiOptions;
  chen: ChenOptions;
  rhythm: RhythmOptions;
}

export const DETECTOR_NAMES: readonly DetectorName[] = ["ttl", "ipfs-tick", "phi", "chen", "rhythm", "ttl+confirm"];

export const DETECTOR_FAMILY: Readonly<Record<DetectorName, DetectorFamily>> = {
  ttl: "verdict",
  "ipfs-tick": "verdict",
  "ttl+confirm": "verdict",
  phi: "suspicion",
  chen: "suspicion",
  rhythm: "suspicion",
};

/**
 * The factory of `name` with `options`, validated once: its detectors share the configuration,
 * each holds only its window's state.
 */
export function detectorFactory<N extends DetectorName>(name: N, options: DetectorOptions[N] = {} as DetectorOptions[N]): DetectorFactory {
  switch (name) {
    case "ttl":
      return () => new TtlDetector();
    case "ipfs-tick":
      return validated(() => new IpfsTickDetector(options as IpfsTickOptions));
    case "ttl+confirm": {
      const o = confirmationOptions(options as ConfirmationOptions);
      return () => new ConfirmedTtlDetector(o);
    }
    case "phi":
      return validated(() => new PhiAccrualDetector(options as PhiOptions));
    case "chen":
      return validated(() => new ChenDetector(options as ChenOptions));
    case "rhythm": {
      const Configured = RhythmDetector.configure(options as RhythmOptions);
      return () => new Configured();
    }
  }
  throw new RangeError(`unknown detector ${String(name)}: use one of ${DETECTOR_NAMES.join(", ")}`);
}

/** `make`, once called: bad options throw here, when the factory is made, not at the first window. */
function validated(make: DetectorFactory): DetectorFactory {
  make();
  return make;
}
