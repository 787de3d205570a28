/**
 * The webhook body, pure: Alertmanager's webhook payload, version "4", so that any receiver
 * written for Alertmanager (chat bridges, ntfy, incident tools) takes peermon's alerts directly.
 * One payload is one group: the alerts of one metric name that fell due together. The fingerprint
 * identifies an alert's episode: a repeat keeps it, the next failure of the same peer gets a new one.
 */
import { createHash } from "node:crypto";
import { ALERTNAME, toPostableAlert, type Links } from "./alertmanager.js";
import type { DeliveryEvent, DeliveryStatus } from "./event.js";

export const WEBHOOK_RECEIVER = "peermon";
/** What Alertmanager writes as endsAt while an alert fires (Go's zero time). */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

export interface WebhookAlert {
  status: DeliveryStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Fields in Alertmanager's order. */
export interface WebhookPayload {
  receiver: string;
  status: DeliveryStatus;
  alerts: WebhookAlert[];
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  version: "4";
  groupKey: string;
  truncatedAlerts: number;
}

/** 16 hex digits (as Alertmanager's) of SHA-256 over the alert's identity and its episode. */
export function fingerprint(e: DeliveryEvent): string {
  const identity = e.type === "metric" ? [ALERTNAME.metric, e.name, e.peer] : [ALERTNAME.disruption, e.name];
  return createHash("sha256")
    .update([...identity, e.episode].join("\u0000"))
    .digest("hex")
    .slice(0, 16);
}

export function webhookAlert(e: DeliveryEvent, links: Links): WebhookAlert {
  const a = toPostableAlert(e, links);
  return {
    status: e.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt ?? ZERO_TIME,
    generatorURL: a.generatorURL,
    fingerprint: fingerprint(e),
  };
}

/** The labels or annotations every alert has with the same value. */
function common(maps: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

/** Alertmanager's group key: `{}:{label="value", ...}` over the group labels, sorted. */
function groupKey(groupLabels: Record<string, string>): string {
  const pairs = Object.keys(groupLabels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(groupLabels[k])}`);
  return `{}:{${pairs.join(", ")}}`;
}

/** One payload for a group of events of one batch key (one metric name, one kind). */
export function webhookPayload(events: readonly DeliveryEvent[], links: Links): WebhookPayload {
  const alerts = events.map((e) => webhookAlert(e, links));
  const first = alerts[0]?.labels ?? {};
  const groupLabels: Record<string, string> = {};
  if (first.alertname !== undefined) groupLabels.alertname = first.alertname;
  if (first.metric !== undefined) groupLabels.metric = first.metric;
  return {
    receiver: WEBHOOK_RECEIVER,
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    alerts,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: links.statusPage,
    version: "4",
    groupKey: groupKey(groupLabels),
    truncatedAlerts: 0,
  };
}

export function webhookBody(events: readonly DeliveryEvent[], links: Links): Uint8Array {
  return Buffer.from(JSON.stringify(webhookPayload(events, links)));
}
