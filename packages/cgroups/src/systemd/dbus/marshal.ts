/**
 * The D-Bus wire format, the part systemd's Manager API needs (D-Bus
 * specification, "Type System" and "Message Protocol"): every basic type,
 * arrays, structs, dict entries and variants, little-endian on the way out,
 * either byte order on the way in.
 *
 * JavaScript values: y n q i u d → number; x t → bigint (a number is
 * accepted when marshalling); b → boolean; s o g → string; ay → Buffer; other
 * arrays and structs → arrays; a dict a{kv} → an array of [k, v] pairs; a
 * variant v → [signature, value] (the `Variant` tuple).
 */

export type DValue = number | bigint | boolean | string | Buffer | DValue[] | Variant;
export type Variant = [signature: string, value: DValue];

export class DBusWireError extends Error {
  constructor(message: string) {
    super(`dbus: ${message}`);
    this.name = 'DBusWireError';
  }
}

const ALIGN: Record<string, number> = {
  y: 1, b: 4, n: 2, q: 2, i: 4, u: 4, x: 8, t: 8, d: 8, h: 4, s: 4, o: 4, g: 1, v: 1, a: 4, '(': 8, '{': 8,
};

/** The index just past the single complete type starting at `i` in `sig`. */
export function completeType(sig: string, i: number): number {
  const c = sig[i];
  if (c === undefined) throw new DBusWireError(`signature ${JSON.stringify(sig)} ends early`);
  if (c === 'a') return completeType(sig, i + 1);
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}';
    let j = i + 1;
    let n = 0;
    while (sig[j] !== close) {
      j = completeType(sig, j);
      n++;
    }
    if (n === 0 || (c === '{' && n !== 2)) throw new DBusWireError(`bad ${c === '(' ? 'struct' : 'dict entry'} in ${JSON.stringify(sig)}`);
    return j + 1;
  }
  if (!(c in ALIGN) || c === ')' || c === '}') throw new DBusWireError(`bad type code ${JSON.stringify(c)} in ${JSON.stringify(sig)}`);
  return i + 1;
}

/** Splits a signature into its complete types ("sa(sv)" → ["s", "a(sv)"]). */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < sig.length;) {
    const j = completeType(sig, i);
    out.push(sig.slice(i, j));
    i = j;
  }
  if (sig.length > 255) throw new DBusWireError('signature longer than 255 bytes');
  return out;
}

