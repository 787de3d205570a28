/**
 * What the demo shows, and the two ways of showing it that append lines: plain text (stdout is
 * not a terminal: one summary line per second, one line per alert and per fleet event) and NDJSON
 * (`--json`). The live dashboard for a terminal is in dashboard.ts.
 */
import type { Alert } from "../../api/types.js";
import type { WindowState } from "../../actors/window-machine.js";
import { formatDuration } from "../../duration.js";
import type { Palette } from "../color.js";
import { alertJson, toJson } from "../format.js";
import type { FleetEvent, PeerState } from "./fleet.js";

export interface DemoInfo {
  peers: number;
  names: readonly string[];
  ttlMs: number;
  seed: number;
  /** 0: until interrupted. */
  durationMs: number;
  graceMs: number;
  natsUrl: string;
  natsPid: number | undefined;
  /** The summary as of now, for a view that redraws between the one-second ticks. */
  current: () => Summary;
}

export type AlertTotals = { firing: number; resolved: number };

export interface Summary {
  elapsedMs: number;
  fleet: Record<PeerState, number> & { members: number };
  /** Windows per state for every demo metric name (zeros before any metric arrived). */
  states: Record<string, Record<WindowState, number>>;
  alerts: AlertTotals;
}

export interface DemoAlert {
  alert: Alert;
  elapsedMs: number;
  /** Firing: how long the peer had been silent. Resolved: how long the alert stood, when known. */
  spanMs: number | undefined;
}

export interface DemoEnd {
  elapsedMs: number;
  reason: string;
  alerts: AlertTotals;
}

export interface DemoView {
  start(info: DemoInfo): void;
  fleet(event: FleetEvent, elapsedMs: number): void;
  alert(a: DemoAlert): void;
  summary(s: Summary): void;
  /** A warning that does not stop the demo. */
  warn(message: string): void;
  end(e: DemoEnd): void;
  /** Gives the terminal back; safe to call more than once. */
  close(): void;
}

export type Write = (line: string) => void;

/** `3.5s` since the start. */
export function clock(ms: number): string {
  return `${(ms / 1_000).toFixed(1)}s`;
}

export function headline(i: DemoInfo): string {
  const until = i.durationMs > 0 ? `until ${formatDuration(i.durationMs)} or Ctrl-C` : "until Ctrl-C";
  return (
    `peermon demo: ${i.peers} peers x ${i.names.length} metrics (${i.names.join(", ")}), ttl ${formatDuration(i.ttlMs)}, ` +
    `seed ${i.seed} | nats-server pid ${i.natsPid ?? "?"} at ${i.natsUrl} | monitor in-process (grace ${formatDuration(i.graceMs)}) | ${until}`
  );
}

/** `FIRING   peer-03 | freespace: 123 | silent for 3.0s` */
export function alertText(a: DemoAlert, c: Palette): string {
  const { alert } = a;
  const kind = alert.kind.toUpperCase().padEnd("RESOLVED".length);
  const metric = alert.value === "" ? alert.name : `${alert.name}: ${alert.value}`;
  const span = a.spanMs === undefined ? "" : alert.kind === "firing" ? ` | silent for ${clock(a.spanMs)}` : ` | alerted for ${clock(a.spanMs)}`;
  return `${alert.kind === "firing" ? c.red(kind) : c.green(kind)} ${alert.peer} | ${metric}${span}`;
}

export function fleetText(e: FleetEvent, names: readonly string[]): string {
  switch (e.action) {
    case "die":
      return `${e.peer} dies: stops publishing its ${names.length} metrics`;
    case "stall":
      return `${e.peer} stops publishing ${e.name} (that informer hangs)`;
    case "recover":
      return e.name ? `${e.peer} publishes ${e.name} again` : `${e.peer} recovers: publishes again`;
    case "join":
      return `${e.peer} joins: added to the peerset, publishes ${names.length} metrics`;
    case "leave":
      return `${e.peer} leaves: removed from the peerset (windows freed, no alert)`;
  }
}

export function peersText(f: Summary["fleet"]): string {
  return `peers ${f.members}: ${f.up} up, ${f.down} down, ${f.stalled} stalled`;
}

export function endText(e: DemoEnd, info: DemoInfo | undefined): string {
  const why = e.reason === "duration" ? "duration reached" : e.reason;
  return (
    `stopped (${why}) after ${clock(e.elapsedMs)}: ${e.alerts.firing} firing and ${e.alerts.resolved} resolved alerts; ` +
    `monitor and nats-server${info?.natsPid ? ` (pid ${info.natsPid})` : ""} stopped`
  );
}

/** Appended lines, for a pipe or a file. */
export class PlainView implements DemoView {
  private info: DemoInfo | undefined;

  constructor(
    private readonly out: Write,
    private readonly err: Write,
    private readonly c: Palette,
  ) {}

  start(info: DemoInfo): void {
    this.info = info;
    this.out(headline(info));
    this.out(`watch it from another terminal: peermon status --nats ${info.natsUrl}`);
  }

  fleet(e: FleetEvent, elapsedMs: number): void {
    this.out(`t=${clock(elapsedMs)} fleet    ${fleetText(e, this.info?.names ?? [])}`);
  }

  alert(a: DemoAlert): void {
    this.out(`t=${clock(a.elapsedMs)} ${alertText(a, this.c)}`);
  }

  summary(s: Summary): void {
    const names = Object.entries(s.states).map(([name, n]) => `${name}: ${n.healthy} healthy, ${n.expired} expired, ${n.alerted} alerted`);
    const alerts = `alerts: ${s.alerts.firing} firing, ${s.alerts.resolved} resolved`;
    this.out(`t=${clock(s.elapsedMs)} summary | ${peersText(s.fleet)} | ${names.join(" | ")} | ${alerts}`);
  }

  warn(message: string): void {
    this.err(`peermon demo: warning: ${message}`);
  }

  end(e: DemoEnd): void {
    this.out(`t=${clock(e.elapsedMs)} ${endText(e, this.info)}`);
  }

  close(): void {}
}

/** One JSON object per line: start, fleet, alert, summary, warning, end. */
export class JsonView implements DemoView {
  constructor(private readonly out: Write) {}

  start(i: DemoInfo): void {
    this.out(
      toJson({
        type: "start",
        peers: i.peers,
        names: i.names,
        ttl_ms: i.ttlMs,
        seed: i.seed,
        duration_ms: i.durationMs,
        grace_ms: i.graceMs,
        nats: { url: i.natsUrl, pid: i.natsPid },
      }),
    );
  }

  fleet(e: FleetEvent, elapsedMs: number): void {
    this.out(toJson({ type: "fleet", t_ms: Math.round(elapsedMs), ...e }));
  }

  alert(a: DemoAlert): void {
    const span = a.spanMs === undefined ? {} : { [a.alert.kind === "firing" ? "silent_ms" : "alerted_ms"]: Math.round(a.spanMs) };
    this.out(toJson({ type: "alert", t_ms: Math.round(a.elapsedMs), ...alertJson(a.alert), ...span }));
  }

  summary(s: Summary): void {
    this.out(toJson({ type: "summary", t_ms: Math.round(s.elapsedMs), peers: s.fleet, states: s.states, alerts: s.alerts }));
  }

  warn(message: string): void {
    this.out(toJson({ type: "warning", message }));
  }

  end(e: DemoEnd): void {
    this.out(toJson({ type: "end", t_ms: Math.round(e.elapsedMs), reason: e.reason, alerts: e.alerts }));
  }

  close(): void {}
}
