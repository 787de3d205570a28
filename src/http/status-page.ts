/**
 * The live status page served at `/`: one self-contained HTML document (no external assets) that
 * follows `/events` and shows, per metric name, the windows per state and the peers, troubled first.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>peermon status</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
  body { margin: 0 auto; max-width: 1100px; padding: 1.5rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  #meta { color: #5b6474; margin-bottom: 1rem; }
  section { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px #0002; margin-bottom: 1rem; padding: .75rem 1rem; }
  h2 { font-size: 1.1rem; margin: 0 0 .5rem; display: flex; gap: .75rem; align-items: baseline; }
  .count { font-size: .85rem; font-weight: normal; padding: .1rem .5rem; border-radius: 999px; }
  .healthy { background: #dcf5e3; color: #17602c; }
  .expired { background: #fff1cc; color: #7a5600; }
  .alerted { background: #fde0e0; color: #8a1c1c; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eceef2; }
  td.state span { padding: .05rem .45rem; border-radius: 4px; }
  #empty { color: #5b6474; }
  .offline { color: #8a1c1c; }
  #meta.warn { color: #7a5600; font-weight: 600; }
</style>
</head>
<body>
<h1>peermon</h1>
<div id="meta">connecting…</div>
<div id="names"><p id="empty">No metrics received yet.</p></div>
<script>
const meta = document.getElementById("meta");
const box = document.getElementById("names");
const text = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const expires = (ms) => ms === null ? "" : ms >= 0 ? "in " + (ms / 1000).toFixed(1) + " s" : (-ms / 1000).toFixed(1) + " s ago";
const linkText = (l) => l.impaired.length > 0 ? "NATS link impaired (" + l.impaired.join(", ") + "): no alerts until it recovers"
  : l.graceLeftMs > 0 ? "grace " + (l.graceLeftMs / 1000).toFixed(0) + " s left: due deadlines wait (the monitor was cut off or stalled)" : "NATS link ok";
function render(s) {
  meta.className = s.link.impaired.length > 0 || s.link.graceLeftMs > 0 ? "warn" : "";
  meta.textContent = s.windows + " windows · " + (s.peerset === null ? "no peerset yet (every peer tracked)" : s.peerset + " peers in the peerset") + " · " + linkText(s.link) + " · " + s.at;
  const names = Object.keys(s.names).sort();
  if (names.length === 0) { box.innerHTML = '<p id="empty">No metrics received yet.</p>'; return; }
  box.innerHTML = names.map((name) => {
    const n = s.names[name];
    const counts = ["healthy", "expired", "alerted"].map((st) => '<span class="count ' + st + '">' + st + " " + n.counts[st] + "</span>").join("");
    const rows = n.peers.map((p) => "<tr><td>" + text(p.peer) + '</td><td class="state"><span class="' + p.state + '">' + p.state +
      "</span></td><td>" + text(p.value) + (p.valid ? "" : " (invalid)") + "</td><td>" + expires(p.expiresInMs) + "</td></tr>").join("");
    return '<section data-name="' + text(name) + '"><h2>' + text(name) + counts + "</h2><table><thead><tr><th>peer</th><th>state</th>" +
      "<th>value</th><th>expires</th></tr></thead><tbody>" + rows + "</tbody></table></section>";
  }).join("");
}
const source = new EventSource("/events");
source.onmessage = (e) => render(JSON.parse(e.data));
source.onerror = () => { meta.className = "offline"; meta.textContent = "lost the monitor: reconnecting…"; };
</script>
</body>
</html>
`;
