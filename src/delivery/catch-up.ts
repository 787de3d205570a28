/**
 * CatchUpStage: a destination added while alerts fire gets, first, the alert log's last alert of
 * each (name, peer) (its consumer starts there: feed.ts). The firing ones go on — it learns what is
 * firing, once, batched as any burst is. A resolved one ended an episode before the destination
 * existed, so it was never sent the firing alert: it is skipped (settled as `past`), and a receiver
 * sees a resolution only for what it saw fire.
 */
import { filterStage, type Stage } from "./stage.js";

export function catchUpStage(): Stage {
  return filterStage((p) => !(p.catchUp === true && p.event.status === "resolved"), "past");
}
