// Our schema against the official runtime-spec schema on thousands of
// mutated documents: both must give the same verdict, except where ours
// deliberately accepts more (documented in README "One source of truth").
// Deterministic (seeded), so a failure reproduces.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvDraft04 from 'ajv-draft-04';
import { validateConfig, defaultConfig } from '../src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const official = path.resolve(here, '../../..', '../shared/data/runtime-spec/schema');

if (!fs.existsSync(official)) {
  t.test('agreement with the official schema', { skip: `skipped: ${official} is absent (../shared next to the repo holds the official schema)` }, async () => {});
} else {
  const Ajv04 = ((AjvDraft04 as any).default ?? AjvDraft04) as typeof AjvDraft04.default;
  const ajv = new Ajv04({ allErrors: true, strict: false });
  for (const f of fs.readdirSync(official).filter((f) => f.endsWith('.json'))) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(official, f), 'utf8')), f);
  const theirs = ajv.getSchema('config-schema.json')!;

  // Seeded PRNG (mulberry32).
  let seed = 0x5eed;
  const rnd = () => { seed |= 0; seed = (seed + 0x6d2b79f5) | 0; let x = Math.imul(seed ^ (seed >>> 15), 1 | seed); x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x; return ((x ^ (x >>> 14)) >>> 0) / 4294967296; };
  const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)];
  const replacements: unknown[] = [null, true, 0, -1, 1.5, 4294967296, 65536, 512, -129, '', 'x', 'SCMP_ACT_NOPE', 'rprivate', '64kB', [], [1], ['a'], {}, { a: 1 }];

  const paths = (v: unknown, p: (string | number)[] = [], out: (string | number)[][] = []) => {
    out.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...p, i], out));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths((v as any)[k], [...p, k], out);
    return out;
  };
  const setAt = (doc: any, p: (string | number)[], value: unknown) => {
    if (!p.length) return value;
    let o = doc;
    for (const k of p.slice(0, -1)) o = o[k];
    o[p[p.length - 1]] = value;
    return doc;
  };

  const seeds: unknown[] = [defaultConfig(), JSON.parse(fs.readFileSync(path.join(here, 'samples/config/full.json'), 'utf8'))];
  for (const f of fs.readdirSync(path.join(official, 'test/config/good'))) seeds.push(JSON.parse(fs.readFileSync(path.join(official, 'test/config/good', f), 'utf8')));

  // Documents where ours is deliberately more permissive than the official schema.
  const oursWider = (doc: any) => ['rprivate', 'rshared', 'rslave', 'runbindable'].includes(doc?.linux?.rootfsPropagation);

  t.test('same verdict on 3000 mutated configs', async (t) => {
    let valid = 0, invalid = 0;
    const disagreements: string[] = [];
    for (let i = 0; i < 3000; i++) {
      let mutated: any = structuredClone(pick(seeds));
      for (let m = 0; m < 1 + Math.floor(rnd() * 2); m++) mutated = setAt(mutated, pick(paths(mutated)), structuredClone(pick(replacements)));
      const a = theirs(mutated) as boolean;
      const b = validateConfig(mutated).valid;
      if (a) valid++; else invalid++;
      if (a !== b && !(b && oursWider(mutated))) disagreements.push(JSON.stringify({ official: a, ours: b, doc: mutated }).slice(0, 400));
    }
    t.same(disagreements.slice(0, 5), [], `no disagreement (${disagreements.length} of 3000)`);
    t.ok(valid > 100 && invalid > 1000, `both verdicts exercised (${valid} valid, ${invalid} invalid)`);
  });
}
