/**
 * The frontier plot, written as SVG by hand (no plotting dependency): per panel, mean detection
 * time (as a share of the TTL's) against false suspicions per peer-week (log scale), one line per
 * swept detector, the defaults marked, the targets shaded.
 */

export interface PlotPoint {
  /** False suspicions per peer-week (x); 0 is drawn on its own lane left of the axis. */
  x: number;
  /** Mean detection time / the TTL's (y). */
  y: number;
  /** Knob value, written beside the point. */
  label?: string;
}

export interface PlotSeries {
  name: string;
  color: string;
  points: PlotPoint[];
  dashed?: boolean;
  /** A single marked point (a detector's default) instead of a line. */
  marker?: "default" | "baseline";
}

export interface Panel {
  title: string;
  series: PlotSeries[];
  /** The shaded target: at most maxX on x, at most maxY on y. @default { maxX: 1, maxY: 0.5 } (early suspicion's) */
  target?: { maxX: number; maxY: number };
  /** @default "false suspicions per peer-week (ttl, ipfs-tick: false expiries)" */
  xLabel?: string;
  /** The y axis. @default [0.3, 1.4] */
  yRange?: [number, number];
  /** The x axis (log, in decades). @default [0.01, 10000] */
  xDecades?: [number, number];
}

const W = 470;
const H = 330;
const M = { left: 58, right: 14, top: 30, bottom: 46 };
const X_MIN = 0.01;
const X_MAX = 10_000;
const Y_MIN = 0.3;
const Y_MAX = 1.4;
const X_LABEL = "false suspicions per peer-week (ttl, ipfs-tick: false expiries)";
/** Where x = 0 is drawn: a lane left of the log axis. */
const ZERO_LANE = 30;

export function frontierSvg(panels: Panel[], caption: string): string {
  const cols = 2;
  const rows = Math.ceil(panels.length / cols);
  const legend = legendRows(panels);
  const width = cols * W;
  const height = rows * H + 30 + legend.height;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(caption)}</text>`,
  ];
  panels.forEach((p, i) => parts.push(panel(p, (i % cols) * W, 24 + Math.floor(i / cols) * H)));
  parts.push(legend.svg(24 + rows * H));
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function panel(p: Panel, ox: number, oy: number): string {
  const x0 = ox + M.left + ZERO_LANE;
  const x1 = ox + W - M.right;
  const y0 = oy + H - M.bottom;
  const y1 = oy + M.top;
  const [eMin, eMax] = p.xDecades ?? [Math.log10(X_MIN), Math.log10(X_MAX)];
  const sx = (x: number) => (x <= 0 ? ox + M.left + ZERO_LANE / 2 : x0 + ((Math.min(Math.max(Math.log10(x), eMin), eMax) - eMin) / (eMax - eMin)) * (x1 - x0));
  const [yMin, yMax] = p.yRange ?? [Y_MIN, Y_MAX];
  const sy = (y: number) => y0 - ((Math.min(Math.max(y, yMin), yMax) - yMin) / (yMax - yMin)) * (y0 - y1);
  const out: string[] = [`<g>`, `<text x="${(x0 + x1) / 2}" y="${oy + 20}" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`];
  // Target: the panel's, else early suspicion's (at most 1 false suspicion a week, at most half the TTL's detection time).
  const target = p.target ?? { maxX: 1, maxY: 0.5 };
  out.push(
    `<rect x="${sx(0) - ZERO_LANE / 2}" y="${sy(target.maxY)}" width="${sx(target.maxX) - sx(0) + ZERO_LANE / 2}" height="${y0 - sy(target.maxY)}" fill="#d8f0d8"/>`,
  );
  out.push(`<text x="${sx(0) - ZERO_LANE / 2 + 3}" y="${y0 - 4}" fill="#3a7a3a">target</text>`);
  for (let e = Math.ceil(eMin); e <= eMax; e++) {
    const x = sx(10 ** e);
    out.push(`<line x1="${x}" y1="${y1}" x2="${x}" y2="${y0}" stroke="#eee"/>`);
    // The lowest decade is left unwritten: the 0 lane sits next to it.
    if (e > eMin) out.push(`<text x="${x}" y="${y0 + 14}" text-anchor="middle">${10 ** e >= 1 ? 10 ** e : (10 ** e).toFixed(-e)}</text>`);
  }
  out.push(`<text x="${sx(0)}" y="${y0 + 14}" text-anchor="middle">0</text>`);
  for (let y = Math.ceil((yMin + 1e-9) / 0.2) * 0.2; y <= yMax + 1e-9; y += 0.2) {
    out.push(`<line x1="${x0 - ZERO_LANE}" y1="${sy(y)}" x2="${x1}" y2="${sy(y)}" stroke="#eee"/>`);
    out.push(`<text x="${x0 - ZERO_LANE - 4}" y="${sy(y) + 4}" text-anchor="end">${y.toFixed(1)}</text>`);
  }
  out.push(`<line x1="${x0 - ZERO_LANE}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="black"/>`);
  out.push(`<line x1="${x0 - ZERO_LANE}" y1="${y0}" x2="${x0 - ZERO_LANE}" y2="${y1}" stroke="black"/>`);
  out.push(`<line x1="${x0 - 2}" y1="${y0 - 4}" x2="${x0 + 2}" y2="${y0 + 4}" stroke="black"/>`);
  out.push(`<text x="${(x0 + x1) / 2}" y="${y0 + 32}" text-anchor="middle">${esc(p.xLabel ?? X_LABEL)}</text>`);
  out.push(`<text transform="translate(${ox + 14},${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">mean detection time / TTL's</text>`);
  for (const s of p.series) out.push(series(s, sx, sy));
  out.push("</g>");
  return out.join("\n");
}

