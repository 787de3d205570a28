/**
 * `peermon peerset show | set <peer>... | add <peer> | rm <peer>`: the current PeerSet as stored in
 * JetStream, and changes to it. `set --file <path>` reads the peers from a file (or `-`, stdin): a
 * cluster of 10,000 peers does not fit on a command line. The reading and writing is the SDK's
 * (PeerSetStore); this file only reads arguments and prints.
 */
import { Command } from "commander";
import type { PeerMonitorClient } from "../../client/client.js";
import type { PeerSetChange, PeerSetReading } from "../../client/peerset.js";
import { printable, toJson } from "../format.js";
import { distinctSuffixLength, peerLabel } from "../../api/peer-label.js";
import { peerList } from "../peer-list.js";
import { checkTokens, printLine, printNote, withConnection, withSession } from "./session.js";

type Flags = { json?: boolean; file?: string } & Record<string, unknown>;

/** Characters of a change's one-line human output the listed peers may take; more are counted. */
const PEERS_WIDTH = 80;

export function peersetCommand(): Command {
  const peerset = new Command("peerset").description("show or change the current peerset (only its members are tracked and queried)").addHelpText(
    "after",
    `
Examples:
  peermon peerset set P1 P2 P3          # replace the peerset
  peermon peerset set --file peers.txt  # the same from a file: peer ids separated by spaces or lines
  peermon peerset add P4                # safe while others change it too
  peermon peerset rm P2
  peermon peerset show --json`,
  );
  // `peermon peerset` alone shows it, as the top-level help's "show or change" promises.
  peerset.addCommand(showCommand(), { isDefault: true });
  peerset.addCommand(
    changeCommand("set", "[peers...]", "replace the peerset with these peers", (c, peers) => c.setPeers(peers)).option(
      "--file <path>",
      "read the peer ids from this file (- for stdin), separated by spaces or lines",
    ),
  );
  peerset.addCommand(changeCommand("add", "<peer>", "add one peer to the peerset", (c, [peer]) => c.addPeer(peer!)));
  peerset.addCommand(changeCommand("rm", "<peer>", "remove one peer from the peerset", (c, [peer]) => c.removePeer(peer!)));
  return peerset;
}

function showCommand(): Command {
  return withConnection(new Command("show"))
    .description("print the current peerset, one peer per line (what `peermon peerset` alone does)")
    .option("--json", 'print {"id", "peers", "seq"}, or null when there is none')
    .addHelpText("after", "\nExample:\n  peermon peerset show")
    .action(async (flags: Flags) => {
      const reading = await withSession(flags, "peerset show", (s) => s.client.peersets.read());
      if (flags.json) return printLine(toJson(reading.type === "current" ? { ...reading.peerset, seq: reading.seq } : null));
      if (reading.type === "current") {
        const { peers, id } = reading.peerset;
        printNote(`peerset ${id || "(no id)"}: ${peers.length} peer${peers.length === 1 ? "" : "s"}`);
        for (const p of peers) printLine(printable(p));
        return;
      }
      printNote(noPeerSet(reading));
    });
}

function noPeerSet(reading: Exclude<PeerSetReading, { type: "current" }>): string {
  const where =
    reading.type === "no-stream"
      ? `the peerset stream ${reading.stream} does not exist yet (no monitor with JetStream ran, and no peerset was set)`
      : "no peerset was published yet";
  return `${where}: every publishing peer is tracked; set one with \`peermon peerset set <peer>...\``;
}

type Change = (client: PeerMonitorClient, peers: string[]) => Promise<PeerSetChange>;

function changeCommand(name: "set" | "add" | "rm", args: string, description: string, change: Change): Command {
  return withConnection(new Command(name))
    .description(description)
    .argument(args, "peer id(s)")
    .option("--json", 'print {"id", "peers", "changed", "stored", "seq"}')
    .addHelpText("after", `\nExample:\n  peermon peerset ${name} ${name === "set" ? "P1 P2 P3" : "P4"}`)
    .action(async (peersArg: string | string[], flags: Flags) => {
      const peers = peerList(Array.isArray(peersArg) ? peersArg : [peersArg], flags.file);
      peers.forEach((p) => checkTokens({ "peer id": p }));
      const result = await withSession(flags, `peerset ${name}`, (s) => change(s.client, peers));
      if (!result.stored && result.changed) {
        printNote(
          "peermon: warning: JetStream is not available, so the peerset was published without confirmation " +
            "and running monitors keep it in memory only (enable JetStream on the server to keep it)",
        );
      }
      if (flags.json) {
        const { peerset, changed, stored, seq } = result;
        return printLine(toJson({ ...peerset, changed, stored, seq }));
      }
      printLine(describeChange(name, peers, result));
    });
}

function describeChange(name: "set" | "add" | "rm", peers: string[], r: PeerSetChange): string {
  const size = `${r.peerset.peers.length} peer${r.peerset.peers.length === 1 ? "" : "s"}`;
  if (!r.changed) {
    return name === "add" ? `${peers[0]} is already in the peerset (${size}): nothing changed` : `${peers[0]} is not in the peerset (${size}): nothing changed`;
  }
  const verb = name === "set" ? "set" : name === "add" ? `added ${printable(peerLabel(peers[0]!))}` : `removed ${printable(peerLabel(peers[0]!))}`;
  return `peerset ${verb}: ${size} [${listed(r.peerset.peers)}] (id ${r.peerset.id})`;
}

/**
 * The first peers as labels (`12D3…k3Fq9x`: the part that tells them apart) within PEERS_WIDTH
 * characters, and how many more: a line, whatever the peerset's size (`peerset show` lists them all).
 */
function listed(all: readonly string[]): string {
  const suffix = distinctSuffixLength(all);
  const shown: string[] = [];
  let width = 0;
  for (const peer of all) {
    const label = printable(peerLabel(peer, suffix));
    if (shown.length > 0 && width + 1 + label.length > PEERS_WIDTH) break;
    shown.push(label);
    width += label.length + 1;
  }
  const more = all.length - shown.length;
  return `${shown.join(" ")}${more > 0 ? ` and ${more} more` : ""}`;
}
