/**
 * Silences from a client: add, list and remove the entries of the KV bucket `<PREFIX>_SILENCES`
 * that every monitor follows (bus/silence-store.ts). A silence ends by itself at its end time; the
 * bucket needs no cleaning. Running monitors see an added or removed silence within milliseconds.
 */
import type { KV, NatsConnection } from "nats";
import { ulid } from "ulid";
import { encodeSilence, decodeSilence, isSilenceId, newSilence, type SilenceInput } from "../api/silence.js";
import type { Subjects } from "../api/subjects.js";
import type { Silence } from "../api/types.js";
import { isNotFound, jetStreamFor } from "../bus/jetstream.js";
import { openSilenceBucket } from "../bus/silence-store.js";
import { SilenceNotFound, UsageError } from "../errors.js";

/** What JetStream's absence means for silences. */
const NO_JETSTREAM = "(silences are kept there, shared by every monitor); enable it (`jetstream: enabled` in the server config, or nats-server -js)";

export class SilenceStore {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
  ) {}

  /** Adds a silence starting now; resolves with it (its id removes it) once JetStream stored it. */
  async add(input: SilenceInput): Promise<Silence> {
    const silence = newSilence(input, ulid(), Date.now());
    await jetStreamFor(this.nc, "store a silence", NO_JETSTREAM);
    const kv = await openSilenceBucket(this.nc, this.subjects, { create: true });
    await kv.create(silence.id, encodeSilence(silence));
    return silence;
  }

  /** The silences muting now, soonest end first (none when the bucket was never made). */
  async list(): Promise<Silence[]> {
    const kv = await this.bucket("list silences");
    if (!kv) return [];
    const now = Date.now();
    const out: Silence[] = [];
    const keys: string[] = [];
    // All keys first: reading entries while the key listing runs cut the listing short (nats.js 2.29).
    for await (const key of await kv.keys()) keys.push(key);
    for (const key of keys) {
      const s = await this.read(kv, key);
      if (s && now < s.endsAtMs) out.push(s);
    }
    return out.sort((a, b) => a.endsAtMs - b.endsAtMs || (a.id < b.id ? -1 : 1));
  }

  /** Ends silence `id` now; resolves with what it was. SilenceNotFound when it does not exist or is over. */
  async remove(id: string): Promise<Silence> {
    if (!isSilenceId(id)) {
      throw new UsageError(`invalid silence id ${JSON.stringify(id)}: ids are 26 characters like 01JBX7Q3ZK8Y3W6T0C1M2N4P5R; see \`peermon silence ls\``);
    }
    const kv = await this.bucket("remove a silence");
    const entry = kv ? await kv.get(id) : null;
    if (!kv || !entry || entry.operation !== "PUT") throw new SilenceNotFound(id);
    const silence = decodeSilence(entry.value);
    if (silence.endsAtMs <= Date.now()) throw new SilenceNotFound(id, new Date(silence.endsAtMs).toISOString());
    await kv.delete(id, { previousSeq: entry.revision });
    return silence;
  }

  /** The bucket, or undefined when it does not exist yet (nobody added a silence, no monitor ran). */
  private async bucket(purpose: string): Promise<KV | undefined> {
    const jsm = await jetStreamFor(this.nc, purpose, NO_JETSTREAM);
    try {
      await jsm.streams.info(`KV_${this.subjects.stream("SILENCES")}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return openSilenceBucket(this.nc, this.subjects, { create: false });
  }

  private async read(kv: KV, key: string): Promise<Silence | undefined> {
    const entry = await kv.get(key);
    if (entry?.operation !== "PUT") return undefined;
    try {
      return decodeSilence(entry.value);
    } catch {
      return undefined; // not a silence: monitors ignore it too
    }
  }
}
