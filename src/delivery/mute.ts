/**
 * MuteStage: alerts a Muter mutes are not delivered to any sink; they are acknowledged and counted
 * as muted. Today's Muter is the alert's own `m` flag (a peermon silence matched when the monitor
 * published it); any other way to mute (inhibition, a sink-side silence) is another Muter.
 */
import type { DeliveryEvent } from "./event.js";
import { filterStage, type Stage } from "./stage.js";

export interface Muter {
  muted(event: DeliveryEvent): boolean;
}

/** Mutes what the monitor published as muted (`m: true`). */
export const flagMuter: Muter = { muted: (e) => e.muted };

export function muteStage(muter: Muter): Stage {
  return filterStage((p) => !muter.muted(p.event), "muted");
}
