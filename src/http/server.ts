/**
 * The HTTP side of `serve --http HOST:PORT`: `/healthz` (the process answers), `/readyz` (connected
 * to NATS, windows restored, not cut off), `/metrics` (Prometheus), `/events` (server-sent events:
 * a JSON status snapshot a second, for tools), and the operator page: `/` rendered on the server,
 * kept live through `/live` (server-sent events with the page sections that changed) or, where a
 * proxy buffers those, `/live.json` (all sections, polled).
 */
import type { Clock, TimerHandle } from "../clock.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { StatusSnapshot } from "../actors/window-status.js";
import { TUNING } from "../config.js";
import { ConfigError, PeermonError } from "../errors.js";
import { renderSections, type PageSections } from "./page-render.js";
import { statusPage } from "./status-page.js";

export interface HttpAddress {
  host: string;
  port: number;
}

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface HttpSource {
  /** Paces the live followers and the page's reuse. */
  clock: Clock;
  readiness(): Readiness;
  metrics: Registry;
  /** The status with up to `perName` peers per metric name. */
  status(perName: number): StatusSnapshot;
}

/** Snapshots pushed to each `/events` and `/live` follower, ms. */
const EVENTS_INTERVAL_MS = 1_000;
/** A rendered page is reused for this long, ms: viewers that ask within it share one render. */
const RENDER_REUSE_MS = 500;
/** A live follower that has this much unsent (a slow reader) skips updates until it drains, bytes. */
const MAX_UNSENT_BYTES = 4 * 1024 ** 2;

/** Parses `HOST:PORT`, `:PORT` (all interfaces) or `PORT`. */
export function parseHttpAddress(text: string): HttpAddress {
  const match = /^(?:(\[[^\]]+\]|[^:]*):)?(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 0 || port > 65_535) {
    throw new ConfigError("http", text, "write HOST:PORT, :PORT or PORT, for example --http :9464");
  }
  const host = match[1] ? match[1].replace(/^\[|\]$/g, "") : "0.0.0.0";
  return { host, port };
}

export async function startHttpServer(address: HttpAddress, source: HttpSource): Promise<Server> {
  const page = new RenderedPage(source);
  const server = createServer((req, res) => {
    route(req, res, source, page).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`peermon could not answer: ${err.message}\n`);
    });
  });
  await listen(server, address);
  return server;
}

/**
 * Fails early, before the monitor connects and restores its windows, when `--http`'s address
 * cannot be listened on (a port in use, an address not of this host): binds it and lets it go.
 */
export async function checkHttpAddress(address: HttpAddress): Promise<void> {
  if (address.port === 0) return;
  const probe = createServer();
  await listen(probe, address);
  await new Promise((resolve) => probe.close(resolve));
}

function listen(server: Server, address: HttpAddress): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(listenError(err, address)));
    server.listen(address.port, address.host, () => resolve());
  });
}

/** A listen error that names the setting and says what to do. */
function listenError(err: NodeJS.ErrnoException, address: HttpAddress): Error {
  const where = `${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`;
  const why =
    err.code === "EADDRINUSE"
      ? `the port is in use (EADDRINUSE): stop what listens there, or give another port, like --http :${address.port + 1}`
      : err.code === "EACCES"
        ? "no permission to listen there (EACCES): ports below 1024 need privileges; give a port above it"
        : err.code === "EADDRNOTAVAIL"
          ? "the address is not one of this host's (EADDRNOTAVAIL): give one of its addresses, or :PORT for all"
          : err.message;
  return new PeermonError(`cannot serve HTTP on ${where} (--http, PEERMON_HTTP): ${why}`, { cause: err });
}

async function route(req: IncomingMessage, res: ServerResponse, source: HttpSource, page: RenderedPage): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
  } else if (path === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
  } else if (path === "/readyz") {
    const r = source.readiness();
    res.writeHead(r.ready ? 200 : 503, { "content-type": "application/json" }).end(`${JSON.stringify(r)}\n`);
  } else if (path === "/metrics") {
    const body = await source.metrics.metrics();
    res.writeHead(200, { "content-type": source.metrics.contentType }).end(body);
  } else if (path === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(statusPage(page.current()));
  } else if (path === "/live.json") {
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(page.current()));
  } else if (path === "/live") {
    follow(req, res, source.clock, () => page.changes());
  } else if (path === "/events") {
    const snapshot = () => JSON.stringify(source.status(TUNING.statusPeersPerName));
    follow(req, res, source.clock, () => snapshot);
  } else {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /, /healthz, /readyz or /metrics\n");
  }
}

/**
 * Server-sent events: `next()` gives each follower a function that writes its next message; it is
 * called now and every second, until the follower goes away. `x-accel-buffering: no` asks nginx
 * not to buffer the stream.
 */
function follow(req: IncomingMessage, res: ServerResponse, clock: Clock, next: () => () => string): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  const message = next();
  const send = () => {
    if (res.writableLength < MAX_UNSENT_BYTES) res.write(`data: ${message()}\n\n`);
  };
  let timer: TimerHandle | undefined;
  const tick = () => {
    send();
    timer = clock.setTimer(tick, EVENTS_INTERVAL_MS);
  };
  tick();
  const stop = () => timer !== undefined && clock.clearTimer(timer);
  req.once("close", stop);
  res.once("close", stop);
}

/** The operator page's sections, rendered at most every RENDER_REUSE_MS whatever the number of viewers. */
class RenderedPage {
  private cached: { renderedAt: number; page: PageSections } | undefined;

  constructor(private readonly source: HttpSource) {}

  current(): PageSections {
    const now = this.source.clock.now();
    if (!this.cached || now - this.cached.renderedAt >= RENDER_REUSE_MS) {
      this.cached = { renderedAt: now, page: renderSections(this.source.status(TUNING.pagePeersPerName)) };
    }
    return this.cached.page;
  }

  /** A follower's messages: the first has every section, later ones only those that changed since. */
  changes(): () => string {
    let sent: Record<string, string> = {};
    return () => {
      const p = this.current();
      const changed: Record<string, string> = {};
      for (const [id, html] of Object.entries(p.sections)) if (sent[id] !== html) changed[id] = html;
      sent = p.sections;
      return JSON.stringify({ at: p.at, chunks: p.chunks, sections: changed });
    };
  }
}
