// Schema validation with the validators ajv compiled at build time
// (generated/validators.script.js): no schema is compiled at run time.
import fs from 'node:fs';
import vm from 'node:vm';
import { integers, type IntegerNode } from './generated/integers.ts';
import { PLATFORM_KEYS } from './generated/platforms.ts';
import { describe, fromSchemaErrors, integerAt, type Problem, type SchemaError } from './problem.ts';
import { fieldName, join } from './pointer.ts';
import type { BigLiteral } from './json.ts';

export interface ValidationResult {
  valid: boolean;
  problems: Problem[];
}

type Validator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
type Kind = 'config' | 'state' | 'features';

const ROOT: Record<Kind, string> = { config: 'config', state: 'state', features: 'features' };

let loaded: Record<Kind, Validator> | undefined;
let platformValidator: Validator | undefined;

/**
 * Runs one of the generated validator scripts. They are classic scripts run
 * through vm.Script, loaded on first use (commands that never validate pay
 * nothing), so that the V8 code cache the build writes next to each
 * (<name>.cache) lets V8 skip parsing and compiling them on every process
 * start. A cache from another Node/V8 version is rejected by V8 and ignored;
 * it is never rewritten at run time (the package directory is not ours).
 */
function loadScript(name: string): Record<string, Validator> {
  // Same relative place from src/validate.ts and from the bundled dist/index.js.
  const file = new URL(`./generated/${name}`, import.meta.url);
  const source = fs.readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(new URL(`./generated/${name.replace(/\.js$/, '.cache')}`, import.meta.url));
  } catch {
    // no cache (running from src, or not built): compile normally
  }
  return new vm.Script(source, { filename: file.pathname, cachedData }).runInThisContext() as Record<string, Validator>;
}

function validators(): Record<Kind, Validator> {
  if (loaded) return loaded;
  const v = loadScript('validators.script.js');
  loaded = { config: v.validateConfigSchema, state: v.validateStateSchema, features: v.validateFeaturesSchema };
  return loaded;
}

/** Errors for the non-Linux sections (windows, solaris, vm, zos, freebsd) when the config has any. */
function platformErrors(data: unknown): SchemaError[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  if (!PLATFORM_KEYS.some((k) => (data as Record<string, unknown>)[k] !== undefined)) return [];
  platformValidator ??= loadScript('platforms.script.js').validatePlatformsSchema;
  return platformValidator(data) ? [] : platformValidator.errors ?? [];
}

/** Validates config.json content against the runtime-spec schema (types, enums, ranges, required fields). */
export function validateConfig(value: unknown): ValidationResult {
  return validateDocument('config', value);
}

/** Validates a container state (runtime-spec "State", what `state` prints). */
export function validateState(value: unknown): ValidationResult {
  return validateDocument('state', value);
}

/** Validates a features document (what `features` prints). */
export function validateFeatures(value: unknown): ValidationResult {
  return validateDocument('features', value);
}

/**
 * @param big literals the JSON text held that a double cannot represent exactly
 *   (from scanJson); bigint values found in `value` itself are added to them.
 */
export function validateDocument(kind: Kind, value: unknown, big?: Map<string, BigLiteral>): ValidationResult {
  let data = value;
  let bigs = big;
  if (containsBigint(value)) {
    bigs = new Map(big);
    data = toNumbers(value, bigs);
  }
  const validate = validators()[kind];
  const trie = integers[kind];
  const errors = validate(data) ? [] : [...(validate.errors ?? [])];
  if (kind === 'config') errors.push(...platformErrors(data));
  let problems = errors.length ? fromSchemaErrors(errors, data, trie, ROOT[kind]) : [];
  if (bigs?.size) problems = checkBigLiterals(bigs, problems, trie, ROOT[kind]);
  return { valid: problems.length === 0, problems };
}

/**
 * Exact range checks for literals above 2^53: ajv compared doubles, so
 * 18446744073709551616 (2^64, out of range) looked equal to the uint64 maximum.
 */
function checkBigLiterals(bigs: Map<string, BigLiteral>, problems: Problem[], trie: IntegerNode, root: string): Problem[] {
  const out = problems.slice();
  for (const [pointer, lit] of bigs) {
    const k = integerAt(trie, pointer);
    if (!k) continue; // not an integer field: the schema already reported the wrong type
    const field = fieldName(pointer, root);
    const drop = () => { for (let i = out.length - 1; i >= 0; i--) if (out[i].pointer === pointer && /^SCHEMA_(MINIMUM|MAXIMUM|TYPE)$/.test(out[i].code)) out.splice(i, 1); };
    if (!lit.integerLiteral) {
      drop();
      out.push({ pointer, code: 'NUMBER_NOT_EXACT', value: lit.raw, message: `${field} must be written as a plain integer (${k.$}): ${lit.raw} is above 2^53 and cannot be read exactly in fraction or exponent form` });
      continue;
    }
    const n = BigInt(lit.raw);
    drop();
    if (k.min !== undefined && n < BigInt(k.min)) out.push({ pointer, code: 'SCHEMA_MINIMUM', value: n, message: `${field} must be >= ${k.min} (${k.$}), found ${describe(n)}` });
    else if (k.max !== undefined && n > BigInt(k.max)) out.push({ pointer, code: 'SCHEMA_MAXIMUM', value: n, message: `${field} must be <= ${k.max} (${k.$}), found ${describe(n)}` });
  }
  return out;
}

// Both walks are iterative: a hostile config may nest arrays a million deep
// (JSON.parse copes), and recursion would overflow the stack.
function containsBigint(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'bigint') return true;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) { for (const x of v) stack.push(x); continue; }
    for (const k in v as Record<string, unknown>) stack.push((v as Record<string, unknown>)[k]);
  }
  return false;
}

/** A copy with bigint -> number (for ajv), recording the exact literals. */
function toNumbers(root: unknown, bigs: Map<string, BigLiteral>): unknown {
  const box: { v: unknown } = { v: root };
  const stack: [Record<string, unknown> | unknown[], string | number, string][] = [[box as Record<string, unknown>, 'v', '']];
  while (stack.length) {
    const [parent, key, ptr] = stack.pop()!;
    const v = (parent as Record<string, unknown>)[key];
    if (typeof v === 'bigint') {
      bigs.set(ptr, { raw: v.toString(), integerLiteral: true });
      (parent as Record<string, unknown>)[key] = Number(v);
    } else if (Array.isArray(v)) {
      const copy = v.slice();
      (parent as Record<string, unknown>)[key] = copy;
      for (let i = copy.length - 1; i >= 0; i--) stack.push([copy, i, ptr + '/' + i]); // document order
    } else if (v !== null && typeof v === 'object') {
      const copy = { ...(v as Record<string, unknown>) };
      (parent as Record<string, unknown>)[key] = copy;
      const keys = Object.keys(copy);
      for (let i = keys.length - 1; i >= 0; i--) stack.push([copy, keys[i], join(ptr, keys[i])]);
    }
  }
  return box.v;
}
