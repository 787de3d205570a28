/**
 * End-to-end helpers: run the `peermon` command as a user would (node bin/peermon.js, which uses
 * the build in dist/), wait for what it prints, stop it with a signal.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cleanup, waitUntil } from "./nats.js";

export const BIN = fileURLToPath(new URL("../../bin/peermon.js", import.meta.url));
/** Node's arguments that run the command from its TypeScript sources: integration tests need no build. */
export const sourceCli = ["--import", "tsx", fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url))];

type Hooks = Parameters<typeof cleanup>[0];

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `peermon` process. */
export class CliProcess {
  stdout = "";
  stderr = "";
  readonly exited: Promise<CliResult>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once("close", (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when stdout or stderr (as chosen) matches `pattern`. */
  async waitForOutput(pattern: RegExp, stream: "stdout" | "stderr" = "stdout", timeoutMs = 15_000): Promise<void> {
    await waitUntil(() => pattern.test(this[stream]), `${pattern} on ${stream}; got:\n${this[stream]}\n${this.stderr}`, timeoutMs);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<CliResult> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/**
 * Starts `peermon <args>` (the build, or with `fromSources` the TypeScript sources); it is killed
 * after the test if still running.
 */
export function spawnCli(t: Hooks, args: string[], env: NodeJS.ProcessEnv = {}, options: { fromSources?: boolean } = {}): CliProcess {
  const child = spawn(process.execPath, [...(options.fromSources ? sourceCli : [BIN]), ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = new CliProcess(child);
  cleanup(t, async () => {
    if (proc.running) await proc.stop("SIGKILL");
  });
  return proc;
}

/** Runs `peermon <args>` to completion. */
export async function runCli(
  t: Hooks,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
  options: { fromSources?: boolean } = {},
): Promise<CliResult> {
  const proc = spawnCli(t, args, env, options);
  const timer = setTimeout(() => proc.stop("SIGKILL"), timeoutMs);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}
