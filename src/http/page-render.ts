/**
 * The status page's HTML, rendered on the server from a status snapshot: the first paint needs no
 * JavaScript, and live updates are the same HTML, section by section (server.ts sends only the
 * sections that changed). Sections: `meta` (shard, link, grace, counts), `panels` (disruption and
 * silences), `head` (the matrix's columns with each name's counts), and the matrix's rows in
 * chunks `rows-0`, `rows-1`, ... (rows: peers, troubled first, never-seen ones included; cells:
 * the window's state; last column: the peer's availability strip over the alert log's span).
 *
 * The matrix is a grid of rows (ARIA table roles), not a <table>: a chunk of rows that is off
 * screen can then skip layout and paint (`content-visibility: auto`, which table row groups
 * ignore), so the first paint costs the rows on screen, not all of them.
 */
import type { DisruptionStatus, PairHistoryStatus, PeerStatus, SilenceStatus, StatusSnapshot } from "../actors/window-status.js";
import type { ClockReport } from "../actors/clock-watch.js";
import { graceWhy } from "../window/self-outage.js";
import type { WindowState } from "../actors/window-machine.js";

export interface PageSections {
  /** The snapshot's time (ISO): a client applies only newer sections. */
  at: string;
  /** Section id -> inner HTML. */
  sections: Record<string, string>;
  /** How many `rows-<k>` sections there are. */
  chunks: number;
}

/** Rows per chunk: a live update re-sends only the chunks that changed (troubled rows come first). */
const ROWS_PER_CHUNK = 100;

type CellState = WindowState | "never";
interface Cell {
  state: CellState;
  peer?: PeerStatus;
}
interface Row {
  peer: string;
  cells: (Cell | undefined)[];
  rank: number;
}

const RANK: Record<CellState, number> = { alerted: 0, expired: 1, never: 2, healthy: 3 };
const CLASS: Record<CellState, string> = { alerted: "a", expired: "e", never: "n", healthy: "h" };

export function renderSections(s: StatusSnapshot): PageSections {
  const names = Object.keys(s.names).sort();
  const rows = matrixRows(s, names);
  const silenced = silencedPeers(s.silences);
  const now = Date.parse(s.at);
  const label = peerLabel;
  const sections: Record<string, string> = {
    meta: meta(s, names),
    panels: panels(s.disruptions, s.silences, now, label) + clocksPanel(s.clocks, label),
    head: head(s, names),
  };
  const chunks = Math.max(1, Math.ceil(rows.length / ROWS_PER_CHUNK));
  for (let k = 0; k < chunks; k++) {
    const part = rows.slice(k * ROWS_PER_CHUNK, (k + 1) * ROWS_PER_CHUNK);
    sections[`rows-${k}`] = k === 0 && rows.length === 0 ? EMPTY : part.map((r) => row(r, s, names, silenced, label)).join("");
  }
  return { at: s.at, sections, chunks };
}

