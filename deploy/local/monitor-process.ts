/**
 * The peermon half of the local cluster: one `peermon serve` child process (node bin/peermon.js,
 * which runs the build in dist/, or the sources through tsx when there is none). Ready means it
 * logged "peermon monitor serving" and its /readyz answers 200.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const PEERMON_BIN = fileURLToPath(new URL("../../bin/peermon.js", import.meta.url));

/** Kept per monitor: enough for tests that count log lines, bounded for long runs. */
const MAX_STDERR_CHARS = 4_000_000;

export interface MonitorSpec {
  shard: number;
  shards: number;
  replica: number;
  /** Arguments after `serve` (with `--http 127.0.0.1:0`: the system picks the port, read back from the log). */
  args: string[];
  /** Time to wait for readiness, ms. */
  readyTimeoutMs: number;
}

/** What `serve` logs once it subscribes and answers queries (with `http`: where it listens). */
const SERVING_LINE = "peermon monitor serving";

/** The port in the `http` field ("127.0.0.1:34567") of the serving line within `text`; 0 when none. */
function httpPortOf(text: string): number {
  const line = text.split("\n").find((l) => l.includes(SERVING_LINE));
  try {
    const http = (JSON.parse(line ?? "{}") as { http?: string }).http;
    return http ? Number(http.slice(http.lastIndexOf(":") + 1)) : 0;
  } catch {
    return 0;
  }
}

export class MonitorProcess {
  /** Everything the process wrote on stderr (JSON log lines), across restarts, the newest 4 MB. */
  stderr = "";
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  /** Set once this run of the process logged that it serves. */
  private serving = false;
  /** The HTTP port this run listens on, from its "serving" line. */
  private port = 0;
  /** The last /readyz answer, for error messages. */
  private lastReadiness = "not asked yet";

  constructor(private readonly spec: MonitorSpec) {}

  get shard(): number {
    return this.spec.shard;
  }

  get replica(): number {
    return this.spec.replica;
  }

  get httpPort(): number {
    return this.port;
  }

  /** The `--shard` value, e.g. "0/2". */
  get shardLabel(): string {
    return `${this.spec.shard}/${this.spec.shards}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until it is ready; on failure it is killed and the error has its log. */
  async start(): Promise<void> {
    if (this.running) return;
    this.serving = false;
    let tail = "";
    const child = spawn(process.execPath, [PEERMON_BIN, "serve", ...this.spec.args], {
      env: monitorEnv(),
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.child = child;
    child.stderr!.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4_096);
      if (!this.serving && tail.includes(SERVING_LINE)) {
        this.serving = true;
        this.port = httpPortOf(tail);
      }
      this.stderr += text;
      if (this.stderr.length > MAX_STDERR_CHARS) this.stderr = this.stderr.slice(-MAX_STDERR_CHARS / 2);
    });
    this.exited = new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", () => resolve()); // could not spawn: waitReady times out with the log
    });
    try {
      await this.waitReady();
    } catch (err) {
      await this.kill("SIGKILL");
      throw err;
    }
  }

  /** Sends `signal` (default SIGKILL, as a crash) and waits for the exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  /** SIGTERM (serve drains and exits 0), then SIGKILL after 8 s. Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.child?.kill("SIGKILL"), 8_000);
    try {
      await this.kill("SIGTERM");
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops it if it runs, then starts it again with the same arguments and port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private async waitReady(): Promise<void> {
    const end = Date.now() + this.spec.readyTimeoutMs;
    while (Date.now() < end) {
      if (!this.running) throw this.failure(`exited (code ${this.child?.exitCode ?? this.child?.signalCode})`);
      if (this.serving && (await this.ready())) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw this.failure(`was not ready after ${this.spec.readyTimeoutMs} ms (/readyz: ${this.lastReadiness})`);
  }

  /** /readyz answers 200. */
  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.httpPort}/readyz`, { signal: AbortSignal.timeout(1_000) });
      this.lastReadiness = `${res.status} ${(await res.text()).trim()}`;
      return res.status === 200;
    } catch (err) {
      this.lastReadiness = (err as Error).message;
      return false;
    }
  }

  private failure(what: string): Error {
    const tail = this.stderr.slice(-3_000).trim() || "no output";
    return new Error(`local cluster: peermon serve --shard ${this.shardLabel} (replica ${this.replica}) ${what}:\n${tail}`);
  }
}

/**
 * The parent's environment without NATS_* and PEERMON_* variables: the cluster gives every setting
 * as a flag, and a developer's own settings (credentials, a shard) must not leak into its monitors.
 */
function monitorEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(NATS|PEERMON)_/.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: "1" };
}
