/**
 * Destination URLs as given by the operator (`--alertmanager`, `--webhook`), and what may be shown
 * of them. A URL may carry credentials (`https://user:password@host/`) and receivers often put a
 * token in the path or query (`/hooks/T0/B0/XXXX`, `?token=...`): logs, status, metrics and errors
 * show only `redacted` (scheme, host, port), and the id that names a sink and its durable consumer
 * is a hash of the URL without its credentials, so that changing a password keeps the consumer.
 */
import { createHash } from "node:crypto";

export interface DestinationUrl {
  /** What is requested: the URL without user:password (fetch refuses credentials in a URL). */
  url: string;
  /** `Basic ...` when the URL carried user:password. Never shown. */
  authorization?: string;
  /** What may be shown: scheme://host:port, with `/…` when there is more. */
  redacted: string;
  /** 8 hex digits of SHA-256 of `url`: stable across restarts and instances. */
  hash: string;
}

/** Parses an http(s) URL; throws a TypeError (without the URL in it) when it is not one. */
export function parseDestinationUrl(text: string): DestinationUrl {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new TypeError("not a URL: write it like http://alertmanager:9093");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new TypeError(`only http:// and https:// URLs can receive alerts, not ${u.protocol}//`);
  }
  let authorization: string | undefined;
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    u.username = "";
    u.password = "";
  }
  const url = u.toString();
  const more = (u.pathname !== "/" && u.pathname !== "") || u.search !== "" || u.hash !== "";
  const redacted = `${u.protocol}//${authorization ? "***@" : ""}${u.host}${more ? "/…" : ""}`;
  const hash = createHash("sha256").update(url).digest("hex").slice(0, 8);
  return authorization ? { url, authorization, redacted, hash } : { url, redacted, hash };
}

/**
 * What may be shown of `text`: its redacted form (also for a URL of another scheme, so that
 * `ftp://x` is shown as such), or a placeholder when it is not a URL at all.
 */
export function redactUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    return "<not a URL>";
  }
  const more = (u.pathname !== "/" && u.pathname !== "") || u.search !== "" || u.hash !== "";
  return `${u.protocol}//${u.username || u.password ? "***@" : ""}${u.host}${more ? "/…" : ""}`;
}
