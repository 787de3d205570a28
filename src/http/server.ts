/**
 * The HTTP side of `serve --http HOST:PORT`: `/healthz` (the process answers), `/readyz` (connected
 * to NATS, windows restored, not cut off), `/metrics` (Prometheus), and a live status page: `/`
 * with the peers of each metric name and their state, kept current through `/events`
 * (server-sent events, one snapshot a second).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { StatusSnapshot } from "../actors/window-views.js";
import { ConfigError } from "../errors.js";
import { STATUS_PAGE } from "./status-page.js";

export interface HttpAddress {
  host: string;
  port: number;
}

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface HttpSource {
  readiness(): Readiness;
  metrics: Registry;
  status(): StatusSnapshot;
}

/** Snapshots pushed to each status page, ms. */
const EVENTS_INTERVAL_MS = 1_000;

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
  const server = createServer((req, res) => {
    route(req, res, source).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`peermon could not answer: ${err.message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => resolve());
  });
  return server;
}

async function route(req: IncomingMessage, res: ServerResponse, source: HttpSource): Promise<void> {
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
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(STATUS_PAGE);
  } else if (path === "/events") {
    events(req, res, source);
  } else {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /, /healthz, /readyz or /metrics\n");
  }
}

/** Server-sent events: a status snapshot now and every second, until the page goes away. */
function events(req: IncomingMessage, res: ServerResponse, source: HttpSource): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const send = () => res.write(`data: ${JSON.stringify(source.status())}\n\n`);
  send();
  const timer = setInterval(send, EVENTS_INTERVAL_MS);
  const stop = () => clearInterval(timer);
  req.once("close", stop);
  res.once("close", stop);
}
