/**
 * Publishes the server refused. A NATS server drops a publish outside the connection's permissions
 * and says so only with an error on the connection (`-ERR 'Permissions Violation for Publish to
 * …'`); the client's flush still succeeds. `publish` watches the connection's status so that it
 * never prints "published" for a metric no monitor will see.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { Events, type NatsConnection } from "nats";

export class PublishRefusals {
  private readonly refused: string[] = [];

  constructor(nc: NatsConnection) {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === Events.Error && s.permissionContext?.operation === "publish") this.refused.push(s.permissionContext.subject);
      }
    })();
  }

  /**
   * The refused subject of the metric of (`name`, `peer`), if the server refused one. The server
   * names the subject after its mappings (`<prefix>.part.<k>.metrics.<name>.<peer>` with the
   * repo's nats.conf). Call it after a flush: the server answers the publish before the flush's
   * PONG, and the status event is read one turn later.
   */
  async refusal(name: string, peer: string): Promise<string | undefined> {
    await nextTurn();
    const tail = `.metrics.${name}.${peer}`;
    return this.refused.find((s) => s.endsWith(tail));
  }
}

/** What a user is told when the server refused a metric: who may publish it, and how to become that peer. */
export function refusedMetricText(subject: string, peer: string): string {
  return (
    `the NATS server refused to publish ${subject} (permissions violation): nothing was sent. ` +
    `On a server secured with \`peermon auth\` a peer may publish only its own metrics: connect as ${peer} ` +
    `(--nkey <its seed file>, or the credentials your operator gave that peer), or ask the operator to add it with \`peermon auth\``
  );
}
