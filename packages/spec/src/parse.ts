// Text -> validated documents: parseConfig / loadConfig (config.json),
// parseState, parseFeatures. JSON syntax, schema, exact 64-bit integers and
// semantic checks, all reported as Problems inside one SpecError.
import fs from 'node:fs';
import path from 'node:path';
import type { Features, Spec, State } from './generated/types.ts';
import { SpecError, type SpecErrorCode } from './errors.ts';
import { parseWithBigLiterals, scanJson, type BigLiteral } from './json.ts';
import { validateDocument } from './validate.ts';
import { checkConfig, type CheckOptions } from './check.ts';
import { set } from './pointer.ts';
import type { Problem } from './problem.ts';

/**
 * Largest document accepted (bytes). Real configs are a few KB (Kubernetes caps
 * all annotations at 256 KiB); the limit keeps a hostile or broken bundle from
 * making the runtime buffer and parse an arbitrarily large file.
 */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;

export interface ParseOptions extends CheckOptions {
  /** Reject texts longer than this many bytes (default DEFAULT_MAX_BYTES). */
  maxBytes?: number;
  /** Run the semantic checks of checkConfig (default true). */
  semantic?: boolean;
  /** Name used in messages (default "config.json"). */
  name?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(text: string | Uint8Array, name: string, maxBytes: number): string {
  const bytes = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  if (bytes > maxBytes) {
    throw new SpecError('ETOOLARGE', `${name} is ${bytes} bytes, larger than the ${maxBytes}-byte limit`, {
      problems: [{ pointer: '', code: 'DOCUMENT_TOO_LARGE', message: `${name} is ${bytes} bytes, larger than the ${maxBytes}-byte limit` }],
    });
  }
  if (typeof text === 'string') return text;
  try {
    return utf8.decode(text);
  } catch (cause) {
    const message = `${name} is not valid UTF-8`;
    throw new SpecError('EJSON', message, { problems: [{ pointer: '', code: 'JSON_ENCODING', message }], cause });
  }
}

/** JSON text -> value plus the literals a double cannot hold; throws EJSON. */
export function parseJsonText(text: string | Uint8Array, name = 'config.json', maxBytes = DEFAULT_MAX_BYTES): { value: unknown; big: Map<string, BigLiteral> } {
  const s = decode(text, name, maxBytes);
  if (s.trim() === '') {
    const message = `${name} is empty: expected a JSON object`;
    throw new SpecError('EJSON', message, { problems: [{ pointer: '', code: 'JSON_EMPTY', message }] });
  }
  try {
    return parseWithBigLiterals(s);
  } catch (cause) {
    // Only now walk the text ourselves, to say where and what is wrong.
    const { error } = scanJson(s, name);
    const problem: Problem = error ?? { pointer: '', code: 'JSON_SYNTAX', message: `${name} is not valid JSON: ${(cause as Error).message}` };
    throw new SpecError('EJSON', problem.message, { problems: [problem], cause });
  }
}

function invalid(code: SpecErrorCode, name: string, problems: Problem[]): SpecError {
  const head = problems.slice(0, 3).map((p) => p.message).join('; ');
  const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
  return new SpecError(code, `invalid ${name}: ${head}${more}`, { problems });
}

/** Exact 64-bit values: put the bigint where JSON.parse left a rounded double. */
function restoreBigints(value: unknown, big: Map<string, BigLiteral>): void {
  for (const [ptr, lit] of big) if (lit.integerLiteral) set(value, ptr, BigInt(lit.raw));
}

/**
 * Parses config.json text: JSON, schema, then semantic checks.
 * uint64/int64 values above 2^53 are returned as exact bigints (see README "Big integers").
 * @throws SpecError EJSON | EINVALIDCONFIG | ETOOLARGE, with every problem in `problems`.
 */
export function parseConfig(text: string | Uint8Array, opts: ParseOptions = {}): Spec {
  const name = opts.name ?? 'config.json';
  const { value, big } = parseJsonText(text, name, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  const { problems } = validateDocument('config', value, big);
  if (problems.length) throw invalid('EINVALIDCONFIG', name, problems);
  restoreBigints(value, big);
  const spec = value as Spec;
  if (opts.semantic !== false) {
    const sem = checkConfig(spec, opts);
    if (sem.length) throw invalid('EINVALIDCONFIG', name, sem);
  }
  return spec;
}

/**
 * Reads and parses `<bundleDir>/config.json`.
 * @throws SpecError ENOCONFIG when it does not exist, EIO on other read errors, else as parseConfig.
 */
export async function loadConfig(bundleDir: string, opts: ParseOptions = {}): Promise<Spec> {
  return parseConfig(readDocument(path.join(bundleDir, 'config.json'), opts.maxBytes ?? DEFAULT_MAX_BYTES), { ...opts, name: opts.name ?? path.join(bundleDir, 'config.json') });
}

/**
 * Reads a small document synchronously. A config is a few KB read once per
 * command: fs/promises would start libuv's thread pool just for it (~1.5 ms
 * of CPU per process, see tools/bench/spec-validate.mjs). The size is checked
 * on the open fd before reading, so a huge file (or a FIFO, or a symlink to
 * /dev/zero) is refused unread.
 */
function readDocument(file: string, maxBytes: number): Buffer {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: opening a FIFO must not hang waiting for a writer (fifo(7)); libuv adds O_CLOEXEC itself.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SpecError('EIO', `${file} is not a regular file`);
    if (st.size > maxBytes) {
      const message = `${file} is ${st.size} bytes, larger than the ${maxBytes}-byte limit`;
      throw new SpecError('ETOOLARGE', message, { problems: [{ pointer: '', code: 'DOCUMENT_TOO_LARGE', message }] });
    }
    return fs.readFileSync(fd);
  } catch (err) {
    if (err instanceof SpecError) throw err;
    const e = err as NodeJS.ErrnoException;
    const errno = e.errno !== undefined ? Math.abs(e.errno) : undefined;
    if (e.code === 'ENOENT') throw new SpecError('ENOCONFIG', `${file} does not exist: a bundle needs a config.json`, { errno, cause: err });
    throw new SpecError('EIO', `cannot read ${file}: ${e.message}`, { errno, cause: err });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Parses a state document (runtime-spec "State"). @throws SpecError EJSON | EINVALIDSTATE */
export function parseState(text: string | Uint8Array, opts: { maxBytes?: number; name?: string } = {}): State {
  const name = opts.name ?? 'state';
  const { value, big } = parseJsonText(text, name, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  const { problems } = validateDocument('state', value, big);
  if (problems.length) throw invalid('EINVALIDSTATE', name, problems);
  return value as State;
}

/** Parses a features document (`runc features` output). @throws SpecError EJSON | EINVALIDFEATURES */
export function parseFeatures(text: string | Uint8Array, opts: { maxBytes?: number; name?: string } = {}): Features {
  const name = opts.name ?? 'features';
  const { value, big } = parseJsonText(text, name, opts.maxBytes ?? DEFAULT_MAX_BYTES);
  const { problems } = validateDocument('features', value, big);
  if (problems.length) throw invalid('EINVALIDFEATURES', name, problems);
  return value as Features;
}