/** Peers of every name and the never-seen ones, as rows: troubled first, then by peer. */
function matrixRows(s: StatusSnapshot, names: string[]): Row[] {
  const byPeer = new Map<string, Row>();
  const at = (peer: string) => {
    let r = byPeer.get(peer);
    // Filled, not sparse: map() skips holes, and every row needs one cell per name.
    if (!r) byPeer.set(peer, (r = { peer, cells: names.map(() => undefined), rank: RANK.healthy }));
    return r;
  };
  names.forEach((name, i) => {
    const n = s.names[name]!;
    for (const p of n.peers) at(p.peer).cells[i] = { state: p.state, peer: p };
    for (const peer of n.neverSeen.peers) at(peer).cells[i] = { state: "never" };
  });
  const rows = [...byPeer.values()];
  for (const r of rows) for (const c of r.cells) if (c && RANK[c.state] < r.rank) r.rank = RANK[c.state];
  return rows.sort((a, b) => a.rank - b.rank || (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
}

function meta(s: StatusSnapshot, names: string[]): string {
  const { link } = s;
  const linkText =
    link.impaired.length > 0
      ? `<span class="bad">NATS link impaired (${esc(link.impaired.join(", "))})${link.impairedForMs === null ? "" : ` for ${coarse(link.impairedForMs)}`}: no alerts until it recovers</span>`
      : link.graceLeftMs > 0
        ? `<span class="warn">grace ${coarse(link.graceLeftMs)} left: due deadlines wait (${esc(graceWhy(link))})</span>`
        : `<span class="good">NATS link ok</span>`;
  const peerset = s.peerset === null ? "no peerset yet (every publishing peer tracked)" : `${plural(s.peerset, "peer")} in the peerset`;
  const listed = names.reduce((sum, n) => sum + s.names[n]!.peers.length, 0);
  const hidden = s.windows > listed ? ` · <span class="warn">${plural(s.windows - listed, "healthy window")} not listed</span>` : "";
  return (
    `<span>shard ${esc(s.shard ?? "all")}</span> · ${linkText} · <span>${plural(s.windows, "window")}, ${plural(names.length, "name")}</span> · ` +
    `<span>${peerset}</span>${hidden} · <span>updated <time>${esc(s.at.slice(11, 19))}</time> UTC</span>`
  );
}

/** A peer id as HTML (peerLabel). */
type Label = (peer: string) => string;

function panels(disruptions: DisruptionStatus[] | undefined, silences: SilenceStatus[] | undefined, now: number, label: Label): string {
  const open = (disruptions ?? []).map(
    (d) =>
      `<tr><td>${esc(d.name)}</td><td>${pct(d.fraction)} of its peers late or expired (${d.count})</td>` +
      `<td>for ${coarse(now - Date.parse(d.since))}</td><td>${d.held === undefined ? "" : `${plural(d.held, "alert")} held`}</td></tr>`,
  );
  const active = (silences ?? []).map(
    (x) =>
      `<tr><td${titled(x.peer)}>${label(x.peer)}</td><td>${x.name === undefined ? "all names" : esc(x.name)}</td>` +
      `<td title="${esc(x.endsAt)}">ends in ${coarse(Date.parse(x.endsAt) - now)}</td><td>${esc(x.comment ?? "")}</td>` +
      `<td class="id" title="${esc(x.id)}">${esc(x.id)}</td></tr>`,
  );
  return (
    `<section id="disruption" class="panel${open.length ? " alarm" : ""}"><h2>Disruption</h2>` +
    (open.length
      ? `<table>${open.join("")}</table>`
      : `<p class="none">${disruptions ? "No disruption." : "Disruption mode is not running on this monitor."}</p>`) +
    `</section><section id="silences" class="panel"><h2>Silences</h2>` +
    (active.length
      ? `<table class="fit"><colgroup><col class="c-peer"><col class="c-name"><col class="c-ends"><col><col class="c-id"></colgroup>${active.join("")}</table>`
      : `<p class="none">${silences ? "No silences." : "Silences are not available on this monitor."}</p>`) +
    `</section>`
  );
}

/** Peers whose clock is off (shown only when there are some). */
function clocksPanel(clocks: ClockReport | undefined, label: Label): string {
  if (!clocks || clocks.count === 0) return "";
  const rows = clocks.peers.map(
    (p) =>
      `<tr><td${titled(p.peer)}>${label(p.peer)}</td><td>${coarse(Math.abs(p.offsetMs))} ${p.offsetMs < 0 ? "behind" : "ahead"}</td>` +
      `<td>${p.expiredOnArrival ? `${p.expiredOnArrival} metrics arrived expired (ignored)` : ""}</td></tr>`,
  );
  const more = clocks.count > clocks.peers.length ? `<p class="none">and ${clocks.count - clocks.peers.length} more</p>` : "";
  return (
    `<section id="clocks" class="panel alarm"><h2>Clocks</h2><p class="none">${clocks.count} peer${clocks.count === 1 ? "'s clock is" : "s' clocks are"} ` +
    `off by ${coarse(clocks.thresholdMs)} or more: sync them (NTP), or have them send a ttl.</p>` +
    `<table class="fit"><colgroup><col class="c-peer"><col class="c-ends"><col></colgroup>${rows.join("")}</table>${more}</section>`
  );
}

function head(s: StatusSnapshot, names: string[]): string {
  const cols = names.map((name) => {
    const n = s.names[name]!;
    const counts = [
      n.counts.alerted ? `<b class="a">${n.counts.alerted} alerted</b>` : "",
      n.counts.expired ? `<b class="e">${n.counts.expired} expired</b>` : "",
      `<b class="h">${n.counts.healthy} healthy</b>`,
      n.counts.overdue ? `<b class="e" title="past their deadline, not in latest: judged when the grace ends">${n.counts.overdue} overdue</b>` : "",
      n.neverSeen.count ? `<b class="n">${n.neverSeen.count} never seen</b>` : "",
    ].filter(Boolean);
    return `<span role="columnheader" data-name="${esc(name)}">${esc(name)}<small>${counts.join(" ")}</small></span>`;
  });
  const span = s.history.untilMs - s.history.sinceMs;
  return `<div class="r" role="row"><span role="columnheader">peer</span>${cols.join("")}<span role="columnheader">history<small>last ${coarse(span)}</small></span></div>`;
}

function row(r: Row, s: StatusSnapshot, names: string[], silenced: Map<string, string[] | "all">, label: Label): string {
  const cells = r.cells.map((c, i) => cell(c, names[i]!));
  const muted = silenced.get(r.peer);
  const mark = muted ? ` <em class="muted" title="silenced: ${muted === "all" ? "every name" : esc(muted.join(", "))}">silenced</em>` : "";
  return `<div class="r" role="row" data-peer="${esc(r.peer)}"><span role="rowheader"${titled(r.peer)}>${label(r.peer)}${mark}</span>${cells.join("")}${strip(r, s, names)}</div>`;
}

/** Peer -> the names its active silences mute, or "all". */
function silencedPeers(silences: SilenceStatus[] | undefined): Map<string, string[] | "all"> {
  const out = new Map<string, string[] | "all">();
  for (const x of silences ?? []) {
    const known = out.get(x.peer);
    if (x.name === undefined || known === "all") out.set(x.peer, "all");
    else out.set(x.peer, [...(known ?? []), x.name]);
  }
  return out;
}

function cell(c: Cell | undefined, name: string): string {
  if (!c) return `<span role="cell" class="x" title="no ${esc(name)} window listed">–</span>`;
  if (c.state === "never") return `<span role="cell" class="n">never seen</span>`;
  const p = c.peer!;
  const cls = CLASS[c.state];
  if (c.state === "healthy") {
    const value = p.value.length > 24 ? `${p.value.slice(0, 23)}…` : p.value;
    if (p.overdue) {
      return `<span role="cell" class="${cls} s" title="past its deadline, not in latest: judged when the grace ends">overdue, silent for ${coarse(p.silentForMs)}</span>`;
    }
    if (p.suspect) {
      return `<span role="cell" class="${cls} s" title="suspect: later than its rhythm explains; its ttl has not run out">suspect, silent for ${coarse(p.silentForMs)}</span>`;
    }
    return `<span role="cell" class="${cls}">${esc(value || "ok")}${p.valid ? "" : ` <em>invalid</em>`}</span>`;
  }
  const what = c.state === "alerted" ? "alerted" : "expired, alert pending";
  const past = p.expiresInMs === null ? "" : `: deadline ${coarse(-p.expiresInMs)} ago`;
  return `<span role="cell" class="${cls}" title="${what}${past}">silent for ${coarse(p.silentForMs)}</span>`;
}

/** The peer's failure episodes over all its names, as red on a green bar; the worst availability beside it. */
function strip(r: Row, s: StatusSnapshot, names: string[]): string {
  const { sinceMs, untilMs } = s.history;
  const span = Math.max(1, untilMs - sinceMs);
  const own: [string, PairHistoryStatus][] = [];
  for (const name of names) {
    const h = s.history.pairs[name]?.[r.peer];
    if (h) own.push([name, h]);
  }
  if (own.length === 0) {
    const never = r.cells.every((c) => !c || c.state === "never");
    return `<span role="cell" class="hist"><i class="bar${never ? " none" : ""}"></i></span>`;
  }
  const down = merge(own.flatMap(([, h]) => h.episodes.map(([a, b]): [number, number] => [pos(a, sinceMs, span), pos(b ?? untilMs, sinceMs, span)])));
  const stops: string[] = [];
  let at = 0;
  for (const [a, b] of down) {
    stops.push(`var(--ok) ${at}% ${a}%`, `var(--bad) ${a}% ${b}%`);
    at = b;
  }
  stops.push(`var(--ok) ${at}% 100%`);
  const worst = Math.min(...own.map(([, h]) => h.availability));
  const title = own.map(([name, h]) => `${name}: ${pct(h.availability)} available, ${h.flaps} flap${h.flaps === 1 ? "" : "s"}`).join("; ");
  return `<span role="cell" class="hist" title="${esc(title)}"><i class="bar" style="background:linear-gradient(90deg,${stops.join(",")})"></i><small>${pct(worst)}</small></span>`;
}

/** Position of `ms` on the bar, percent with one decimal. */
function pos(ms: number, sinceMs: number, span: number): number {
  return Math.round(Math.min(100, Math.max(0, ((ms - sinceMs) / span) * 100)) * 10) / 10;
}

/** Sorted, merged intervals, each at least half a percent wide so that a short episode shows. */
function merge(intervals: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b0] of intervals.sort((x, y) => x[0] - y[0])) {
    const b = Math.min(100, Math.max(b0, a + 0.5));
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

const EMPTY = `<p id="empty">No metrics received yet.</p>`;

/** 0.99312 -> "99.3%"; anything short of 1 never reads 100%. */
function pct(share: number): string {
  if (share >= 1) return "100%";
  return `${(Math.floor(Math.max(0, share) * 1_000) / 10).toFixed(1)}%`;
}

/** A duration as an operator reads it at a glance: 12s, 2m, 3h, 2d. */
export function coarse(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1_000));
  if (s < 90) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m}m`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h}h` : `${Math.round(h / 24)}d`;
}

/**
 * A peer id as the page shows it: its text is the whole id (what a copy gets; the cell's title
 * shows it on hover), drawn so that a long one keeps its kind (`12D3`) and as much of its end as
 * the cell holds: the rest (`.pt`) is cut from the left with an ellipsis (status-page.ts), so what
 * gives way is what every libp2p id of a fleet shares (`KooW…`), and the end, which tells peers
 * apart, stays. `<bdi>` keeps any id's own order inside the right-to-left cut.
 */
function peerLabel(peer: string): string {
  if (peer.length < LONG_ID) return esc(peer);
  return `<span class="pid"><span class="pk">${esc(peer.slice(0, ID_HEAD))}</span><span class="pt"><bdi>${esc(peer.slice(ID_HEAD))}</bdi></span></span>`;
}

/** ` title="<id>"` for an id that may not be shown whole (the whole one on hover), else nothing. */
function titled(peer: string): string {
  return peer.length < LONG_ID ? "" : ` title="${esc(peer)}"`;
}

/** Ids this long may not fit their cell; the first ID_HEAD characters say their kind (`12D3`, `Qm…`). */
const LONG_ID = 20;
const ID_HEAD = 4;

/** `1 name`, `2 names`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
