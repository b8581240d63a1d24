// JSON text -> value, keeping integer literals that a double cannot hold.
//
// JSON.parse turns 18446744073709551615 (RLIM_INFINITY, what Docker writes for
// `--ulimit memlock=-1`) into 18446744073709551616, which is out of the uint64
// range, and silently rounds every integer above 2^53. Node 20 has no
// JSON.parse source-text access, so when the text contains a run of 16+ digits
// we scan it once to find such literals with their JSON pointers; validation
// then checks their exact range and parseConfig() returns them as bigint.
// The same scanner explains syntax errors with line and column, which V8's
// messages do not give consistently across Node versions.
import { escapeSegment } from './pointer.ts';
import type { Problem } from './problem.ts';

/** An integer literal outside ±(2^53-1), or a non-integer notation of one. */
export interface BigLiteral {
  /** The exact source text of the number, e.g. "18446744073709551615". */
  raw: string;
  /** false for 1e20 or 1.5e19: a fraction/exponent form of a number above 2^53 is never exact. */
  integerLiteral: boolean;
}

export interface ScanResult {
  /** JSON pointer -> literal, for numbers JSON.parse cannot represent exactly. */
  big: Map<string, BigLiteral>;
  /** The first syntax error, when the text is not JSON. */
  error?: Problem;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Quick filter: only texts with a 16-digit run can hold an unsafe integer (2^53 has 16 digits). */
export function mayHoldBigNumbers(text: string): boolean {
  return /\d{16}/.test(text);
}

interface Frame { obj: boolean; ptr: string; n: number; keys: Set<string> | null }

function lineCol(text: string, pos: number): string {
  let line = 1, last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) { line++; last = i; }
  return `line ${line}, column ${pos - last}`;
}

function found(text: string, pos: number): string {
  if (pos >= text.length) return 'the end of the text';
  const c = text.codePointAt(pos)!;
  if (c < 0x20 || c === 0xfeff || c > 0x7e) return `character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(String.fromCodePoint(c));
}

/**
 * Scans JSON text. Never throws: a syntax error is returned as a Problem
 * with pointer '' (the document could not be read) naming line and column.
 */
export function scanJson(text: string, what = 'config.json'): ScanResult {
  const big = new Map<string, BigLiteral>();
  const len = text.length;
  let pos = 0;
  const stack: Frame[] = [];
  const fail = (expected: string, at = pos): ScanResult => {
    let message = `${what} is not valid JSON: at ${lineCol(text, at)}: expected ${expected}, found ${found(text, at)}`;
    if (at === 0 && text.charCodeAt(0) === 0xfeff) message = `${what} is not valid JSON: it starts with a byte order mark (U+FEFF); save it as UTF-8 without BOM`;
    return { big, error: { pointer: '', code: 'JSON_SYNTAX', message } };
  };
  const ws = () => {
    while (pos < len) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  // Returns the end index of a string starting at pos (on the quote), or -1 with pos at the bad char.
  const str = (): number => {
    let i = pos + 1;
    for (;;) {
      if (i >= len) { pos = i; return -1; }
      const c = text.charCodeAt(i);
      if (c === 0x22) return i + 1;
      if (c < 0x20) { pos = i; return -1; }
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { pos = i; return -1; }
          i += 6;
        } else if ('"\\/bfnrt'.includes(text[i + 1] ?? 'x')) i += 2;
        else { pos = i; return -1; }
      } else i++;
    }
  };
  const key = (frame: Frame): string | ScanResult => {
    if (text.charCodeAt(pos) !== 0x22) return fail('a property name in double quotes');
    const start = pos;
    const end = str();
    if (end < 0) return fail('a valid string character or escape');
    const raw = text.slice(start + 1, end - 1);
    const name = raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
    pos = end;
    ws();
    if (text.charCodeAt(pos) !== 0x3a) return fail('":" after a property name');
    pos++;
    const ptr = frame.ptr + '/' + escapeSegment(name);
    // A repeated key: JSON.parse keeps the last value, so forget what the earlier one held.
    if (frame.keys!.has(name)) for (const p of [...big.keys()]) if (p === ptr || p.startsWith(ptr + '/')) big.delete(p);
    frame.keys!.add(name);
    return ptr;
  };

  let ptr = '';
  ws();
  if (pos >= len) return fail('a JSON value');
  for (;;) {
    // ---- a value at `ptr`
    ws();
    const c = text.charCodeAt(pos);
    if (c === 0x7b /* { */) {
      const frame: Frame = { obj: true, ptr, n: 0, keys: new Set() };
      stack.push(frame);
      pos++;
      ws();
      if (text.charCodeAt(pos) === 0x7d) { pos++; stack.pop(); }
      else {
        const k = key(frame);
        if (typeof k !== 'string') return k;
        ptr = k;
        continue;
      }
    } else if (c === 0x5b /* [ */) {
      const frame: Frame = { obj: false, ptr, n: 0, keys: null };
      stack.push(frame);
      pos++;
      ws();
      if (text.charCodeAt(pos) === 0x5d) { pos++; stack.pop(); }
      else { ptr = ptr + '/0'; continue; }
    } else if (c === 0x22) {
      const end = str();
      if (end < 0) return fail('a valid string character or escape (control characters must be escaped)');
      pos = end;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const m = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
      m.lastIndex = pos;
      const r = m.exec(text);
      if (!r) return fail('a digit', c === 0x2d ? pos + 1 : pos);
      const raw = r[0];
      const next = text.charCodeAt(pos + raw.length);
      if (next === 0x2e || next === 0x65 || next === 0x45 || (next >= 0x30 && next <= 0x39)) return fail('a valid number (no leading zeros, digits after "." and "e")', pos + raw.length);
      const isInt = r[1] === undefined && r[2] === undefined;
      if (isInt) {
        if (raw.length >= 16 && (BigInt(raw) > MAX_SAFE || BigInt(raw) < -MAX_SAFE)) big.set(ptr, { raw, integerLiteral: true });
      } else {
        const n = Number(raw);
        if (Number.isInteger(n) && Math.abs(n) > Number.MAX_SAFE_INTEGER) big.set(ptr, { raw, integerLiteral: false });
      }
      pos += raw.length;
    } else if (text.startsWith('true', pos)) pos += 4;
    else if (text.startsWith('false', pos)) pos += 5;
    else if (text.startsWith('null', pos)) pos += 4;
    else return fail(stack.length ? 'a value (string, number, object, array, true, false or null)' : 'a JSON value');

    // ---- after a value: close containers / move to the next member
    for (;;) {
      ws();
      const frame = stack[stack.length - 1];
      if (!frame) {
        if (pos < len) return fail('the end of the text after the top-level value');
        return { big };
      }
      const d = text.charCodeAt(pos);
      if (frame.obj) {
        if (d === 0x2c) {
          pos++;
          ws();
          const k = key(frame);
          if (typeof k !== 'string') return k;
          ptr = k;
          break;
        }
        if (d === 0x7d) { pos++; stack.pop(); continue; }
        return fail('"," or "}" after a property value');
      }
      if (d === 0x2c) { pos++; frame.n++; ptr = frame.ptr + '/' + frame.n; break; }
      if (d === 0x5d) { pos++; stack.pop(); continue; }
      return fail('"," or "]" after an array element');
    }
  }
}