function series(s: PlotSeries, sx: (x: number) => number, sy: (y: number) => number): string {
  const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const out: string[] = [];
  if (s.marker) {
    for (const p of pts) {
      const [x, y] = [sx(p.x), sy(p.y)];
      out.push(
        s.marker === "default"
          ? `<circle cx="${x}" cy="${y}" r="5.5" fill="none" stroke="${s.color}" stroke-width="2.2"/>`
          : `<rect x="${x - 4.5}" y="${y - 4.5}" width="9" height="9" fill="${s.color}"/>`,
      );
    }
    return out.join("\n");
  }
  const path = pts.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
  out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5,3"' : ""}/>`);
  pts.forEach((p, i) => {
    out.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="2.4" fill="${s.color}"/>`);
    // Every other knob value is written (and the last): the lines are dense.
    if (p.label && (i % 2 === 0 || i === pts.length - 1))
      out.push(`<text x="${(sx(p.x) + 4).toFixed(1)}" y="${(sy(p.y) - 4).toFixed(1)}" font-size="9" fill="${s.color}">${esc(p.label)}</text>`);
  });
  return out.join("\n");
}

/** One legend for all panels: every series name once, with its look. */
function legendRows(panels: Panel[]): { height: number; svg: (top: number) => string } {
  const seen = new Map<string, PlotSeries>();
  for (const p of panels) for (const s of p.series) if (!seen.has(s.name)) seen.set(s.name, s);
  const items = [...seen.values()];
  const perRow = 4;
  const height = Math.ceil(items.length / perRow) * 18 + 8;
  return {
    height,
    svg: (top) =>
      items
        .map((s, i) => {
          const x = 20 + (i % perRow) * 230;
          const y = top + 12 + Math.floor(i / perRow) * 18;
          const mark = s.marker
            ? s.marker === "default"
              ? `<circle cx="${x + 10}" cy="${y - 4}" r="5" fill="none" stroke="${s.color}" stroke-width="2"/>`
              : `<rect x="${x + 6}" y="${y - 8}" width="8" height="8" fill="${s.color}"/>`
            : `<line x1="${x}" y1="${y - 4}" x2="${x + 20}" y2="${y - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ""}/>`;
          return `${mark}<text x="${x + 26}" y="${y}">${esc(s.name)}</text>`;
        })
        .join("\n"),
  };
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
