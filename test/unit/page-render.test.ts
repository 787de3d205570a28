import { test } from "node:test";
import assert from "node:assert/strict";
import type { NameStatus, PeerStatus, StatusSnapshot } from "../../src/actors/window-status.js";
import { coarse, renderSections } from "../../src/http/page-render.js";
import { statusPage } from "../../src/http/status-page.js";

const AT = "2026-11-23T01:00:00.000Z";
const NOW = Date.parse(AT);

function peer(name: string, state: PeerStatus["state"], more: Partial<PeerStatus> = {}): PeerStatus {
  return { peer: name, state, value: "1", valid: true, expiresInMs: 5_000, silentForMs: 1_000, ...more };
}

function named(peers: PeerStatus[], neverSeen: string[] = []): NameStatus {
  const counts = { healthy: 0, expired: 0, alerted: 0 };
  for (const p of peers) counts[p.state]++;
  return { counts, neverSeen: { count: neverSeen.length, peers: neverSeen }, peers };
}

function snapshot(over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    at: AT,
    link: { impaired: [], impairedForMs: null, graceLeftMs: 0 },
    windows: 0,
    peerset: null,
    names: {},
    history: { sinceMs: NOW - 3_600_000, untilMs: NOW, pairs: {} },
    ...over,
  };
}

/** The rows' peer ids in page order. */
const order = (html: string) => [...html.matchAll(/data-peer="([^"]*)"/g)].map((m) => m[1]);

test("page render - rows: alerted, expired, never seen, healthy, each then by peer; cells say how long a peer is silent", () => {
  const s = snapshot({
    windows: 5,
    peerset: 6,
    names: {
      ping: named([peer("A", "healthy"), peer("B", "alerted", { silentForMs: 125_000, expiresInMs: -113_000 }), peer("C", "expired")], ["D"]),
      freespace: named([peer("A", "healthy", { value: "5000" }), peer("E", "healthy", { valid: false })], ["B", "C", "D"]),
    },
  });
  const p = renderSections(s);
  assert.equal(p.chunks, 1);
  const rows = p.sections["rows-0"]!;
  assert.deepEqual(order(rows), ["B", "C", "D", "A", "E"]);
  assert.match(
    rows,
    /data-peer="B"><span role="rowheader">B<\/span><span role="cell" class="n">never seen<\/span><span role="cell" class="a" title="alerted: deadline 2m ago">silent for 2m<\/span>/,
  );
  assert.match(rows, /class="h">5000<\/span>/);
  assert.match(rows, /data-peer="E".*<em>invalid<\/em>.*class="x" title="no ping window listed"/);
  assert.match(p.sections.head!, /data-name="freespace">freespace<small><b class="h">2 healthy<\/b> <b class="n">3 never seen<\/b><\/small>/);
  assert.match(
    p.sections.meta!,
    /shard all<\/span> · <span class="good">NATS link ok<\/span> · <span>5 windows, 2 names<\/span> · <span>6 peers in the peerset<\/span>/,
  );
});

