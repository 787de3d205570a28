/**
 * An informer: what a peer runs to publish one metric for as long as it lives, as IPFS Cluster's
 * informers do: every ttlMs/2, or every ttlMs/4 after `produce` failed (a failure publishes nothing,
 * so the monitor alerts if it lasts).
 */
import type { MetricInput } from "./metric-input.js";

/** What `produce` returns: a value, or the metric's variable fields. */
export type Produced = string | Pick<MetricInput, "value" | "valid" | "weight" | "partitionable">;

export interface InformerOptions {
  name: string;
  peer: string;
  /** Time to live of each metric, ms: the monitor alerts when none arrives within it. */
  ttlMs: number;
  produce: () => Produced | Promise<Produced>;
  /** Told about a failed `produce` or publish (the informer keeps going), and when it stopped for good. */
  onError?: (err: unknown) => void;
}

export interface Informer {
  /** Stops publishing; resolves once any publish in progress ended. Idempotent. */
  stop(): Promise<void>;
  /** True once stopped. */
  readonly stopped: boolean;
}

export function startInformer(publish: (m: MetricInput) => void, o: InformerOptions): Informer {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    let next = o.ttlMs / 2;
    try {
      const produced = await o.produce();
      const fields = typeof produced === "string" ? { value: produced } : produced;
      if (!stopped) publish({ name: o.name, peer: o.peer, ...fields, ttlMs: o.ttlMs });
    } catch (err) {
      next = o.ttlMs / 4;
      o.onError?.(err);
    }
    if (!stopped) timer = setTimeout(() => (running = tick()), next);
  };
  running = tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    get stopped() {
      return stopped;
    },
  };
}
