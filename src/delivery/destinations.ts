/**
 * The destinations a monitor's settings name, each with its body format, headers and id, and the
 * link back to peermon that alerts carry. Built once at start; nothing here does I/O.
 */
import { hostname } from "node:os";
import type { MonitorConfig } from "../config.js";
import { alertmanagerBody, alertsEndpoint, type Links } from "./alertmanager.js";
import { parseDestinationUrl } from "./destination-url.js";
import type { Destination } from "./post.js";
import { SIGNATURE_HEADER, signBody } from "./signature.js";
import { webhookBody } from "./webhook.js";

export type DeliverySettings = Pick<
  MonitorConfig,
  | "alertmanagerUrls"
  | "alertmanagerRepostMs"
  | "webhookUrl"
  | "webhookSecret"
  | "externalUrl"
  | "http"
  | "deliveryBatchMs"
  | "deliveryBatchMax"
  | "deliveryAckWaitMs"
  | "deliveryMaxPending"
  | "deliveryTimeoutMs"
  | "alertRetentionMs"
>;

/**
 * Where people reach the status page: `externalUrl`, else `http://<http host>:<port>/` with this
 * machine's name for an all-interfaces bind, else "" (no status page).
 */
export function statusPageUrl(s: Pick<DeliverySettings, "externalUrl" | "http">, machine = hostname()): string {
  if (s.externalUrl) return s.externalUrl;
  if (!s.http) return "";
  const any = ["0.0.0.0", "::", ""].includes(s.http.host);
  const host = any ? machine : s.http.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${s.http.port}/`;
}

function authHeaders(authorization: string | undefined): Record<string, string> {
  return authorization ? { authorization } : {};
}

export function alertmanagerDestination(url: string, links: Links): Destination {
  const u = parseDestinationUrl(url);
  const auth = authHeaders(u.authorization);
  return {
    id: `alertmanager-${u.hash}`,
    kind: "alertmanager",
    endpoint: alertsEndpoint(u.url),
    redacted: u.redacted,
    body: (events) => alertmanagerBody(events, links),
    headers: () => auth,
  };
}

export function webhookDestination(url: string, secret: string | undefined, links: Links): Destination {
  const u = parseDestinationUrl(url);
  const auth = authHeaders(u.authorization);
  return {
    id: `webhook-${u.hash}`,
    kind: "webhook",
    endpoint: u.url,
    redacted: u.redacted,
    body: (events) => webhookBody(events, links),
    headers: (body) => (secret ? { ...auth, [SIGNATURE_HEADER]: signBody(body, secret) } : auth),
  };
}

/** Every destination the settings name, once each: each Alertmanager, then the webhook. */
export function destinationsOf(s: DeliverySettings, links: Links): Destination[] {
  const list = s.alertmanagerUrls.map((url) => alertmanagerDestination(url, links));
  if (s.webhookUrl) list.push(webhookDestination(s.webhookUrl, s.webhookSecret, links));
  return list.filter((d, i) => list.findIndex((o) => o.id === d.id) === i);
}