test("page render - peer ids and values are escaped", () => {
  const evil = `<img src=x onerror="alert(1)">&'`;
  const p = renderSections(snapshot({ names: { ping: named([peer(evil, "healthy", { value: evil })], [evil]) } }));
  const html = statusPage(p);
  assert.doesNotMatch(html, /<img/);
  assert.match(p.sections["rows-0"]!, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;&amp;&#39;/);
});

test("page render - the link, a running grace and the shard are in the meta line", () => {
  const impaired = renderSections(snapshot({ shard: "1/4", link: { impaired: ["disconnected"], impairedForMs: 12_000, graceLeftMs: 0 } }));
  assert.match(impaired.sections.meta!, /shard 1\/4<\/span> · <span class="bad">NATS link impaired \(disconnected\) for 12s: no alerts until it recovers/);
  const grace = renderSections(snapshot({ link: { impaired: [], impairedForMs: null, graceLeftMs: 25_000 } }));
  assert.match(grace.sections.meta!, /<span class="warn">grace 25s left/);
});

test("page render - disruption and silence panels: absent, empty, and with the other units' data", () => {
  const absent = renderSections(snapshot()).sections.panels!;
  assert.match(absent, /Disruption mode is not running on this monitor/);
  assert.match(absent, /Silences are not available on this monitor/);
  const empty = renderSections(snapshot({ silences: [], disruptions: [] })).sections.panels!;
  assert.match(empty, /No disruption\./);
  assert.match(empty, /No silences\./);
  const full = renderSections(
    snapshot({
      disruptions: [{ name: "ping", since: new Date(NOW - 120_000).toISOString(), fraction: 0.6, count: 12, held: 11 }],
      silences: [{ id: "01SILENCE", peer: "P3", endsAt: new Date(NOW + 3_600_000).toISOString(), comment: "reboot" }],
    }),
  ).sections.panels!;
  assert.match(
    full,
    /class="panel alarm"><h2>Disruption<\/h2><table><tr><td>ping<\/td><td>60\.0% of its peers late or expired \(12\)<\/td><td>for 2m<\/td><td>11 alerts held<\/td>/,
  );
  const rows = renderSections(
    snapshot({
      names: { ping: named([peer("P3", "healthy"), peer("P4", "healthy")]) },
      silences: [{ id: "S1", peer: "P4", name: "ping", endsAt: new Date(NOW + 60_000).toISOString() }],
    }),
  ).sections["rows-0"]!;
  assert.match(rows, /<span role="rowheader">P4 <em class="muted" title="silenced: ping">silenced<\/em><\/span>/, "a silenced peer is marked");
  assert.match(rows, /<span role="rowheader">P3<\/span>/);
  assert.match(full, /<td>P3<\/td><td>all names<\/td><td title="[^"]+">ends in 60m<\/td><td>reboot<\/td><td class="id" title="01SILENCE">01SILENCE<\/td>/);
});

test("page render - the history strip marks each episode of the peer, at least half a percent wide", () => {
  const s = snapshot({
    names: { ping: named([peer("A", "healthy"), peer("B", "healthy")]) },
    history: {
      sinceMs: NOW - 1_000_000,
      untilMs: NOW,
      pairs: {
        ping: {
          A: {
            sinceMs: NOW - 1_000_000,
            availability: 0.899,
            flaps: 1,
            episodes: [
              [NOW - 500_000, NOW - 400_000],
              [NOW - 1_000, null],
            ],
          },
        },
      },
    },
  });
  const rows = renderSections(s).sections["rows-0"]!;
  assert.match(
    rows,
    /data-peer="A">.*title="ping: 89\.9% available, 1 flap"><i class="bar" style="background:linear-gradient\(90deg,var\(--ok\) 0% 50%,var\(--bad\) 50% 60%,var\(--ok\) 60% 99\.9%,var\(--bad\) 99\.9% 100%,var\(--ok\) 100% 100%\)"><\/i><small>89\.9%<\/small>/,
  );
  assert.match(rows, /data-peer="B">.*<span role="cell" class="hist"><i class="bar"><\/i><\/span>/, "no episode: a plain bar");
});

test("page render - rows come in chunks of 100 so that a live update re-sends only what changed", () => {
  const peers = Array.from({ length: 250 }, (_, i) => peer(`P${String(i).padStart(3, "0")}`, "healthy"));
  const p = renderSections(snapshot({ names: { ping: named(peers) } }));
  assert.equal(p.chunks, 3);
  assert.deepEqual(
    [0, 1, 2].map((k) => order(p.sections[`rows-${k}`]!).length),
    [100, 100, 50],
  );
  assert.match(renderSections(snapshot()).sections["rows-0"]!, /id="empty">No metrics received yet\./);
});

test("page render - durations read at a glance", () => {
  const rows: [number, string][] = [
    [0, "0s"],
    [4_400, "4s"],
    [89_000, "89s"],
    [125_000, "2m"],
    [89 * 60_000, "89m"],
    [2 * 3_600_000, "2h"],
    [50 * 3_600_000, "2d"],
    [-5_000, "0s"],
  ];
  for (const [ms, want] of rows) assert.equal(coarse(ms), want, `${ms} ms`);
});
