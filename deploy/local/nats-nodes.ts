/**
 * The NATS half of the local cluster: N nats-servers on loopback, clustered, with JetStream, each
 * with a config rendered from deploy/nats/cluster-node.conf.template (the same template hosts use)
 * and its own store directory. Processes are LocalNatsServer children (src/cli/local-nats.ts).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type NatsConnection } from "nats";
import { freePort, LocalNatsServer } from "../../src/cli/local-nats.js";

export const NATS_DIR = fileURLToPath(new URL("../nats/", import.meta.url));
export const NODE_TEMPLATE = join(NATS_DIR, "cluster-node.conf.template");
export const MAPPINGS_FILE = join(NATS_DIR, "peermon-mappings.conf");

/** The values a node's config is rendered with; the names are the template's placeholders. */
export interface NodeValues {
  SERVER_NAME: string;
  CLIENT_LISTEN: string;
  CLUSTER_LISTEN: string;
  MONITOR_LISTEN: string;
  STORE_DIR: string;
  ROUTES: string;
}

/**
 * Replaces every `${NAME}` of `template` with its value, as envsubst does; a placeholder without a
 * value is an error (a config with a hole would fail later, less clearly).
 */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}} in ${NODE_TEMPLATE}`);
    return value;
  });
}

/**
 * Writes `<dir>/node.conf` rendered from the template, with peermon-mappings.conf copied next to it
 * (the template includes it by a relative path). Returns the config's path.
 */
export function writeNodeConfig(dir: string, values: NodeValues): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(MAPPINGS_FILE, join(dir, "peermon-mappings.conf"));
  const path = join(dir, "node.conf");
  writeFileSync(path, renderTemplate(readFileSync(NODE_TEMPLATE, "utf8"), { ...values }));
  return path;
}

/** One node of the local NATS cluster. */
export class NatsNode {
  private constructor(
    readonly name: string,
    readonly clusterPort: number,
    readonly monitorPort: number,
    readonly configFile: string,
    private readonly server: LocalNatsServer,
  ) {}

  static async start(name: string, ports: NodePorts, dir: string, routes: string): Promise<NatsNode> {
    const configFile = writeNodeConfig(dir, {
      SERVER_NAME: name,
      CLIENT_LISTEN: `127.0.0.1:${ports.client}`,
      CLUSTER_LISTEN: `127.0.0.1:${ports.cluster}`,
      MONITOR_LISTEN: `127.0.0.1:${ports.monitor}`,
      STORE_DIR: join(dir, "jetstream"),
      ROUTES: routes,
    });
    // The config has the jetstream block with its store_dir: no -js/-sd from LocalNatsServer. The
    // store is inside `dir`, which the cluster removes; LocalNatsServer does not own it.
    const server = await LocalNatsServer.start({
      port: ports.client,
      configFile,
      jetstream: false,
      storeDir: join(dir, "jetstream"),
      readyTimeoutMs: 15_000,
    });
    return new NatsNode(name, ports.cluster, ports.monitor, configFile, server);
  }

  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  get pid(): number | undefined {
    return this.server.pid;
  }

  get running(): boolean {
    return this.server.running;
  }

  /** The monitoring endpoint: /healthz, /varz, /jsz, /routez. */
  get monitorUrl(): string {
    return `http://127.0.0.1:${this.monitorPort}`;
  }

  /** SIGKILL, as a crash would; the store stays for restart(). */
  kill(): Promise<void> {
    return this.server.kill();
  }

  /** Stops (SIGTERM) if running, starts again on the same ports and store, waits until healthy. */
  async restart(): Promise<void> {
    await this.server.restart();
    await waitUntil(() => this.healthy(), `${this.name} to report /healthz ok after its restart`, 30_000);
  }

  /** SIGTERM, then SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void> {
    return this.server.stop();
  }

  /** /healthz answers 200: JetStream is enabled and current with the meta leader. */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.monitorUrl}/healthz`, { signal: AbortSignal.timeout(1_000) });
      return res.status === 200;
    } catch {
      return false;
    }
  }
}

export interface NodePorts {
  client: number;
  cluster: number;
  monitor: number;
}

/** `count` sets of distinct free ports (client, cluster, monitoring). */
export async function nodePorts(count: number): Promise<NodePorts[]> {
  const ports = new Set<number>();
  while (ports.size < count * 3) ports.add(await freePort());
  const list = [...ports];
  return Array.from({ length: count }, (_, i) => ({
    client: list[3 * i]!,
    cluster: list[3 * i + 1]!,
    monitor: list[3 * i + 2]!,
  }));
}

/**
 * Resolves once JetStream is usable on the cluster: every node's /healthz is ok and `$JS.API.INFO`
 * answers without error (a meta leader exists and this account's JetStream is reachable).
 */
export async function waitForJetStream(nodes: NatsNode[], timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  const remaining = () => Math.max(1, end - Date.now());
  await Promise.all(nodes.map((n) => waitUntil(() => n.healthy(), `${n.name} /healthz ok`, remaining())));
  const nc = await connect({ servers: nodes.map((n) => n.url), timeout: 2_000 });
  try {
    await waitUntil(() => jetStreamAnswers(nc), "$JS.API.INFO to answer without error", remaining());
  } finally {
    await nc.close();
  }
}

async function jetStreamAnswers(nc: NatsConnection): Promise<boolean> {
  try {
    const reply = await nc.request("$JS.API.INFO", undefined, { timeout: 1_000 });
    return (JSON.parse(new TextDecoder().decode(reply.data)) as { error?: unknown }).error === undefined;
  } catch {
    return false;
  }
}

/** Polls `condition` every 100 ms until it holds; rejects after `timeoutMs` naming `what`. */
export async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() >= end) throw new Error(`local cluster: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
