/**
 * Peer ids as people read them in a list. libp2p ids are long (52 characters for Ed25519) and all
 * of one fleet start alike (`12D3KooW…`), so a cell cut at its width shows only what every peer
 * shares. A label keeps the kind (the first 4 characters) and the end that tells the fleet's peers
 * apart: `12D3…k3Fq9x`. The whole id stays where it is needed (a title on hover, what a copy gets).
 * Pure.
 */

/** Ids shorter than this are shown whole. */
const LONG = 20;
/** The fewest characters of the end a label keeps. */
const MIN_SUFFIX = 6;
/** The kind of id: `12D3` (Ed25519), `16Ui` (Secp256k1), `QmXy`, `k51q`, `bafz`. */
const HEAD = 4;

/**
 * How many trailing characters tell `peers` apart (at least 6): the longest common suffix of two
 * neighbours in the order of their reversed ids, plus one. The same id twice counts once.
 */
export function distinctSuffixLength(peers: Iterable<string>): number {
  const reversed = [...new Set(peers)].filter((p) => p.length >= LONG).map((p) => [...p].reverse().join(""));
  reversed.sort();
  let longest = 0;
  for (let i = 1; i < reversed.length; i++) {
    const a = reversed[i - 1]!;
    const b = reversed[i]!;
    let k = 0;
    while (k < a.length && k < b.length && a[k] === b[k]) k++;
    if (k > longest) longest = k;
  }
  return Math.max(MIN_SUFFIX, longest + 1);
}

/** `12D3…k3Fq9x` for a long id (`suffix` characters of its end), a short id as it is. */
export function peerLabel(peer: string, suffix = MIN_SUFFIX): string {
  if (peer.length < LONG || HEAD + 1 + suffix >= peer.length) return peer;
  return `${peer.slice(0, HEAD)}…${peer.slice(peer.length - suffix)}`;
}
