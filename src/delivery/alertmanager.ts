/**
 * Alertmanager's v2 postable alert (`POST /api/v2/alerts`), pure. Labels identify the alert (and
 * Alertmanager de-duplicates by them): alertname, metric and, for a metric alert, peer. startsAt is
 * the metric's deadline; a firing alert has no endsAt (Alertmanager then holds it for its
 * resolve_timeout, hence the re-posts), a resolved one ends when the monitor saw the peer return.
 */
import type { DeliveryEvent } from "./event.js";

export const ALERTNAME = { metric: "PeermonMetricExpired", disruption: "PeermonDisruption" } as const;

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
}

/** Links back to peermon: the status page people reach, or "" when there is none. */
export interface Links {
  /** generatorURL and the webhook's externalURL. */
  statusPage: string;
}

/** The latest and earliest times an RFC 3339 timestamp can say (years 1..9999). */
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;

/** RFC 3339 in UTC with milliseconds; a time beyond years 1..9999 is clamped (a hostile `e`). */
export function rfc3339(ms: number): string {
  const t = Number.isFinite(ms) ? Math.min(Math.max(Math.round(ms), MIN_MS), MAX_MS) : 0;
  return new Date(t).toISOString();
}

export function labelsOf(e: DeliveryEvent): Record<string, string> {
  return e.type === "metric" ? { alertname: ALERTNAME.metric, metric: e.name, peer: e.peer } : { alertname: ALERTNAME.disruption, metric: e.name };
}

/** The one sentence an on-call person reads first. */
export function summaryOf(e: DeliveryEvent): string {
  if (e.type === "disruption") {
    const share = `${e.count} peers (${Math.round(e.fraction * 100)}%)`;
    return e.status === "firing"
      ? `${share} stopped sending ${e.name} at once: a partition or an outage, not single peers; ` +
          `peermon holds their alerts until it ends (or \`peermon disruption release ${e.name}\`)`
      : `The disruption of ${e.name} is over: ${share} still late or silent, alerted one by one`;
  }
  if (e.status === "resolved") return `Peer ${e.peer} is sending ${e.name} again (since ${rfc3339(e.atMs)})`;
  const since = e.receivedAtMs > 0 ? `since ${rfc3339(e.receivedAtMs)}` : "for longer than its ttl";
  return `Peer ${e.peer} stopped sending ${e.name}: silent ${since}, its last value expired at ${rfc3339(e.deadlineMs)}`;
}

export function annotationsOf(e: DeliveryEvent): Record<string, string> {
  const value = e.type === "metric" ? e.value : `${e.count} peers, ${Math.round(e.fraction * 1000) / 10}%`;
  return { summary: summaryOf(e), value, alert_id: e.id };
}

/** When the alert started: a metric's deadline; a disruption's decision; a resolved one's episode start. */
export function startsAtMs(e: DeliveryEvent): number {
  if (e.status === "resolved") return Math.min(e.startedAtMs ?? e.atMs, e.atMs);
  return e.type === "metric" ? e.deadlineMs : e.atMs;
}

export function toPostableAlert(e: DeliveryEvent, links: Links): PostableAlert {
  const alert: PostableAlert = {
    labels: labelsOf(e),
    annotations: annotationsOf(e),
    startsAt: rfc3339(startsAtMs(e)),
    generatorURL: links.statusPage,
  };
  if (e.status === "resolved") alert.endsAt = rfc3339(e.atMs);
  return alert;
}

/** The body of one `POST /api/v2/alerts`. */
export function alertmanagerBody(events: readonly DeliveryEvent[], links: Links): Uint8Array {
  return Buffer.from(JSON.stringify(events.map((e) => toPostableAlert(e, links))));
}

/** `<base>/api/v2/alerts`, unless the URL given already ends with it. */
export function alertsEndpoint(base: string): string {
  const u = new URL(base);
  if (!u.pathname.endsWith("/api/v2/alerts")) u.pathname = `${u.pathname.replace(/\/+$/, "")}/api/v2/alerts`;
  return u.toString();
}
