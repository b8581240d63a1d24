import { fieldName, get, join } from './pointer.ts';
import type { IntegerNode } from './generated/integers.ts';

/** One thing wrong with a document, as data. */
export interface Problem {
  /** JSON pointer (RFC 6901) to the offending value ('' = the whole document). */
  pointer: string;
  /** Names the field, what was expected and what was found. */
  message: string;
  /** The offending value (absent when the problem is a missing field). */
  value?: unknown;
  /** Stable code: SCHEMA_* for schema violations, JSON_* for syntax, others for semantic checks. */
  code: string;
}

/** A short, precise description of a found value for messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${v.length} item${v.length === 1 ? '' : 's'})`;
  switch (typeof v) {
    case 'string': return `string ${JSON.stringify(v.length > 80 ? v.slice(0, 77) + '...' : v)}`;
    case 'number': return Number.isInteger(v) ? `integer ${v}` : `number ${v}`;
    case 'bigint': return `integer ${v}`;
    case 'boolean': return `boolean ${v}`;
    case 'object': return 'an object';
    default: return typeof v;
  }
}

/** The integer kind and exact range expected at a pointer, from the generated trie. */
export function integerAt(trie: IntegerNode, pointer: string): IntegerNode | undefined {
  let node: IntegerNode | undefined = trie;
  if (pointer === '') return node.$ ? node : undefined;
  for (const seg of pointer.slice(1).split('/')) {
    const next: IntegerNode | string | undefined = node[seg.replace(/~1/g, '/').replace(/~0/g, '~')] ?? node['*'];
    if (!next || typeof next === 'string') return undefined;
    node = next;
  }
  return node.$ ? node : undefined;
}

/** The subset of an ajv ErrorObject we read (ajv is not a runtime dependency). */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, any>;
  schemaPath: string;
}

const A: Record<string, string> = { object: 'an object', array: 'an array', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'a boolean', null: 'null' };

/** Turns ajv errors into Problems with messages that name the field. */
export function fromSchemaErrors(errors: SchemaError[], doc: unknown, trie: IntegerNode, root: string): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  // anyOf/oneOf wrap errors already reported from their branches.
  const real = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if');
  for (const e of real.length ? real : errors) {
    const p = toProblem(e, doc, trie, root);
    const key = p.pointer + '\0' + p.code + '\0' + p.message;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

function kindSuffix(trie: IntegerNode, pointer: string): string {
  const k = integerAt(trie, pointer);
  return k && k.$ !== 'integer' ? ` (${k.$})` : '';
}

function toProblem(e: SchemaError, doc: unknown, trie: IntegerNode, root: string): Problem {
  const pointer = e.instancePath;
  const value = get(doc, pointer);
  const field = fieldName(pointer, root);
  const code = 'SCHEMA_' + e.keyword.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  const p = e.params;
  switch (e.keyword) {
    case 'type': {
      const types = String(p.type).split(',');
      const want = types.map((t) => A[t] ?? t).join(' or ') + (types.includes('integer') ? kindSuffix(trie, pointer) : '');
      return { pointer, code, value, message: `${field} must be ${want}, found ${describe(value)}` };
    }
    case 'required': {
      const child = join(pointer, p.missingProperty);
      return { pointer: child, code, message: `${fieldName(child, root)} is required but missing` };
    }
    case 'enum':
      return { pointer, code, value, message: `${field} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; found ${describe(value)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const k = integerAt(trie, pointer);
      const lower = e.keyword.endsWith('inimum');
      // Limits of uint64/int64 are not exact as doubles: print the exact decimal.
      const limit = (lower ? k?.min : k?.max) ?? String(p.limit);
      const cmp = String(p.comparison ?? (lower ? '>=' : '<='));
      return { pointer, code, value, message: `${field} must be ${cmp} ${limit}${kindSuffix(trie, pointer)}, found ${describe(value)}` };
    }
    case 'pattern':
      return { pointer, code, value, message: `${field} must match /${p.pattern}/, found ${describe(value)}` };
    case 'minItems':
    case 'maxItems': {
      const n = Array.isArray(value) ? value.length : 0;
      const word = e.keyword === 'minItems' ? 'at least' : 'at most';
      return { pointer, code, value, message: `${field} must have ${word} ${p.limit} item${p.limit === 1 ? '' : 's'}, found ${n}` };
    }
    case 'minLength':
    case 'maxLength': {
      const word = e.keyword === 'minLength' ? 'at least' : 'at most';
      return { pointer, code, value, message: `${field} must be ${word} ${p.limit} character${p.limit === 1 ? '' : 's'} long, found ${describe(value)}` };
    }
    case 'additionalProperties': {
      const child = join(pointer, p.additionalProperty);
      return { pointer: child, code, value: get(doc, child), message: `${fieldName(child, root)} is not an allowed property of ${field}` };
    }
    case 'not':
      return { pointer, code, value, message: `${field} must not match the schema at ${e.schemaPath}, found ${describe(value)}` };
    default:
      return { pointer, code, value, message: `${field} fails schema keyword "${e.keyword}" (${JSON.stringify(p)}) at ${e.schemaPath}, found ${describe(value)}` };
  }
}
