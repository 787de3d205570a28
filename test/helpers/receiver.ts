/**
 * A test HTTP receiver on a free loopback port: records every request (headers, raw body, arrival
 * time) and answers what the test says (200 by default). Stopped after the test.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { cleanup, waitUntil } from "./nats.js";

type Hooks = Parameters<typeof cleanup>[0];

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The status it was answered with. */
  answered: number;
  /** performance.timeOrigin + performance.now() at arrival: the monitor's clock source. */
  at: number;
  json<T = unknown>(): T;
}

export class TestReceiver {
  readonly requests: Received[] = [];
  /** The answer to the next request (status, body); 200 by default. */
  respond: (r: Received) => { status: number; body?: string; headers?: Record<string, string> } = () => ({ status: 200 });
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(t: Hooks, path = "/hook"): Promise<TestReceiver> {
    let receiver: TestReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const raw = Buffer.concat(chunks);
        const r: Received = {
          answered: 0,
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          raw,
          at: performance.timeOrigin + performance.now(),
          json: <T>() => JSON.parse(raw.toString()) as T,
        };
        const answer = receiver!.respond(r);
        r.answered = answer.status;
        receiver!.requests.push(r);
        res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers }).end(answer.body ?? "");
        for (const w of receiver!.waiters) w();
      });
    });
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    receiver = new TestReceiver(server, `http://127.0.0.1:${port}${path}`);
    cleanup(t, () => receiver!.stop());
    return receiver;
  }

  /** The requests it answered with a 2xx: what was delivered. */
  get accepted(): Received[] {
    return this.requests.filter((r) => r.answered >= 200 && r.answered < 300);
  }

  /** Resolves when `predicate` holds over the requests so far. */
  waitFor(predicate: (requests: Received[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return waitUntil(
      () => predicate(this.requests),
      what,
      timeoutMs,
      (wake) => this.waiters.add(wake),
    );
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Alertmanager's webhook payload, as a receiver reads it. */
export interface WebhookBody {
  version: string;
  status: "firing" | "resolved";
  receiver: string;
  groupKey: string;
  truncatedAlerts: number;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: {
    status: "firing" | "resolved";
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }[];
}

/** Every alert of every webhook request, in arrival order. */
export function webhookAlerts(requests: readonly Received[]): WebhookBody["alerts"] {
  return requests.flatMap((r) => r.json<WebhookBody>().alerts);
}
