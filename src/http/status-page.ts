/**
 * The status page served at `/`: one self-contained HTML document (CSS and JavaScript inline, no
 * external assets) whose first paint is rendered on the server (page-render.ts), so it works
 * without JavaScript (it then reloads every 10 s) and behind a proxy that buffers server-sent
 * events. With JavaScript it stays live: it follows `live` (server-sent events carrying the
 * sections that changed) and, when nothing arrives for a few seconds (a buffering proxy), polls
 * `live.json` instead. URLs are relative, so the page works under a proxy's sub-path.
 */
import type { PageSections } from "./page-render.js";

const STYLE = `
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f5f6f8; --ok: #8fd19e; --bad: #d9534f; }
  body { margin: 0; padding: 1rem 1.5rem; }
  header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
  h1 { font-size: 1.4rem; margin: 0; }
  #meta { color: #5b6474; }
  #live { margin-left: auto; color: #5b6474; font-size: .85rem; }
  .bad { color: #8a1c1c; font-weight: 600; }
  .warn { color: #7a5600; font-weight: 600; }
  .good { color: #17602c; }
  #panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; margin: .75rem 0 1rem; }
  .panel { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0002; padding: .5rem 1rem; }
  .panel.alarm { border-left: 4px solid var(--bad); }
  .panel h2 { font-size: 1rem; margin: 0 0 .25rem; }
  .panel table { border-collapse: collapse; font-size: .85rem; }
  .panel td { padding: .1rem .75rem .1rem 0; }
  .panel td.id { color: #8a93a3; font-family: ui-monospace, monospace; font-size: .75rem; }
  .panel { min-width: 0; }
  .panel table.fit { width: 100%; table-layout: fixed; }
  .panel table.fit td { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  #silences table.fit td:nth-child(4) { white-space: normal; overflow-wrap: anywhere; }
  .panel col.c-peer { width: 22%; } .panel col.c-name { width: 5.5rem; } .panel col.c-ends { width: 6.5rem; } .panel col.c-id { width: 8rem; }
  .pid { display: inline-flex; min-width: 0; max-width: 100%; font-family: ui-monospace, monospace; }
  .pk { flex: none; }
  .pt { min-width: 0; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; direction: rtl; }
  .pt > bdi { direction: ltr; unicode-bidi: isolate; }
  .none { color: #5b6474; margin: .25rem 0; }
  #matrix { background: #fff; box-shadow: 0 1px 3px #0002; font-size: .85rem; }
  .r { display: grid; grid-template-columns: 14rem; grid-auto-columns: minmax(0, 1fr); grid-auto-flow: column; border-bottom: 1px solid #eceef2; }
  .r > span { padding: .15rem .5rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; line-height: 1.3rem; }
  #head { position: sticky; top: 0; z-index: 1; background: #fff; box-shadow: 0 1px 0 #d5d9e0; font-weight: 600; }
  #head .r > span { align-self: end; }
  #head small { display: block; font-weight: normal; white-space: normal; }
  .chunk { content-visibility: auto; contain-intrinsic-size: auto 2300px; }
  [role="rowheader"] { font-family: ui-monospace, monospace; font-size: .8rem; display: flex; align-items: center; gap: .35rem; }
  [role="rowheader"] .pid { flex: 0 1 auto; }
  .muted { flex: none; font-family: system-ui, sans-serif; font-style: normal; font-size: .7rem; color: #5b6474; background: #eceef2; border-radius: 3px; padding: 0 .3rem; }
  .r > .h { background: #dcf5e3; color: #17602c; }
  .r > .h.s { background: #fdf6d8; color: #6b5300; }
  .r > .e { background: #fff1cc; color: #7a5600; }
  .r > .a { background: #fde0e0; color: #8a1c1c; font-weight: 600; }
  .r > .n { background: #eceef2; color: #5b6474; font-style: italic; }
  .r > .x { color: #aab1bd; }
  #empty { color: #5b6474; padding: 1rem .5rem; margin: 0; }
  b { font-weight: 600; margin-right: .35rem; white-space: nowrap; }
  b.h { color: #17602c; } b.e { color: #7a5600; } b.a { color: #8a1c1c; } b.n { color: #5b6474; }
  .bar { display: inline-block; width: 7rem; height: .6rem; border-radius: 3px; background: var(--ok); vertical-align: middle; margin-right: .4rem; }
  .bar.none { background: #d5d9e0; }
  .hist small { color: #8a1c1c; }
`;

/** Applies live sections: newer only; row chunks created and removed as the matrix grows and shrinks. */
const SCRIPT = `
(() => {
  const matrix = document.getElementById("matrix");
  const live = document.getElementById("live");
  let at = document.body.dataset.at;
  let heard = Date.now();
  const apply = (p) => {
    if (p.at < at) return;
    at = p.at;
    for (const [id, html] of Object.entries(p.sections)) {
      let el = document.getElementById(id);
      if (!el && id.startsWith("rows-")) {
        el = document.createElement("div");
        el.id = id;
        el.className = "chunk";
        el.setAttribute("role", "rowgroup");
        matrix.appendChild(el);
      }
      if (el) el.innerHTML = html;
    }
    for (const chunk of matrix.querySelectorAll(".chunk")) if (Number(chunk.id.slice(5)) >= p.chunks) chunk.remove();
  };
  const source = new EventSource("live");
  source.onmessage = (e) => {
    heard = Date.now();
    live.textContent = "live";
    live.className = "";
    apply(JSON.parse(e.data));
  };
  source.onerror = () => {
    live.textContent = "lost the monitor: reconnecting…";
    live.className = "bad";
  };
  // Behind a proxy that buffers server-sent events nothing arrives: poll instead.
  setInterval(() => {
    if (Date.now() - heard < 3000) return;
    fetch("live.json", { cache: "no-store" })
      .then((r) => r.json())
      .then((p) => {
        apply(p);
        live.textContent = "live (polling)";
        live.className = "";
      })
      .catch(() => {});
  }, 2000);
})();
`;

/** The whole page with `p`'s sections in place. */
export function statusPage(p: PageSections): string {
  const chunks = Array.from({ length: p.chunks }, (_, k) => `<div id="rows-${k}" class="chunk" role="rowgroup">${p.sections[`rows-${k}`] ?? ""}</div>`).join(
    "",
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>peermon status</title>
<noscript><meta http-equiv="refresh" content="10"></noscript>
<style>${STYLE}</style>
</head>
<body data-at="${p.at}">
<header><h1>peermon</h1><div id="meta">${p.sections.meta}</div><span id="live">as of the page's load</span></header>
<div id="panels">${p.sections.panels}</div>
<div id="matrix" role="table" aria-label="peers by metric name"><div id="head" role="rowgroup">${p.sections.head}</div>${chunks}</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
