/**
 * A small msgpack writer for the one hot reply: `latest` with thousands of metrics. It writes the
 * same plain maps as the codec (msgpackr stays the codec everywhere else; a test checks that both
 * decode alike), straight from the windows' storage, without building objects or bigints.
 */
import { endianness } from "node:os";

/** Whether int64 values sit in memory little-endian (they are copied byte-reversed). */
export const LITTLE_ENDIAN = endianness() === "LE";

const utf8 = new TextEncoder();

export class MsgpackWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 4_096) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** The bytes written so far (a view: take it once, when done). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  arrayHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x90 | n;
    else if (n < 0x10000) this.head16(0xdc, n);
    else this.head32(0xdd, n);
  }

  mapHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x80 | n;
    else if (n < 0x10000) this.head16(0xde, n);
    else this.head32(0xdf, n);
  }

  str(s: string): void {
    const len = s.length;
    if (len < 0x100) {
      // The common case (names, peer ids, numbers): ASCII, copied a byte per char in one pass.
      this.ensure(len + 2);
      const buf = this.buf;
      const start = this.pos;
      let pos = start + (len < 32 ? 1 : 2);
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[pos++] = c;
      }
      if (i === len) {
        if (len < 32) buf[start] = 0xa0 | len;
        else (buf[start] = 0xd9), (buf[start + 1] = len);
        this.pos = pos;
        return;
      }
    }
    const n = Buffer.byteLength(s, "utf8");
    this.ensure(n + 5);
    if (n < 32) this.buf[this.pos++] = 0xa0 | n;
    else if (n < 0x100) (this.buf[this.pos++] = 0xd9), (this.buf[this.pos++] = n);
    else if (n < 0x10000) this.head16(0xda, n);
    else this.head32(0xdb, n);
    this.pos += utf8.encodeInto(s, this.buf.subarray(this.pos)).written;
  }

  /** A string already held as `len` UTF-8 (here: ASCII) bytes of `src` from `offset`. */
  strBytes(src: Uint8Array, offset: number, len: number): void {
    this.ensure(len + 5);
    if (len < 32) this.buf[this.pos++] = 0xa0 | len;
    else if (len < 0x100) (this.buf[this.pos++] = 0xd9), (this.buf[this.pos++] = len);
    else if (len < 0x10000) this.head16(0xda, len);
    else this.head32(0xdb, len);
    for (let i = 0; i < len; i++) this.buf[this.pos++] = src[offset + i]!;
  }

  bool(b: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = b ? 0xc3 : 0xc2;
  }

  /** An int64 (0xd3) whose 8 bytes sit in `src` at `offset` in the machine's order. */
  int64At(src: Uint8Array, offset: number): void {
    this.ensure(9);
    const buf = this.buf;
    buf[this.pos++] = 0xd3;
    if (LITTLE_ENDIAN) for (let i = 7; i >= 0; i--) buf[this.pos++] = src[offset + i]!;
    else for (let i = 0; i < 8; i++) buf[this.pos++] = src[offset + i]!;
  }

  int64(v: bigint): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xd3;
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
  }

  /** A one-character map key (fixstr), written byte by byte: `set` is slow for tiny arrays. */
  key(k: number): void {
    this.ensure(2);
    this.buf[this.pos++] = 0xa1;
    this.buf[this.pos++] = k;
  }

  /** Starts again at the beginning of the same buffer (what was written is overwritten). */
  reset(): void {
    this.pos = 0;
  }

  /** Where the next byte goes: with `since`, what was written from a mark on. */
  get mark(): number {
    return this.pos;
  }

  /** A copy of what was written since `mark`. */
  since(mark: number): Uint8Array {
    return this.buf.slice(mark, this.pos);
  }

  /** Bytes already encoded (a whole value). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private head16(code: number, n: number): void {
    this.buf[this.pos] = code;
    this.view.setUint16(this.pos + 1, n);
    this.pos += 3;
  }

  private head32(code: number, n: number): void {
    this.buf[this.pos] = code;
    this.view.setUint32(this.pos + 1, n);
    this.pos += 5;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}
