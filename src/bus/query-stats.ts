/**
 * What the query service counts for Prometheus: queries per endpoint and outcome, how long each
 * took, and the peerset size it reports in $SRV.STATS. Plain numbers the handlers increment; the
 * histogram hook is set only when someone scrapes (src/http/metrics.ts).
 *
 * Until the monitor's wiring creates one and hands it to both the query service and /metrics,
 * each MonitorStats carries one: `queryStatsOf(stats)` finds it from either side.
 */

export const QUERY_ENDPOINTS = ["latest", "peer", "names"] as const;
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
  readonly answered = Object.fromEntries(
    QUERY_ENDPOINTS.map((e) => [e, Object.fromEntries(QUERY_OUTCOMES.map((o) => [o, 0]))]),
  ) as Record<QueryEndpoint, Record<QueryOutcome, number>>;

  /** Told each query's duration, in seconds, when someone listens (the Prometheus histogram). */
  onDuration: ((endpoint: QueryEndpoint, seconds: number) => void) | undefined;

  /** Peers in the current peerset, null while none is known (set by the query service). */
  peersetSize: () => number | null = () => null;

  record(endpoint: QueryEndpoint, outcome: QueryOutcome, ms: number): void {
    this.answered[endpoint][outcome]++;
    this.onDuration?.(endpoint, ms / 1_000);
  }
}

const attached = new WeakMap<object, QueryStats>();

/** The QueryStats that belongs to `owner` (a monitor's MonitorStats), created on first use. */
export function queryStatsOf(owner: object): QueryStats {
  let stats = attached.get(owner);
  if (!stats) attached.set(owner, (stats = new QueryStats()));
  return stats;
}
