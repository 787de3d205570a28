/**
 * BatchStage: alerts with the same batch key (one metric name) that fall due together go in one
 * POST. The first alert of an idle key opens a window of `windowMs`; what arrives within it joins.
 * One batch per key is in flight at a time (through `next`, which posts and retries), and what
 * arrives meanwhile waits for it and goes in the next batch, without a new window: a burst is sent
 * in a few large POSTs, a lone alert waits at most the window, and the alerts of one (name, peer)
 * reach the receiver in log order.
 */
import type { Clock } from "../clock.js";
import { batchKey } from "./event.js";
import type { Pending, Stage } from "./stage.js";

export interface BatchOptions {
  clock: Clock;
  /** How long the first alert of an idle key waits for others, ms (0: none). */
  windowMs: number;
  /** Most alerts in one batch. */
  max: number;
}

interface Waiting {
  item: Pending;
  done(went: boolean): void;
  fail(err: unknown): void;
}

export class BatchStage implements Stage {
  private readonly groups = new Map<string, Waiting[]>();

  constructor(
    private readonly next: Stage,
    private readonly o: BatchOptions,
  ) {}

  /** Alerts waiting for their batch, and in the batch in flight, per key. */
  get waiting(): number {
    let n = 0;
    for (const queue of this.groups.values()) n += queue.length;
    return n;
  }

  /** Resolves, once their batches went through `next`, with the alerts it let through (those handed in together batch together). */
  async exec(items: Pending[]): Promise<Pending[]> {
    const opened: string[] = [];
    const went = Promise.all(
      items.map(
        (item) =>
          new Promise<boolean>((done, fail) => {
            const key = this.enqueue({ item, done, fail });
            if (key !== undefined) opened.push(key);
          }),
      ),
    );
    for (const key of opened) void this.drain(key);
    const passed = await went;
    return items.filter((_, i) => passed[i]);
  }

  /** Queues `w` behind its key's batch; returns the key when it was idle (its drain is to start). */
  private enqueue(w: Waiting): string | undefined {
    const key = batchKey(w.item.event);
    const queue = this.groups.get(key);
    if (queue) {
      queue.push(w);
      return undefined;
    }
    this.groups.set(key, [w]);
    return key;
  }

  /** Sends the key's batches one after the other until nothing waits, then forgets the key. */
  private async drain(key: string): Promise<void> {
    if (this.o.windowMs > 0) await new Promise<void>((r) => this.o.clock.setTimer(r, this.o.windowMs));
    const queue = this.groups.get(key)!;
    while (queue.length > 0) {
      const batch = queue.slice(0, this.o.max);
      try {
        const passed = new Set(await this.next.exec(batch.map((w) => w.item)));
        for (const w of batch) w.done(passed.has(w.item));
      } catch (err) {
        // Each alert's exec() rejects: the sink logs it and releases what is left unsettled.
        for (const w of batch) w.fail(err);
      }
      queue.splice(0, batch.length);
    }
    this.groups.delete(key);
  }
}
