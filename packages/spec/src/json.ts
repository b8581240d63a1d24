// JSON text -> value, keeping integer literals that a double cannot hold.
//
// JSON.parse turns 18446744073709551615 (RLIM_INFINITY, what Docker writes for
// `--ulimit memlock=-1`) into 18446744073709551616, which is out of the uint64
// range, and silently rounds every integer above 2^53. Node 20 has no
// JSON.parse source-text access, so when the text may hold such a literal,
// parseWithBigLiterals() swaps each one (outside strings) for a unique string
// marker before JSON.parse and finds the markers' JSON pointers after it;
// validation then checks their exact range and parseConfig() returns them as
// bigint. JSON.parse itself still decides duplicates and syntax.
// scanJson() explains syntax errors with line and column, which V8's messages
// do not give consistently across Node versions.
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
  /** The first syntax error, or undefined when the text is valid JSON. */
  error?: Problem;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

interface Frame { obj: boolean }

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
 * Checks JSON syntax. Never throws: a syntax error is returned as a Problem
 * with pointer '' (the document could not be read) naming line and column.
 */
export function scanJson(text: string, what = 'config.json'): ScanResult {
  const len = text.length;
  let pos = 0;
  const stack: Frame[] = [];
  const fail = (expected: string, at = pos): ScanResult => {
    let message = `${what} is not valid JSON: at ${lineCol(text, at)}: expected ${expected}, found ${found(text, at)}`;
    if (at === 0 && text.charCodeAt(0) === 0xfeff) message = `${what} is not valid JSON: it starts with a byte order mark (U+FEFF); save it as UTF-8 without BOM`;
    return { error: { pointer: '', code: 'JSON_SYNTAX', message } };
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
  const key = (): ScanResult | null => {
    if (text.charCodeAt(pos) !== 0x22) return fail('a property name in double quotes');
    const end = str();
    if (end < 0) return fail('a valid string character or escape');
    pos = end;
    ws();
    if (text.charCodeAt(pos) !== 0x3a) return fail('":" after a property name');
    pos++;
    return null;
  };

  ws();
  if (pos >= len) return fail('a JSON value');
  for (;;) {
    // ---- a value at `ptr`
    ws();
    const c = text.charCodeAt(pos);
    if (c === 0x7b /* { */) {
      stack.push({ obj: true });
      pos++;
      ws();
      if (text.charCodeAt(pos) === 0x7d) { pos++; stack.pop(); }
      else {
        const bad = key();
        if (bad) return bad;
        continue;
      }
    } else if (c === 0x5b /* [ */) {
      stack.push({ obj: false });
      pos++;
      ws();
      if (text.charCodeAt(pos) === 0x5d) { pos++; stack.pop(); }
      else continue;
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
        return {};
      }
      const d = text.charCodeAt(pos);
      if (frame.obj) {
        if (d === 0x2c) {
          pos++;
          ws();
          const bad = key();
          if (bad) return bad;
          break;
        }
        if (d === 0x7d) { pos++; stack.pop(); continue; }
        return fail('"," or "}" after a property value');
      }
      if (d === 0x2c) { pos++; break; }
      if (d === 0x5d) { pos++; stack.pop(); continue; }
      return fail('"," or "]" after an array element');
    }
  }
}

// Strings (skipped whole, so digits inside them are never touched) or number tokens.
const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

function classify(raw: string): BigLiteral | null {
  if (/^-?\d+$/.test(raw)) {
    if (raw.length < 16) return null;
    const n = BigInt(raw);
    return n > MAX_SAFE || n < -MAX_SAFE ? { raw, integerLiteral: true } : null;
  }
  const n = Number(raw);
  return Number.isInteger(n) && Math.abs(n) > Number.MAX_SAFE_INTEGER ? { raw, integerLiteral: false } : null;
}

/**
 * JSON.parse that also reports the number literals a double cannot hold
 * exactly, by JSON pointer. In the returned value they are plain (rounded)
 * numbers; the caller decides whether to restore them as bigint.
 * Throws what JSON.parse throws on invalid text. Markers cannot make broken
 * text parse: each one starts with a backslash escape right after its opening
 * quote, so if the regex ever misreads an unterminated string, the marker's
 * quote closes it and the backslash that follows is a syntax error.
 */
export function parseWithBigLiterals(text: string): { value: unknown; big: Map<string, BigLiteral> } {
  const big = new Map<string, BigLiteral>();
  if (!mayHoldBigNumbers(text)) return { value: JSON.parse(text), big };
  const found: BigLiteral[] = [];
  // A raw NUL cannot occur in a JSON string (it must be escaped), so a marker
  // starting with one (plus a random nonce) cannot collide with user text.
  const nonce = '\u0000' + Math.random().toString(36).slice(2, 10) + ':';
  const marked = text.replace(TOKEN, (tok) => {
    if (tok.charCodeAt(0) === 0x22) return tok;
    const lit = classify(tok);
    if (!lit) return tok;
    found.push(lit);
    return JSON.stringify(nonce + (found.length - 1));
  });
  const value = JSON.parse(marked);
  if (!found.length) return { value, big };
  // Iterative: JSON.parse copes with arrays nested a million deep, recursion would not.
  const box: { v: unknown } = { v: value };
  const stack: [Record<string, unknown> | unknown[], string | number, string][] = [[box as Record<string, unknown>, 'v', '']];
  while (stack.length) {
    const [parent, key, ptr] = stack.pop()!;
    const v = (parent as Record<string, unknown>)[key];
    if (typeof v === 'string') {
      if (!v.startsWith(nonce)) continue;
      const lit = found[Number(v.slice(nonce.length))];
      big.set(ptr, lit);
      (parent as Record<string, unknown>)[key] = Number(lit.raw);
    } else if (Array.isArray(v)) {
      // Children pushed last-first so they are visited (and reported) in document order.
      for (let i = v.length - 1; i >= 0; i--) stack.push([v, i, ptr + '/' + i]);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) stack.push([v as Record<string, unknown>, keys[i], ptr + '/' + escapeSegment(keys[i])]);
    }
  }
  return { value: box.v, big };
}

/** Quick filter: only texts with a 16-digit run or an exponent can hold a number above 2^53. */
export function mayHoldBigNumbers(text: string): boolean {
  return /\d{16}|\d[eE][+-]?\d/.test(text);
}
