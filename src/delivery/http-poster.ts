/**
 * The HTTP side of delivery: one POST with Node's own fetch (keep-alive connections, no new
 * dependency), bounded by a timeout and by the sink's stop. It never throws: every outcome is an
 * Answer, and the receiver's answer is read only as far as a log line needs it.
 */
import type { Answer, Poster } from "./post.js";

/** Bytes of a receiver's answer read at most (the rest is discarded). */
const MAX_ANSWER_BYTES = 4_096;

export interface HttpPosterOptions {
  /** A POST without an answer after this long fails as a timeout, ms. */
  timeoutMs: number;
  /** Aborts every POST in flight when the sink stops. */
  signal?: AbortSignal;
  /** Sent as User-Agent. */
  userAgent: string;
  /** The wall clock, ms: a Retry-After date is counted from it. */
  wallNow: () => number;
}

export function httpPoster(o: HttpPosterOptions): Poster {
  return {
    async post(url, body, headers) {
      const timeout = AbortSignal.timeout(o.timeoutMs);
      const signal = o.signal ? AbortSignal.any([timeout, o.signal]) : timeout;
      try {
        const res = await fetch(url, {
          method: "POST",
          body,
          headers: { "content-type": "application/json", "user-agent": o.userAgent, ...headers },
          redirect: "manual",
          signal,
        });
        const text = res.ok ? (await discard(res), "") : await head(res);
        const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), o.wallNow());
        return retryAfterMs === undefined
          ? { kind: "response", status: res.status, body: text }
          : { kind: "response", status: res.status, body: text, retryAfterMs };
      } catch (err) {
        return failure(err, timeout.aborted, o.timeoutMs);
      }
    },
  };
}

function failure(err: unknown, timedOut: boolean, timeoutMs: number): Answer {
  if (timedOut) return { kind: "timeout", message: `no answer within ${timeoutMs} ms` };
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return { kind: "connection", message: cause ? `${e.message} (${cause})` : e.message };
}

/** Reads the body so that the connection can be reused. */
async function discard(res: Response): Promise<void> {
  try {
    await res.arrayBuffer();
  } catch {
    // the answer was already there; a broken body does not change it
  }
}

/** The first MAX_ANSWER_BYTES of the body, as text. */
async function head(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // keep what was read
  } finally {
    void reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString("utf8");
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
