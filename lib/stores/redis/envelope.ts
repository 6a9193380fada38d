/**
 * The stored value of an entry (the "envelope"), written by the WRITE script and parsed here, on
 * the client, from the bytes one MGET answered:
 *
 *     cf2:<expiresAt>:<prefix token>:<namespace token>:<n>:{<byte length>:<tag><tag token>:}*n<payload>
 *
 * `expiresAt` is the absolute expiry in whole ms since the epoch on the writer's clock
 * (`Date.now() + ttl`, rounded up), empty for an entry without expiry; Redis itself expires the
 * key with the PX of the same write. An entry written with stale or grace windows, or with its
 * load's duration, has them after its expiry, in the same field:
 *
 *     <expiresAt>,<staleMs>,<graceMs>,<loadMs>
 *
 * each a decimal number of ms (fractions allowed), empty when absent; its PX then covers the TTL
 * and both windows. An entry without them is written exactly as before windows existed. A token is the value of a generation key when the entry was
 * written; tokens never contain `:`. Tag names are length-prefixed (they may contain `:`).
 */

/** `c`, `f`, `2`, `:` */
const MAGIC = [0x63, 0x66, 0x32, 0x3a] as const;
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;

/** The magic of the current format. */
export const ENVELOPE_MAGIC = 'cf2:';

/** Where the recorded token of one tag is in an envelope. */
export interface TagToken {
  /** The tag's name. */
  readonly tag: string;
  /** Byte offsets of its recorded token. */
  readonly start: number;
  readonly end: number;
}

const NO_TAGS: readonly TagToken[] = Object.freeze([]);
const COMMA = 0x2c;

/** The windows part of an envelope's expiry field; each `undefined` when written empty. */
export interface EnvelopeWindows {
  readonly staleMs: number | undefined;
  readonly graceMs: number | undefined;
  readonly loadMs: number | undefined;
}

/** A parsed envelope header: offsets into the envelope's bytes. */
export class Envelope {
  constructor(
    /** The envelope's bytes. */
    readonly bytes: Buffer,
    /** Absolute expiry (writer's clock), `Infinity` when none. */
    readonly expiresAt: number,
    readonly allStart: number,
    readonly allEnd: number,
    readonly nsStart: number,
    readonly nsEnd: number,
    /** The recorded tag tokens (empty for an untagged entry). */
    readonly tags: readonly TagToken[],
    /** Offset of the payload (the serializer's bytes). */
    readonly payloadAt: number,
    /** The windows and load duration it was written with, when it has them. */
    readonly windows: EnvelopeWindows | undefined,
  ) {}

  /** Is the recorded prefix token `token`? (`null`: the generation key is gone: stale.) */
  allIs(token: Buffer | null): boolean {
    return token !== null && sameBytes(this.bytes, this.allStart, this.allEnd, token);
  }

  /** Is the recorded namespace token `token`? */
  namespaceIs(token: Buffer | null): boolean {
    return token !== null && sameBytes(this.bytes, this.nsStart, this.nsEnd, token);
  }

  /** Is the recorded token of `tag` `token`? */
  tagIs(tag: TagToken, token: Buffer | null): boolean {
    return token !== null && sameBytes(this.bytes, tag.start, tag.end, token);
  }

  /** The tag names, in the order they were written. */
  tagNames(): string[] {
    return this.tags.map((tag) => tag.tag);
  }

  /** The header bytes (everything before the payload): what identifies its recorded tokens. */
  header(): Buffer {
    return this.bytes.subarray(0, this.payloadAt);
  }

  /** The payload bytes. */
  payload(): Buffer {
    return this.bytes.subarray(this.payloadAt);
  }
}

/** `bytes[start, end)` equals `other`. Tokens are short: a plain loop beats a native call. */
function sameBytes(bytes: Buffer, start: number, end: number, other: Buffer): boolean {
  const length = end - start;
  if (other.length !== length) return false;
  for (let i = 0; i < length; i++) if (bytes[start + i] !== other[i]) return false;
  return true;
}

/** Offset of the next `:` at or after `from`, or -1. */
function colonFrom(bytes: Buffer, from: number): number {
  for (let i = from; i < bytes.length; i++) if (bytes[i] === COLON) return i;
  return -1;
}

/**
 * Parse an envelope's header; `undefined` when the bytes are not a current-format envelope
 * (garbage, another program's value, an older format).
 */
export function parseEnvelope(bytes: Buffer): Envelope | undefined {
  const length = bytes.length;
  if (length < 4 || bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1] || bytes[2] !== MAGIC[2] || bytes[3] !== MAGIC[3]) return undefined;
  let p = 4;
  let expiresAt = 0;
  let digits = 0;
  for (; p < length; p++) {
    const byte = bytes[p] as number;
    if (byte === COLON || byte === COMMA) break;
    if (byte < ZERO || byte > NINE || digits > 15) return undefined;
    expiresAt = expiresAt * 10 + (byte - ZERO);
    digits++;
  }
  if (p >= length) return undefined;
  if (digits === 0) expiresAt = Infinity;
  let windows: EnvelopeWindows | undefined;
  if (bytes[p] === COMMA) {
    const fieldEnd = colonFrom(bytes, p);
    if (fieldEnd === -1) return undefined;
    windows = parseWindows(bytes.toString('latin1', p + 1, fieldEnd));
    if (windows === undefined) return undefined;
    p = fieldEnd;
  }
  const allStart = p + 1;
  const allEnd = colonFrom(bytes, allStart);
  if (allEnd === -1) return undefined;
  const nsStart = allEnd + 1;
  const nsEnd = colonFrom(bytes, nsStart);
  if (nsEnd === -1) return undefined;
  p = nsEnd + 1;
  const countEnd = colonFrom(bytes, p);
  const count = decimal(bytes, p, countEnd);
  if (count < 0) return undefined;
  p = countEnd + 1;
  let tags = NO_TAGS;
  if (count > 0) {
    const list: TagToken[] = [];
    for (let i = 0; i < count; i++) {
      const sizeEnd = colonFrom(bytes, p);
      const size = decimal(bytes, p, sizeEnd);
      if (size < 0) return undefined;
      const nameStart = sizeEnd + 1;
      const start = nameStart + size;
      if (start > length) return undefined;
      const end = colonFrom(bytes, start);
      if (end === -1) return undefined;
      list.push({ tag: bytes.toString('utf8', nameStart, start), start, end });
      p = end + 1;
    }
    tags = list;
  }
  return new Envelope(bytes, expiresAt, allStart, allEnd, nsStart, nsEnd, tags, p, windows);
}

const WINDOW_PART = /^(?:\d+(?:\.\d+)?)?$/;

/** `<staleMs>,<graceMs>,<loadMs>` (each possibly empty), or `undefined` when malformed. */
function parseWindows(text: string): EnvelopeWindows | undefined {
  const parts = text.split(',');
  if (parts.length !== 3 || !parts.every((part) => WINDOW_PART.test(part))) return undefined;
  const [stale, grace, load] = parts.map((part) => (part === '' ? undefined : Number(part)));
  return { staleMs: stale, graceMs: grace, loadMs: load };
}

/** The decimal number written in `bytes[from, end)` (1 to 9 digits), or -1. */
function decimal(bytes: Buffer, from: number, end: number): number {
  if (end <= from || end - from > 9) return -1;
  let value = 0;
  for (let p = from; p < end; p++) {
    const byte = bytes[p] as number;
    if (byte < ZERO || byte > NINE) return -1;
    value = value * 10 + (byte - ZERO);
  }
  return value;
}
