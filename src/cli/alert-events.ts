/**
 * What `peermon alerts` prints besides alerts: disruptions of a metric name (always: while one
 * lasts, the per-peer alerts of that name are held, and the follower would otherwise see nothing)
 * and, with --suspects, early suspicion. Both are live subscriptions next to the alert one; each
 * line of --json output says which it is (`event`: alert, disruption or suspicion).
 */
import type { NatsConnection } from "nats";
import type { Subjects } from "../api/subjects.js";
import type { DisruptionEvent } from "../api/types.js";
import { decodeDisruption, decodeSuspicion } from "../api/validate.js";
import type { Palette } from "./color.js";
import { isoTime, printable, toJson } from "./format.js";
import { suspicionJson, suspicionLine } from "./commands/suspects.js";

export interface ExtraEvents {
  name?: string;
  peer?: string;
  suspects: boolean;
  json: boolean;
}

/** Subscribes to the disruptions (of `name`, or all) and, when asked, suspicion; returns how to stop. */
export function followExtraEvents(nc: NatsConnection, subjects: Subjects, o: ExtraEvents, palette: Palette, print: (line: string) => void): () => void {
  const disruptionSubject = o.name === undefined ? subjects.disruptionsAll : subjects.disruption(o.name);
  const subs = [
    nc.subscribe(disruptionSubject, {
      callback: (err, m) => {
        if (err) return;
        try {
          const e = decodeDisruption(m.data);
          print(o.json ? toJson(disruptionJson(e)) : disruptionLine(e, palette));
        } catch {
          // not a disruption event: skipped
        }
      },
    }),
  ];
  if (o.suspects) {
    subs.push(
      nc.subscribe(subjects.suspectsFilter(o.name, o.peer), {
        callback: (err, m) => {
          if (err) return;
          try {
            const e = decodeSuspicion(m.data);
            print(o.json ? toJson({ event: "suspicion", ...suspicionJson(e) }) : suspicionLine(e, palette));
          } catch {
            // not a suspicion event: skipped
          }
        },
      }),
    );
  }
  return () => {
    for (const sub of subs) sub.unsubscribe();
  };
}

export function disruptionJson(e: DisruptionEvent): Record<string, unknown> {
  return { event: "disruption", name: e.name, kind: e.kind, fraction: e.fraction, count: e.count, id: e.id, triggered_at: e.triggeredAt };
}

/**
 * `<time> DISRUPTION STARTED ping: 12 peers late or expired (60% of 20): their alerts are held; ...`
 * and `<time> DISRUPTION ENDED   ping: ...: held alerts of peers still silent fire now`.
 */
export function disruptionLine(e: DisruptionEvent, c: Palette): string {
  const tracked = e.fraction > 0 ? ` of ${Math.round(e.count / e.fraction)}` : "";
  const share = `${e.count} peer${e.count === 1 ? "" : "s"} late or expired (${Math.round(e.fraction * 100)}%${tracked})`;
  const name = printable(e.name);
  if (e.kind === "started") {
    return `${isoTime(e.triggeredAt)} ${c.red("DISRUPTION STARTED")} ${c.bold(name)}: ${share}: their alerts are held; \`peermon disruption release ${name}\` fires them`;
  }
  return `${isoTime(e.triggeredAt)} ${c.green("DISRUPTION ENDED  ")} ${c.bold(name)}: ${share}: held alerts of peers still silent fire now`;
}