/** Little-endian writer. `base` is the offset of byte 0 in the message (alignment is message-relative). */
export class Writer {
  private buf = Buffer.alloc(256);
  len = 0;
  constructor(private readonly base = 0) {}

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  align(n: number): void {
    const pad = (n - ((this.base + this.len) % n)) % n;
    this.ensure(pad);
    this.buf.fill(0, this.len, this.len + pad);
    this.len += pad;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  write(sig: string, v: DValue): void {
    const c = sig[0];
    this.align(ALIGN[c] ?? 1);
    switch (c) {
      case 'y': this.ensure(1); this.buf.writeUInt8(intIn(v, 0, 0xff, sig), this.len); this.len += 1; return;
      case 'b': this.ensure(4); this.buf.writeUInt32LE(v === true ? 1 : v === false ? 0 : bad(v, sig), this.len); this.len += 4; return;
      case 'n': this.ensure(2); this.buf.writeInt16LE(intIn(v, -0x8000, 0x7fff, sig), this.len); this.len += 2; return;
      case 'q': this.ensure(2); this.buf.writeUInt16LE(intIn(v, 0, 0xffff, sig), this.len); this.len += 2; return;
      case 'i': case 'h': this.ensure(4); this.buf.writeInt32LE(intIn(v, -0x80000000, 0x7fffffff, sig), this.len); this.len += 4; return;
      case 'u': this.ensure(4); this.buf.writeUInt32LE(intIn(v, 0, 0xffffffff, sig), this.len); this.len += 4; return;
      case 'x': this.ensure(8); this.buf.writeBigInt64LE(bigIn(v, -(2n ** 63n), 2n ** 63n - 1n, sig), this.len); this.len += 8; return;
      case 't': this.ensure(8); this.buf.writeBigUInt64LE(bigIn(v, 0n, 2n ** 64n - 1n, sig), this.len); this.len += 8; return;
      case 'd': this.ensure(8); this.buf.writeDoubleLE(typeof v === 'number' ? v : bad(v, sig), this.len); this.len += 8; return;
      case 's': case 'o': {
        if (typeof v !== 'string') bad(v, sig);
        if (c === 'o' && !/^\/(?:[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*)?$/.test(v as string)) throw new DBusWireError(`invalid object path ${JSON.stringify(v)}`);
        const b = Buffer.from(v as string, 'utf8');
        if (b.includes(0)) throw new DBusWireError('a string may not contain NUL');
        this.write('u', b.length);
        this.bytes(b);
        this.bytes(Buffer.of(0));
        return;
      }
      case 'g': {
        if (typeof v !== 'string') bad(v, sig);
        splitSignature(v as string);
        const b = Buffer.from(v as string, 'ascii');
        this.bytes(Buffer.of(b.length));
        this.bytes(b);
        this.bytes(Buffer.of(0));
        return;
      }
      case 'v': {
        if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string') bad(v, sig);
        const [vs, vv] = v as Variant;
        if (splitSignature(vs).length !== 1) throw new DBusWireError(`a variant holds one complete type, not ${JSON.stringify(vs)}`);
        this.write('g', vs);
        this.write(vs, vv);
        return;
      }
      case 'a': {
        const elem = sig.slice(1, completeType(sig, 1));
        const items: DValue[] = elem === 'y' && (Buffer.isBuffer(v) || v instanceof Uint8Array) ? [...(v as Buffer)] : Array.isArray(v) ? (v as DValue[]) : bad(v, sig);
        this.write('u', 0);
        const lenAt = this.len - 4;
        this.align(ALIGN[elem[0]] ?? 1); // padding to the first element is not counted (spec: "Marshaling (Wire Format)")
        const start = this.len;
        for (const item of items) this.write(elem, item);
        const n = this.len - start;
        if (n > 64 * 1024 * 1024) throw new DBusWireError('array longer than 64 MiB');
        this.buf.writeUInt32LE(n, lenAt);
        return;
      }
      case '(': case '{': {
        const inner = splitSignature(sig.slice(1, completeType(sig, 0) - 1));
        if (!Array.isArray(v) || v.length !== inner.length) bad(v, sig);
        inner.forEach((s, k) => this.write(s, (v as DValue[])[k]));
        return;
      }
    }
    throw new DBusWireError(`cannot marshal type ${JSON.stringify(sig)}`);
  }
}

function bad(v: unknown, sig: string): never {
  throw new DBusWireError(`value ${describe(v)} does not fit type ${JSON.stringify(sig)}`);
}

function describe(v: unknown): string {
  try {
    return typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function intIn(v: DValue, lo: number, hi: number, sig: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < lo || n > hi) bad(v, sig);
  return n as number;
}

function bigIn(v: DValue, lo: bigint, hi: bigint, sig: string): bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else bad(v, sig);
  if (n! < lo || n! > hi) bad(v, sig);
  return n!;
}

/** Marshals `values` by `signature` (the body of a message; alignment from `base`). */
export function marshal(signature: string, values: DValue[], base = 0): Buffer {
  const types = splitSignature(signature);
  if (types.length !== values.length) throw new DBusWireError(`signature ${JSON.stringify(signature)} has ${types.length} types, ${values.length} values given`);
  const w = new Writer(base);
  types.forEach((t, i) => w.write(t, values[i]));
  return w.result();
}

/** Reader over a whole message buffer; `le` is the message's byte order. */
export class Reader {
  pos: number;
  private depth = 0;
  constructor(private readonly buf: Buffer, private readonly le: boolean, pos = 0, private readonly end = buf.length) {
    this.pos = pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new DBusWireError('message truncated');
  }

  align(n: number): void {
    const pad = (n - (this.pos % n)) % n;
    this.need(pad);
    this.pos += pad;
  }

  private u32(): number {
    this.need(4);
    const v = this.le ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  read(sig: string): DValue {
    const c = sig[0];
    this.align(ALIGN[c] ?? 1);
    const b = this.buf;
    const le = this.le;
    const at = (n: number) => { this.need(n); const p = this.pos; this.pos += n; return p; };
    switch (c) {
      case 'y': return b.readUInt8(at(1));
      case 'b': {
        const v = this.u32();
        if (v > 1) throw new DBusWireError(`boolean value ${v}`);
        return v === 1;
      }
      case 'n': { const p = at(2); return le ? b.readInt16LE(p) : b.readInt16BE(p); }
      case 'q': { const p = at(2); return le ? b.readUInt16LE(p) : b.readUInt16BE(p); }
      case 'i': case 'h': { const p = at(4); return le ? b.readInt32LE(p) : b.readInt32BE(p); }
      case 'u': return this.u32();
      case 'x': { const p = at(8); return le ? b.readBigInt64LE(p) : b.readBigInt64BE(p); }
      case 't': { const p = at(8); return le ? b.readBigUInt64LE(p) : b.readBigUInt64BE(p); }
      case 'd': { const p = at(8); return le ? b.readDoubleLE(p) : b.readDoubleBE(p); }
      case 's': case 'o': {
        const n = this.u32();
        const p = at(n + 1);
        if (b[p + n] !== 0) throw new DBusWireError('string not NUL-terminated');
        return b.toString('utf8', p, p + n);
      }
      case 'g': {
        const n = b.readUInt8(at(1));
        const p = at(n + 1);
        return b.toString('ascii', p, p + n);
      }
      case 'v': {
        const vs = this.read('g') as string;
        if (splitSignature(vs).length !== 1) throw new DBusWireError(`variant signature ${JSON.stringify(vs)}`);
        if (++this.depth > 64) throw new DBusWireError('variants nested too deep');
        try {
          return [vs, this.read(vs)];
        } finally {
          this.depth--;
        }
      }
      case 'a': {
        const elem = sig.slice(1, completeType(sig, 1));
        const n = this.u32();
        if (n > 64 * 1024 * 1024) throw new DBusWireError('array longer than 64 MiB');
        this.align(ALIGN[elem[0]] ?? 1);
        const stop = this.pos + n;
        if (stop > this.end) throw new DBusWireError('message truncated');
        if (elem === 'y') { const p = at(n); return Buffer.from(b.subarray(p, p + n)); }
        const out: DValue[] = [];
        while (this.pos < stop) out.push(this.read(elem));
        if (this.pos !== stop) throw new DBusWireError('array element crosses the array end');
        return out;
      }
      case '(': case '{': {
        const inner = splitSignature(sig.slice(1, completeType(sig, 0) - 1));
        return inner.map((s) => this.read(s));
      }
    }
    throw new DBusWireError(`cannot unmarshal type ${JSON.stringify(sig)}`);
  }
}

/** Unmarshals a body of `signature` from `buf[start, end)`; alignment is relative to the message start (`start` is 8-aligned there). */
export function unmarshal(signature: string, buf: Buffer, le = true, start = 0, end = buf.length): DValue[] {
  const r = new Reader(buf, le, start, end);
  const out = splitSignature(signature).map((t) => r.read(t));
  if (r.pos !== end) throw new DBusWireError('trailing bytes after the body');
  return out;
}
