/**
 * A local peermon cluster on loopback, started and stopped as one: 3 clustered nats-servers with
 * JetStream (configs rendered from deploy/nats/cluster-node.conf.template) and `shards` x `replicas`
 * `peermon serve` processes (streams with 3 replicas). For development and end-to-end tests.
 *
 *   node --import tsx deploy/local/cluster.ts start [--shards 2] [--replicas 2] [--grace 5s] [-- <serve args>]
 *
 * or, from a test:  const cluster = await startLocalCluster({ graceMs: 1_500 }); ... await cluster.stop();
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { parseDuration } from "../../src/duration.js";
import { MonitorProcess } from "./monitor-process.js";
import { NatsNode, nodePorts, waitForJetStream } from "./nats-nodes.js";

/** Three nodes: the smallest JetStream cluster that survives the loss of one (R3 streams). */
export const NATS_NODES = 3;

export interface LocalClusterOptions {
  /** Shards: every monitor runs `--shard I/shards`. @default 2 */
  shards?: number;
  /** Monitors per shard (hot standbys of each other). @default 2 */
  replicas?: number;
  /** `--grace` of every monitor, ms. @default 5000 (short for development; production uses 30s) */
  graceMs?: number;
  /** More `serve` arguments for every monitor, e.g. ["--window", "25"]. Keep --log-level at info or
   *  lower: readiness waits for the "peermon monitor serving" log line. */
  extraServeArgs?: string[];
  /** Time each part (NATS, JetStream, a monitor) may take to become ready, ms. @default 30000 */
  readyTimeoutMs?: number;
}

export const DEFAULT_LOCAL_CLUSTER: Required<LocalClusterOptions> = Object.freeze({
  shards: 2,
  replicas: 2,
  graceMs: 5_000,
  extraServeArgs: [],
  readyTimeoutMs: 30_000,
});

export class LocalCluster {
  readonly servers: NatsNode[] = [];
  readonly monitors: MonitorProcess[] = [];
  private stopping: Promise<void> | undefined;

  constructor(
    /** Holds each node's config and JetStream store; removed by stop(). */
    readonly dir: string,
  ) {
    live.add(this);
  }

