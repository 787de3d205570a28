/**
 * A nats-server child process on loopback: what `npm start`, `peermon demo` and the tests use when
 * no server is given. It gets its own temporary JetStream directory and is stopped with its owner.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PeermonError } from "../errors.js";

export interface LocalNatsOptions {
  /** Port to listen on. @default one the system assigns (nats-server -p -1), read back from its log */
  port?: number;
  /** A nats-server configuration file (-c). @default none: plain server with JetStream */
  configFile?: string;
  /** JetStream store directory. @default a new temporary directory, removed on stop */
  storeDir?: string;
  /** Enable JetStream. @default true */
  jetstream?: boolean;
  /** Extra command line arguments. */
  args?: string[];
  /** The executable. @default "nats-server" */
  binary?: string;
  /** Time to wait until the server accepts clients, ms. @default 10000 */
  readyTimeoutMs?: number;
}

/** nats-server's "any free port": the system assigns one when it binds, so none is taken between picking and binding. */
const RANDOM_PORT = -1;
/** The line in which nats-server says where clients connect. */
const CLIENT_LISTEN = /Listening for client connections on [^\s]*:(\d+)/;

export class LocalNatsServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = "";

  private constructor(
    private assigned: number,
    readonly storeDir: string,
    private readonly ownsStoreDir: boolean,
    private readonly options: LocalNatsOptions,
  ) {}

  static async start(options: LocalNatsOptions = {}): Promise<LocalNatsServer> {
    const port = options.port ?? RANDOM_PORT;
    const ownsStoreDir = options.storeDir === undefined;
    const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), "peermon-nats-"));
    const server = new LocalNatsServer(port, storeDir, ownsStoreDir, options);
    await server.launch();
    return server;
  }

  /** The client port: the one asked for, or the one the system assigned at the first launch. */
  get port(): number {
    return this.assigned;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops the server (SIGTERM, then SIGKILL) and removes its temporary store. Idempotent. */
  async stop(): Promise<void> {
    await this.halt("SIGTERM");
    if (this.ownsStoreDir) rmSync(this.storeDir, { recursive: true, force: true });
  }

  /** Kills the process without cleanup, as a crash would. */
  async kill(): Promise<void> {
    await this.halt("SIGKILL");
  }

  /** Starts the same server again: same port (the one it was assigned), same store. */
  async restart(): Promise<void> {
    await this.halt("SIGTERM");
    await this.launch();
  }

  private async launch(): Promise<void> {
    const o = this.options;
    const args = ["-a", "127.0.0.1", "-p", String(this.assigned)];
    if (o.configFile) args.unshift("-c", o.configFile);
    if (o.jetstream ?? true) args.push("-js", "-sd", this.storeDir);
    args.push(...(o.args ?? []));
    const child = spawn(o.binary ?? "nats-server", args, { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    this.output = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4_000);
      if (this.assigned === RANDOM_PORT) {
        const listening = CLIENT_LISTEN.exec(this.output);
        if (listening) this.assigned = Number(listening[1]);
      }
    });
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const spawnError = new Promise<never>((_, reject) =>
      child.once("error", (err) =>
        reject(new PeermonError(`cannot run nats-server (${err.message}); install it (Debian: apt-get install nats-server) or pass --nats <url>`)),
      ),
    );
    await Promise.race([this.waitReady(o.readyTimeoutMs ?? 10_000), spawnError]);
  }

  private async halt(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!this.running) break;
      if (this.assigned !== RANDOM_PORT && (await acceptsClients(this.assigned))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.halt("SIGKILL");
    throw new PeermonError(`nats-server on port ${this.assigned} did not start: ${this.output.trim() || "no output"}`);
  }
}

/** True when something on 127.0.0.1:port speaks NATS (sends INFO). */
export function acceptsClients(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("data", (d) => done(d.toString().startsWith("INFO")));
    socket.once("error", () => done(false));
  });
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
