/**
 * End-to-end helpers on the local multi-process cluster of deploy/local/cluster.ts: 3 clustered
 * nats-servers with JetStream and shards x replicas `peermon serve` processes, stopped after the
 * test even when it fails.
 */
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from "../../deploy/local/cluster.js";
import { cleanup } from "./nats.js";

export type { LocalCluster, LocalClusterOptions };

type Hooks = Parameters<typeof cleanup>[0];

/** Starts the local cluster for this test (or suite); it is stopped in `after`. */
export async function localCluster(t: Hooks, options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const cluster = await startLocalCluster(options);
  cleanup(t, () => cluster.stop());
  return cluster;
}

/** True while a process with this pid exists (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
