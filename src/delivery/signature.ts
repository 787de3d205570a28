/**
 * The webhook signature: `X-Peermon-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>`,
 * keyed with `--webhook-secret`. A receiver recomputes it over the raw body it read (before any
 * JSON parsing) and compares in constant time; `verifySignature` does that for receivers in Node.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "X-Peermon-Signature";

/** The header value for `body`: "sha256=" and 64 lowercase hex digits. */
export function signBody(body: Uint8Array, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** True when `header` is the signature of `body` under `secret` (constant-time comparison). */
export function verifySignature(body: Uint8Array, secret: string, header: string | null | undefined): boolean {
  if (typeof header !== "string") return false;
  const expected = Buffer.from(signBody(body, secret));
  const given = Buffer.from(header.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
