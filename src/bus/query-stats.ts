/**
 * What the query service counts for Prometheus: queries per endpoint and outcome, and how long
 * each took. Plain numbers the handlers increment; the histogram hook is set only when someone
 * scrapes (src/http/metrics.ts). The monitor's wiring hands one to both.
 */

export const QUERY_ENDPOINTS = ["latest", "peer", "history", "names"] as const;
export type QueryEndpoint = (typeof QUERY_ENDPOINTS)[number];

/** How a query ended: answered, or the error the services framework sent back. */
export const QUERY_OUTCOMES = ["ok", "bad_request", "not_found", "too_large", "error"] as const;
export type QueryOutcome = (typeof QUERY_OUTCOMES)[number];

/** The outcome of an error code sent with respondError. */
export function outcomeOf(code: number): QueryOutcome {
  return code === 400 ? "bad_request" : code === 404 ? "not_found" : code === 413 ? "too_large" : "error";
}

export class QueryStats {
  /** Queries answered, per endpoint and outcome. */
  readonly answered = Object.fromEntries(QUERY_ENDPOINTS.map((e) => [e, Object.fromEntries(QUERY_OUTCOMES.map((o) => [o, 0]))])) as Record<
    QueryEndpoint,
    Record<QueryOutcome, number>
  >;

  /** Told each query's duration, in seconds, when someone listens (the Prometheus histogram). */
  onDuration: ((endpoint: QueryEndpoint, seconds: number) => void) | undefined;

  record(endpoint: QueryEndpoint, outcome: QueryOutcome, ms: number): void {
    this.answered[endpoint][outcome]++;
    this.onDuration?.(endpoint, ms / 1_000);
  }
}
