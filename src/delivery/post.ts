/**
 * PostStage: one POST of a batch to a destination, and what the answer means. 2xx: delivered.
 * 408, 429, 5xx, a timeout or a connection failure: worth another attempt (RetryableFailure, with
 * the receiver's Retry-After). Any other 4xx, or a redirect: the receiver will not take it however
 * often it is asked, so the alerts are settled as rejected (counted, and logged with its answer).
 */
import type { DeliveryEvent } from "./event.js";
import { RetryableFailure } from "./retry.js";
import type { Pending, Stage } from "./stage.js";

/** What an HTTP POST came back with. */
export type Answer = { kind: "response"; status: number; retryAfterMs?: number; body: string } | { kind: "timeout" | "connection"; message: string };

export interface Poster {
  post(url: string, body: Uint8Array, headers: Record<string, string>): Promise<Answer>;
}

/** Where a sink posts, and how it writes a batch for it. */
export interface Destination {
  /** `alertmanager-<hash8>` or `webhook-<hash8>`: names the sink and its durable consumer. */
  readonly id: string;
  readonly kind: "alertmanager" | "webhook";
  /** What is requested (without credentials). */
  readonly endpoint: string;
  /** What may be shown of it. */
  readonly redacted: string;
  body(events: readonly DeliveryEvent[]): Uint8Array;
  headers(body: Uint8Array): Record<string, string>;
}

/** Why a POST failed; the first five are retried. */
export const FAILURE_REASONS = ["timeout", "connection", "http_5xx", "http_429", "http_408", "http_4xx", "redirect", "undecodable"] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export type Verdict =
  | { kind: "delivered" }
  | { kind: "retry"; reason: FailureReason; detail: string; retryAfterMs?: number }
  | { kind: "rejected"; reason: FailureReason; detail: string };

/** Longest part of a receiver's answer kept for logs and status. */
export const ANSWER_EXCERPT_CHARS = 200;

export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > ANSWER_EXCERPT_CHARS ? `${flat.slice(0, ANSWER_EXCERPT_CHARS)}…` : flat;
}

/** What an answer means for the alerts in the POST. */
export function classify(answer: Answer): Verdict {
  if (answer.kind !== "response") return { kind: "retry", reason: answer.kind, detail: excerpt(answer.message) };
  const { status } = answer;
  const detail = `HTTP ${status}${answer.body ? `: ${excerpt(answer.body)}` : ""}`;
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status === 408 || status === 429) {
    const v: Verdict = { kind: "retry", reason: status === 408 ? "http_408" : "http_429", detail };
    return answer.retryAfterMs !== undefined ? { ...v, retryAfterMs: answer.retryAfterMs } : v;
  }
  if (status >= 300 && status < 400) return { kind: "rejected", reason: "redirect", detail: `${detail} (point the URL at the final address)` };
  if (status >= 400 && status < 500) return { kind: "rejected", reason: "http_4xx", detail };
  const v: Verdict = { kind: "retry", reason: "http_5xx", detail };
  return answer.retryAfterMs !== undefined ? { ...v, retryAfterMs: answer.retryAfterMs } : v;
}

/** Told of every POST's outcome, for counters, status and logs. */
export interface PostReport {
  posted(items: readonly Pending[], verdict: Verdict): void;
}

export class PostStage implements Stage {
  constructor(
    private readonly destination: Destination,
    private readonly poster: Poster,
    private readonly report: PostReport,
  ) {}

  async exec(items: Pending[]): Promise<Pending[]> {
    const body = this.destination.body(items.map((p) => p.event));
    const answer = await this.poster.post(this.destination.endpoint, body, this.destination.headers(body));
    const verdict = classify(answer);
    this.report.posted(items, verdict);
    switch (verdict.kind) {
      case "delivered":
        for (const p of items) p.settle("delivered");
        return items;
      case "rejected":
        for (const p of items) p.settle("rejected");
        return [];
      case "retry":
        throw new RetryableFailure(verdict.reason, verdict.detail, verdict.retryAfterMs);
    }
  }
}
