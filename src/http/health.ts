/**
 * The HTTP side of `serve --http HOST:PORT`: `/healthz` (the process answers), `/readyz` (connected
 * to NATS, windows restored, not cut off: safe to send traffic and count on its alerts).
 */
import { createServer, type Server } from "node:http";
import { ConfigError } from "../errors.js";

export interface HttpAddress {
  host: string;
  port: number;
}

export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface HealthSource {
  readiness(): Readiness;
}

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

export async function startHealthServer(address: HttpAddress, source: HealthSource): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const r = source.readiness();
      res.writeHead(r.ready ? 200 : 503, { "content-type": "application/json" }).end(`${JSON.stringify(r)}\n`);
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /healthz or /readyz\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => resolve());
  });
  return server;
}
