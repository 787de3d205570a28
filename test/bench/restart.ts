/**
 * Restart: how soon a restarted `peermon serve` process answers `latest` correctly, counted from
 * the moment its process starts, with 100k windows (10k peers x 10 names; 20k windows in quick
 * mode), both ways a restart gets its windows back:
 * - from checkpoints: the only replica is SIGKILLed (so it writes no last checkpoint) after a
 *   checkpoint round that followed the last metrics, and a new process starts;
 * - from a live sibling: a second replica starts while the first runs; it serves once its windows
 *   are back, and its answers are checked by SIGKILLing the first (then only it answers).
 * Correct means: every peer of the name, each with the value it last published, never an older
 * one; every answer before the correct one is counted as wrong. The processes run the build in
 * dist/ (rebuilt first), as `peermon serve` runs in production.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connect, RequestStrategy, type NatsConnection, type NatsError } from "nats";
import { decode } from "../../src/api/codec.js";
import { decodeMetricList } from "../../src/api/validate.js";
import {
  METRIC_NAMES,
  delay,
  fmtInt,
  metricPayloads,
  peerIds,
  pollUntil,
  progress,
  trackPid,
  untrackPid,
  withServer,
  yieldToIo,
  type BenchOptions,
  type ScenarioResult,
} from "./common.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NAME = "freespace";
const TTL_MS = 60 * 60_000;
/** What `serve` logs once it answers queries. */
const SERVING = "peermon monitor serving";

interface Answer {
  /** From the process start to the first reply, and to the first correct one, ms. */
  firstMs: number;
  correctMs: number;
  /** Replies before the correct one (wrong or incomplete). */
  wrong: number;
}

export async function run(o: BenchOptions): Promise<ScenarioResult> {
  build();
  const peers = o.quick ? 2_000 : 10_000;
  // Quick mode cannot wait two default intervals (10 s) for a round after the last metrics.
  const args = o.quick ? ["--checkpoint-interval", "2s"] : [];
  return withServer({}, async (server) => {
    const nc = await connect({ servers: server.url, name: "bench-restart" });
    const running: ServeProcess[] = [];
    try {
      const first = await ServeProcess.start(server.url, args, running);
      const expected = await publishTwice(nc, peers);
      await pollUntil(async () => isCorrect(await latest(nc), expected), "the first monitor holding the newest metrics", 60_000);
      const rounds = (await checkpointRounds(nc))[0]!;
      await pollUntil(async () => ((await checkpointRounds(nc))[0] ?? 0) >= rounds + 2, "two checkpoint rounds after the newest metrics", 60_000, 250);
      await first.kill("SIGKILL");

      const fromCheckpoints = await ServeProcess.start(server.url, args, running, false);
      const checkpointAnswer = await firstCorrectAnswer(nc, expected, fromCheckpoints.startedAt);
      const checkpointRestore = await fromCheckpoints.restoreLine();
      progress(`restart: from checkpoints, correct after ${Math.round(checkpointAnswer.correctMs)} ms (restore ${JSON.stringify(checkpointRestore)})`);

      const fromSibling = await ServeProcess.start(server.url, args, running);
      const siblingMs = fromSibling.servingAt - fromSibling.startedAt;
      const siblingRestore = await fromSibling.restoreLine();
      await fromCheckpoints.kill("SIGKILL"); // only the new replica answers now
      const siblingAnswer = await firstCorrectAnswer(nc, expected, performance.now());
      progress(
        `restart: from a sibling, serving after ${Math.round(siblingMs)} ms (restore ${JSON.stringify(siblingRestore)}), wrong answers ${siblingAnswer.wrong}`,
      );
      return summarize(peers, checkpointAnswer, checkpointRestore, siblingMs, siblingAnswer, siblingRestore);
    } finally {
      await nc.close();
      for (const p of running) await p.kill("SIGTERM");
    }
  });
}

/** Builds dist/, which `peermon serve` runs. */
function build(): void {
  const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (r.status !== 0) throw new Error("restart: `tsc -p tsconfig.json` failed: the build in dist/ is needed");
}

/** Every window twice, the second time with other values: what a correct answer must show. */
async function publishTwice(nc: NatsConnection, peers: number): Promise<Map<string, string>> {
  const ids = peerIds(peers, 41);
  let last = metricPayloads(METRIC_NAMES, ids, TTL_MS, 1);
  for (const seed of [1, 2]) {
    last = metricPayloads(METRIC_NAMES, ids, TTL_MS, seed);
    for (let i = 0; i < last.subjects.length; i++) {
      nc.publish(last.subjects[i]!, last.payloads[i]);
      if (i % 2_000 === 0) await yieldToIo();
    }
  }
  await nc.flush();
  const expected = new Map<string, string>();
  last.subjects.forEach((subject, i) => {
    if (subject.split(".")[2] !== NAME) return;
    const m = decode(last.payloads[i]!) as { p: string; v: string };
    expected.set(m.p, m.v);
  });
  return expected;
}

async function latest(nc: NatsConnection): Promise<Uint8Array> {
  return (await nc.request(`peermon.latest.${NAME}`, undefined, { timeout: 5_000 })).data;
}

function isCorrect(data: Uint8Array, expected: Map<string, string>): boolean {
  const list = decodeMetricList(data);
  return list.length === expected.size && list.every((m) => expected.get(m.peer) === m.value);
}

