/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and lists the functions with the most self time, and
 * self time per module (peermon's files, xstate, nats, msgpackr, node internals, GC).
 *
 *   node --import tsx test/bench/profile.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  top: { name: string; where: string; ms: number; pct: number }[];
  modules: { module: string; ms: number; pct: number }[];
  text: string;
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Where a function lives, shortened: `src/actors/supervisor.ts:97`, `nats/lib/...`, `node:internal/...`. */
function location(url: string, line: number): string {
  if (!url) return "";
  let path = url.startsWith("file://") ? fileURLToPath(url) : url;
  if (path.startsWith(ROOT)) path = path.slice(ROOT.length);
  path = path.replace(/^.*node_modules\//, "");
  // tsx emits each TypeScript module on one line: a line number would say nothing there.
  return line > 0 ? `${path}:${line + 1}` : path;
}

function moduleOf(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  if (path.startsWith(ROOT)) return path.slice(ROOT.length);
  if (path.startsWith("node:")) return "node internals";
  return path;
}

export function summarizeProfile(file: string, topN = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // A profile started from inside the process (inspector Session) files the samples taken outside
  // JavaScript (socket reads, native bindings) under the call that started it: count them as
  // "(program)", which is where --cpu-prof puts them.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const underInspector = (id: number): boolean => {
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
      if (byId.get(p)!.callFrame.url === "node:inspector") return true;
    }
    return false;
  };
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byModule = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const name = underInspector(id) ? "(program)" : functionName || "(anonymous)";
    const where = location(url, lineNumber);
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const mod = moduleOf(url, name);
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
    total += us;
  }
  const busy = total - (byModule.get("(idle)") ?? 0);
  const pct = (us: number) => Math.round((us / busy) * 1000) / 10;
  const top = [...byFunction.values()]
    .filter((f) => f.name !== "(idle)")
    .sort((a, b) => b.us - a.us)
    .slice(0, topN)
    .map((f) => ({ name: f.name, where: f.where, ms: Math.round(f.us / 1000), pct: pct(f.us) }));
  const modules = [...byModule.entries()]
    .filter(([m]) => m !== "(idle)")
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([module, us]) => ({ module, ms: Math.round(us / 1000), pct: pct(us) }));
  const lines = [
    `busy ${Math.round(busy / 1000)} ms of ${Math.round(total / 1000)} ms sampled (idle excluded from %)`,
    "self time by function:",
    ...top.map((f) => `  ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.name}  ${f.where}`),
    "self time by module:",
    ...modules.map((m) => `  ${String(m.pct).padStart(5)}%  ${String(m.ms).padStart(6)} ms  ${m.module}`),
  ];
  return { totalMs: Math.round(total / 1000), top, modules, text: lines.join("\n") };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: node --import tsx test/bench/profile.ts FILE.cpuprofile [TOP]\n");
    process.exit(2);
  }
  process.stdout.write(summarizeProfile(file, Number(process.argv[3] ?? 25)).text + "\n");
}
