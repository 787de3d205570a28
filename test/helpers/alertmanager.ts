/**
 * A real Prometheus Alertmanager for a test: Debian's prometheus-alertmanager on a free loopback
 * port, with a temporary --storage.path, no cluster (--cluster.listen-address=""), and the
 * repository's deploy/alertmanager/alertmanager.yml with its receiver pointed at a test receiver
 * and its timings shortened. Stopped (and its directory removed) after the test, even on failure.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/cli/local-nats.js";
import { cleanup } from "./nats.js";

type Hooks = Parameters<typeof cleanup>[0];

export const ALERTMANAGER_CONFIG = fileURLToPath(new URL("../../deploy/alertmanager/alertmanager.yml", import.meta.url));

/** The binary: $PEERMON_ALERTMANAGER_BIN, Debian's, or `alertmanager` from the PATH. */
export function alertmanagerBinary(): string {
  const debian = "/usr/bin/prometheus-alertmanager";
  return process.env.PEERMON_ALERTMANAGER_BIN ?? (existsSync(debian) ? debian : "alertmanager");
}

export interface AlertmanagerOptions {
  /** Where Alertmanager's own webhook notifications go. */
  receiverUrl: string;
  /** @default "5m" (the file's) */
  resolveTimeout?: string;
  /** @default "1s" */
  groupWait?: string;
  /** @default "1s" */
  groupInterval?: string;
  /** @default "1h" */
  repeatInterval?: string;
}

/** An alert as `GET /api/v2/alerts` returns it. */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
  status: { state: "active" | "suppressed" | "unprocessed" };
}

/** The repository's config with `o` applied; throws when a line to replace is missing (the file changed shape). */
export function testConfig(o: AlertmanagerOptions): string {
  let text = readFileSync(ALERTMANAGER_CONFIG, "utf8");
  const replace = (pattern: RegExp, value: string) => {
    if (!pattern.test(text)) throw new Error(`${ALERTMANAGER_CONFIG} has no line matching ${pattern}`);
    text = text.replace(pattern, value);
  };
  replace(/resolve_timeout: \S+/, `resolve_timeout: ${o.resolveTimeout ?? "5m"}`);
  replace(/group_wait: \S+/, `group_wait: ${o.groupWait ?? "1s"}`);
  replace(/group_interval: \S+/, `group_interval: ${o.groupInterval ?? "1s"}`);
  replace(/repeat_interval: \S+/, `repeat_interval: ${o.repeatInterval ?? "1h"}`);
  replace(/- url: \S+/, `- url: ${o.receiverUrl}`);
  return text;
}

export class TestAlertmanager {
  private exited: Promise<void>;
  private output = "";

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    private readonly dir: string,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.stderr!.on("data", (d: Buffer) => (this.output = (this.output + d.toString()).slice(-4_000)));
  }

  static async start(t: Hooks, o: AlertmanagerOptions): Promise<TestAlertmanager> {
    const dir = mkdtempSync(join(tmpdir(), "peermon-am-"));
    const configFile = join(dir, "alertmanager.yml");
    writeFileSync(configFile, testConfig(o));
    const port = await freePort();
    const child = spawn(
      alertmanagerBinary(),
      [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
        "--log.level=warn",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const am = new TestAlertmanager(child, `http://127.0.0.1:${port}`, dir);
    cleanup(t, () => am.stop());
    const spawnError = new Promise<never>((_, reject) =>
      child.once("error", (err) => reject(new Error(`cannot run ${alertmanagerBinary()} (${err.message}): apt-get install prometheus-alertmanager`))),
    );
    await Promise.race([am.ready(15_000), spawnError]);
    return am;
  }

  /** Alerts it holds (`GET /api/v2/alerts`), active and resolved-but-kept alike unless filtered by Alertmanager. */
  async alerts(): Promise<GettableAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts`);
    if (!res.ok) throw new Error(`GET /api/v2/alerts: HTTP ${res.status}`);
    return (await res.json()) as GettableAlert[];
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ready(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (this.child.exitCode !== null) break;
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop();
    throw new Error(`Alertmanager did not become ready on ${this.url}: ${this.output.trim() || "no output"}`);
  }
}
