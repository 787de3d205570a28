import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { acceptsClients } from "../../src/cli/local-nats.js";
import { runCli, spawnCli } from "../helpers/cli.js";
import { cleanup } from "../helpers/nats.js";

type Hooks = Parameters<typeof cleanup>[0];

const NAMES = ["ping", "freespace", "numpin", "pinqueue"];

/** One NDJSON line of `peermon demo --json`. */
interface DemoEvent {
  type: string;
  states?: Record<string, Record<string, number>>;
  [field: string]: unknown;
}

/** Whether a process with this pid still exists (the demo reaps its nats-server, so no zombie). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Once the demo said which nats-server it started, make sure that one goes even if the test fails. */
function reapLater(t: Hooks, pid: number): void {
  cleanup(t, () => {
    if (alive(pid)) process.kill(pid, "SIGKILL");
  });
}

async function assertServerGone(pid: number, port: number): Promise<void> {
  assert.equal(alive(pid), false, `the demo's nats-server (pid ${pid}) was stopped`);
  assert.equal(await acceptsClients(port), false, `nothing listens on its port ${port} any more`);
}

// The two runs take about 9 s each: side by side, the file stays well under 20 s.
describe("demo", { concurrency: 2 }, () => {
  test("demo - plain output: a summary line per second with counts per name, FIRING then RESOLVED, exit 0, server stopped", async (t) => {
    const result = await runCli(t, ["demo", "--peers", "10", "--duration", "8s"], {}, 60_000);
    const server = /nats-server pid (\d+) at nats:\/\/127\.0\.0\.1:(\d+)/.exec(result.stdout);
    assert.ok(server, `the header names the nats-server; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    const [pid, port] = [Number(server[1]), Number(server[2])];
    reapLater(t, pid);
    assert.equal(result.code, 0, `exit code 0; stderr:\n${result.stderr}`);

    const summaries = result.stdout.split("\n").filter((l) => /^t=\d+\.\ds summary \| peers \d+: \d+ up, \d+ down, \d+ stalled \| /.test(l));
    assert.ok(summaries.length >= 6, `about one summary per second over 8 s, got ${summaries.length}:\n${result.stdout}`);
    for (const line of summaries) {
      for (const name of NAMES) assert.match(line, new RegExp(`\\| ${name}: \\d+ healthy, \\d+ expired, \\d+ alerted \\|`), line);
      assert.match(line, /\| alerts: \d+ firing, \d+ resolved$/, line);
    }
    assert.match(summaries.at(-1)!, /ping: (?!0 )\d+ healthy/, "the monitor tracks healthy ping windows");

    // The opening always kills the first peer and revives it after its alerts fired.
    const firing = result.stdout.search(/^t=\d+\.\ds FIRING {3}peer-01 \| ping \| silent for \d+\.\ds$/m);
    const resolved = result.stdout.search(/^t=\d+\.\ds RESOLVED peer-01 \| ping \| alerted for \d+\.\ds$/m);
    assert.ok(firing >= 0 && resolved > firing, `FIRING then RESOLVED for peer-01:\n${result.stdout}`);
    assert.match(result.stdout, /^t=\d+\.\ds fleet {4}peer-01 dies: stops publishing its 4 metrics$/m);
    assert.match(
      result.stdout,
      /stopped \(duration reached\) after \d+\.\ds: \d+ firing and \d+ resolved alerts; monitor and nats-server \(pid \d+\) stopped\n$/,
    );
    assert.doesNotMatch(result.stdout, /\x1b\[/, "no ANSI sequences when stdout is not a terminal");
    await assertServerGone(pid, port);
  });

  test("demo - --json prints NDJSON events; SIGTERM stops it with exit 0 and stops its server", async (t) => {
    const proc = spawnCli(t, ["demo", "--peers", "10", "--duration", "40s", "--json"]);
    await proc.waitForOutput(/"type":"start".*\n/, "stdout", 30_000);
    const start = JSON.parse(proc.stdout.split("\n")[0]!) as { nats: { pid: number; url: string }; peers: number; names: string[] };
    reapLater(t, start.nats.pid);
    await proc.waitForOutput(/"kind":"resolved"/, "stdout", 30_000);
    const result = await proc.stop("SIGTERM");
    assert.equal(result.code, 0, `exit code 0; stderr:\n${result.stderr}`);

    const events = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as DemoEvent);
    assert.deepEqual([start.peers, start.names], [10, NAMES]);
    assert.deepEqual(events.at(-1), { ...events.at(-1), type: "end", reason: "SIGTERM" });
    const summaries = events.filter((e) => e.type === "summary");
    assert.ok(summaries.length >= 2, "summaries every second until the resolved alert");
    for (const { states } of summaries) {
      assert.deepEqual(Object.keys(states ?? {}), NAMES);
      for (const counts of Object.values(states ?? {})) assert.deepEqual(Object.keys(counts), ["healthy", "expired", "alerted"]);
    }
    const alerts = events.filter((e) => e.type === "alert" && e.peer === "peer-01" && e.name === "ping");
    assert.deepEqual(alerts.map((a) => a.kind).slice(0, 2), ["firing", "resolved"]);
    assert.equal(typeof alerts[0]!.silent_ms, "number");
    assert.equal(typeof alerts[1]!.alerted_ms, "number");
    assert.match(result.stdout, /"triggered_at":\d{19},/, "alerts carry IPFS Cluster's fields, nanoseconds exact");
    const opening = events.find((e) => e.type === "fleet")!;
    assert.deepEqual([opening.action, opening.peer], ["die", "peer-01"], "the opening kills the first peer");
    await assertServerGone(start.nats.pid, Number(new URL(start.nats.url).port));
  });
});