  /** The client URLs of all NATS nodes, as `--nats` takes them (joined with commas). */
  get natsUrls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Monitors first (SIGTERM: they drain), then the servers; removes the directory. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    await Promise.allSettled(this.monitors.map((m) => m.stop()));
    await Promise.allSettled(this.servers.map((s) => s.stop()));
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  /** Last resort when the owning process exits without stop(): SIGKILL by pid, remove the files. */
  killNow(): void {
    for (const part of [...this.monitors, ...this.servers]) {
      if (part.running && part.pid !== undefined) {
        try {
          process.kill(part.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const live = new Set<LocalCluster>();
process.once("exit", () => {
  for (const cluster of live) cluster.killNow();
});

/**
 * Starts the cluster and resolves when every node's JetStream is current and every monitor is
 * ready (/readyz 200). On failure, whatever was started is stopped before the error is thrown.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const given = Object.entries(options).filter(([, v]) => v !== undefined);
  const o: Required<LocalClusterOptions> = { ...DEFAULT_LOCAL_CLUSTER, ...Object.fromEntries(given) };
  for (const key of ["shards", "replicas"] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new Error(`local cluster: ${key} must be a whole number >= 1`);
  }
  const cluster = new LocalCluster(mkdtempSync(join(tmpdir(), "peermon-cluster-")));
  try {
    await startNatsNodes(cluster, o.readyTimeoutMs);
    await startMonitors(cluster, o);
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** Attempts at starting the NATS nodes, each on fresh ports (a port picked free may be taken before a node binds it). */
const NODE_START_ATTEMPTS = 3;

/**
 * The NATS nodes. Their routes name each other's cluster ports, so the ports are picked before
 * any node starts; when one was taken meanwhile, every node is stopped and started again on
 * fresh ports.
 */
async function startNatsNodes(cluster: LocalCluster, readyTimeoutMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const ports = await nodePorts(NATS_NODES);
    const routes = ports.map((p) => `nats-route://127.0.0.1:${p.cluster}`).join(", ");
    const started = await Promise.allSettled(
      ports.map((p, i) => NatsNode.start(`peermon-local-${i}`, p, join(cluster.dir, attempt === 1 ? `nats-${i}` : `nats-${i}-${attempt}`), routes)),
    );
    const servers = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = started.find((r) => r.status === "rejected");
    if (!failed) {
      cluster.servers.push(...servers);
      break;
    }
    await Promise.all(servers.map((s) => s.stop()));
    if (attempt === NODE_START_ATTEMPTS) throw (failed as PromiseRejectedResult).reason;
  }
  await waitForJetStream(cluster.servers, readyTimeoutMs);
}

async function startMonitors(cluster: LocalCluster, o: Required<LocalClusterOptions>): Promise<void> {
  for (let shard = 0; shard < o.shards; shard++) {
    for (let replica = 0; replica < o.replicas; replica++) {
      const args = [
        "--nats",
        cluster.natsUrls.join(","),
        "--shard",
        `${shard}/${o.shards}`,
        "--replicas",
        String(NATS_NODES),
        "--grace",
        `${o.graceMs}ms`,
        "--http",
        "127.0.0.1:0", // the system picks the port: none is taken between picking and binding
        "--log-level",
        "info",
        ...o.extraServeArgs,
      ];
      cluster.monitors.push(new MonitorProcess({ shard, shards: o.shards, replica, args, readyTimeoutMs: o.readyTimeoutMs }));
    }
  }
  const started = await Promise.allSettled(cluster.monitors.map((m) => m.start()));
  const failed = started.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** What `start` prints: where everything listens. */
export function describe(cluster: LocalCluster): string {
  const lines = [`peermon local cluster (${cluster.dir})`];
  for (const s of cluster.servers) {
    lines.push(`  ${s.name}  ${s.url}  routes 127.0.0.1:${s.clusterPort}  monitoring ${s.monitorUrl}  pid ${s.pid}`);
  }
  for (const m of cluster.monitors) {
    lines.push(`  peermon --shard ${m.shardLabel} replica ${m.replica}  http://127.0.0.1:${m.httpPort}/readyz  pid ${m.pid}`);
  }
  lines.push("", `NATS_URL=${cluster.natsUrls.join(",")}`);
  lines.push(`try:  NATS_URL=${cluster.natsUrls[0]} peermon status`);
  return lines.join("\n");
}

const USAGE = `usage: node --import tsx deploy/local/cluster.ts start [--shards 2] [--replicas 2] [--grace 5s] [-- <more serve args>]
Runs 3 clustered nats-servers and shards x replicas peermon monitors on loopback until Ctrl-C or SIGTERM.`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      shards: { type: "string" },
      replicas: { type: "string" },
      grace: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...extraServeArgs] = positionals;
  if (values.help || command !== "start") {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const graceMs = values.grace === undefined ? undefined : parseDuration(values.grace);
  if (values.grace !== undefined && graceMs === undefined) throw new Error(`--grace ${values.grace}: write a duration like 5s`);
  let cluster: LocalCluster | undefined;
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130); // a second signal: the exit hook kills what runs
    interrupted = true;
    console.log("stopping...");
    void cluster?.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  console.log(`starting ${NATS_NODES} nats-servers, then the monitors...`);
  cluster = await startLocalCluster({
    shards: values.shards === undefined ? undefined : Number(values.shards),
    replicas: values.replicas === undefined ? undefined : Number(values.replicas),
    graceMs,
    extraServeArgs,
  });
  if (interrupted) return void (await cluster.stop());
  console.log(`${describe(cluster)}\n\nrunning; Ctrl-C stops everything.`);
  reportExits(cluster);
}

/** Says when a part of the cluster exits while it runs (a crash, or a kill from a test or a user). */
function reportExits(cluster: LocalCluster): void {
  const parts = [
    ...cluster.servers.map((s) => ({ name: s.name, part: s, log: () => "" })),
    ...cluster.monitors.map((m) => ({
      name: `peermon --shard ${m.shardLabel} replica ${m.replica}`,
      part: m,
      log: () => m.stderr.trim().split("\n").slice(-5).join("\n"),
    })),
  ];
  const reported = new Set<string>();
  setInterval(() => {
    for (const { name, part, log } of parts) {
      if (part.running) reported.delete(name);
      else if (!reported.has(name)) {
        reported.add(name);
        console.error(`${name} (pid ${part.pid}) is not running${log() ? `; its last log lines:\n${log()}` : ""}`);
      }
    }
  }, 1_000);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