/** Asks `latest` until the answer is correct: every peer, each with its newest value. */
async function firstCorrectAnswer(nc: NatsConnection, expected: Map<string, string>, startedAt: number): Promise<Answer> {
  let firstMs = Number.NaN;
  let wrong = 0;
  const end = performance.now() + 120_000;
  while (performance.now() < end) {
    let data: Uint8Array;
    try {
      data = (await nc.request(`peermon.latest.${NAME}`, undefined, { timeout: 2_000 })).data;
    } catch (err) {
      // No responder yet: the process is still starting (the server says so at once).
      if ((err as NatsError).code === "503") await delay(2);
      continue;
    }
    const at = performance.now() - startedAt;
    if (Number.isNaN(firstMs)) firstMs = at;
    if (isCorrect(data, expected)) return { firstMs, correctMs: at, wrong };
    wrong++;
  }
  throw new Error("restart: no correct answer within 120 s");
}

async function checkpointRounds(nc: NatsConnection): Promise<number[]> {
  const out: number[] = [];
  for await (const s of await nc.services.client({ maxWait: 500, strategy: RequestStrategy.Timer }).stats("peermon")) {
    const data = s.endpoints?.[0]?.data as { counters: { checkpointRounds: number } } | undefined;
    if (data) out.push(data.counters.checkpointRounds);
  }
  return out;
}

/** A `peermon serve` process on the build, its log (JSON on stderr) kept. */
class ServeProcess {
  private log = "";
  private readonly exited: Promise<void>;
  /** When it logged that it serves (performance.now()), NaN before. */
  servingAt = Number.NaN;

  private constructor(
    private readonly proc: ChildProcess,
    readonly startedAt: number,
  ) {
    trackPid(proc.pid);
    proc.stderr!.on("data", (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-1_000_000);
      if (Number.isNaN(this.servingAt) && this.log.includes(SERVING)) this.servingAt = performance.now();
    });
    this.exited = new Promise((resolve) => proc.once("exit", () => resolve()));
  }

  /** Starts `peermon serve`; with `wait`, resolves once it logged that it serves. */
  static async start(url: string, args: string[], running: ServeProcess[], wait = true): Promise<ServeProcess> {
    const startedAt = performance.now();
    const proc = spawn(process.execPath, [`${ROOT}bin/peermon.js`, "serve", "--nats", url, "--log-level", "info", ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const p = new ServeProcess(proc, startedAt);
    running.push(p);
    if (wait) await pollUntil(() => !Number.isNaN(p.servingAt), "peermon serve to start", 60_000, 5);
    return p;
  }

  /** What its restore logged: where the windows came from, how many, in how long. */
  async restoreLine(): Promise<{ source?: string; windows?: number; ms?: number }> {
    await pollUntil(() => this.log.includes("window restore finished"), "the restore's log line", 10_000, 20);
    const line = this.log.split("\n").find((l) => l.includes("window restore finished"))!;
    const { source, windows, ms } = JSON.parse(line) as { source: string; windows: number; ms: number };
    return { source, windows, ms };
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill(signal);
      const gone = await Promise.race([this.exited.then(() => true), delay(10_000).then(() => false)]);
      if (!gone) this.proc.kill("SIGKILL");
      await this.exited;
    }
    untrackPid(this.proc.pid);
  }
}

function summarize(
  peers: number,
  checkpoint: Answer,
  checkpointRestore: { source?: string; windows?: number; ms?: number },
  siblingMs: number,
  sibling: Answer,
  siblingRestore: { source?: string; windows?: number; ms?: number },
): ScenarioResult {
  const windows = peers * METRIC_NAMES.length;
  const ms = (x: number) => `${fmtInt(x)} ms`;
  return {
    rows: [
      {
        figure: `restart: process start -> first correct latest, from checkpoints (${fmtInt(windows)} windows)`,
        value: `${ms(checkpoint.correctMs)} (restore ${ms(checkpointRestore.ms ?? Number.NaN)}, source ${checkpointRestore.source})`,
        target: "<= 2,000 ms",
        met: checkpoint.correctMs <= 2_000 && checkpointRestore.source === "checkpoints",
      },
      {
        figure: "restart: answers before the correct one (wrong or older), from checkpoints",
        value: String(checkpoint.wrong),
        target: "0",
        met: checkpoint.wrong === 0,
      },
      {
        figure: `restart: process start -> serving, from a live sibling (${fmtInt(windows)} windows)`,
        value: `${ms(siblingMs)} (restore ${ms(siblingRestore.ms ?? Number.NaN)}, source ${siblingRestore.source}), wrong answers after ${sibling.wrong}`,
        target: "<= 2,000 ms, 0 wrong",
        met: siblingMs <= 2_000 && sibling.wrong === 0 && siblingRestore.source === "sibling",
      },
    ],
    json: {
      restart_answer_ms: Math.round(checkpoint.correctMs),
      restart_first_answer_ms: Math.round(checkpoint.firstMs),
      restart_wrong_answers: checkpoint.wrong,
      restart_restore_ms: checkpointRestore.ms ?? null,
      restart_windows: windows,
      restart_answer_sibling_ms: Math.round(siblingMs),
      restart_sibling_restore_ms: siblingRestore.ms ?? null,
      restart_sibling_source: siblingRestore.source ?? null,
      restart_sibling_wrong_answers: sibling.wrong,
    },
  };
}
