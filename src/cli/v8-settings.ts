/**
 * The V8 settings `peermon serve` runs with, set once at start (they are the process's, so the
 * command sets them, never the Monitor a program embeds).
 *
 * `--no-concurrent-array-buffer-sweeping`: every `latest` reply makes nats.js allocate one frame
 * outside the JS heap (1.3 MB for 10k peers). V8 frees such buffers after a young collection on a
 * background thread; on a busy machine that thread lags, the freed bytes still count as external
 * memory, and V8 answers with a full collection every 100–500 ms. Measured in bench `queries`
 * (2 cores, 1,000 sequential requests): 106–112 mark-compacts and latest_ratio 1.00–1.51 (7 runs)
 * with the default; 27–46 mark-compacts and latest_ratio 0.83–1.19 (10 runs) when the young
 * collection sweeps them itself (about 1 ms more per young collection).
 */
import { setFlagsFromString } from "node:v8";

export const SERVE_V8_FLAGS = ["--no-concurrent-array-buffer-sweeping"] as const;

/** Applies SERVE_V8_FLAGS to this process. */
export function applyServeV8Flags(): void {
  for (const flag of SERVE_V8_FLAGS) setFlagsFromString(flag);
}
