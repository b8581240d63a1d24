// The runtime-spec's own schema fixtures (../shared/data/runtime-spec/schema/test):
// every good one must validate and every bad one must be rejected, by our
// validator AND by the official schema compiled with ajv here, so the two
// schemas are shown to agree on them.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvDraft04 from 'ajv-draft-04';
import { validateConfig, validateState, validateFeatures, parseConfig, SpecError } from '../src/index.ts';
import { parseJsonText } from '../src/parse.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const official = path.resolve(repoRoot, '../shared/data/runtime-spec/schema');

if (!fs.existsSync(official)) {
  t.test('runtime-spec fixtures', { skip: `skipped: ${official} is absent (../shared next to the repo holds the runtime-spec fixtures)` }, async () => {});
} else {
  // ajv-draft-04 is CommonJS: under NodeNext its class is the default export's default.
  const Ajv04 = ((AjvDraft04 as any).default ?? AjvDraft04) as typeof AjvDraft04.default;
  const ajv = new Ajv04({ allErrors: true, strict: false });
  for (const f of fs.readdirSync(official).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(official, f), 'utf8')), f);
  }
  const kinds = {
    config: { ours: validateConfig, theirs: ajv.getSchema('config-schema.json')! },
    state: { ours: validateState, theirs: ajv.getSchema('state-schema.json')! },
    features: { ours: validateFeatures, theirs: ajv.getSchema('features-schema.json')! },
  };
  let count = 0;
  for (const [kind, v] of Object.entries(kinds)) {
    for (const verdict of ['good', 'bad'] as const) {
      const dir = path.join(official, 'test', kind, verdict);
      if (!fs.existsSync(dir)) continue;
      for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
        count++;
        t.test(`${kind}/${verdict}/${f}`, async (t) => {
          const text = fs.readFileSync(path.join(dir, f));
          let doc: unknown;
          try {
            doc = JSON.parse(text.toString());
          } catch {
            t.equal(verdict, 'bad', 'only bad fixtures may be malformed JSON');
            t.throws(() => parseJsonText(text, f), { code: 'EJSON' }, 'our parser rejects it as EJSON');
            return;
          }
          const theirs = v.theirs(doc) as boolean;
          const ours = v.ours(doc);
          t.equal(theirs, verdict === 'good', `official schema says ${verdict}`);
          t.equal(ours.valid, verdict === 'good', `our schema says ${verdict}` + (ours.valid ? '' : `: ${ours.problems.map((p) => p.message).join('; ')}`));
          if (verdict === 'bad') t.ok(ours.problems.every((p) => typeof p.pointer === 'string' && p.message.length > 10), 'problems name a pointer and a message');
        });
      }
    }
  }
  t.ok(count >= 15, `found the fixtures (${count})`);

  t.test('config/good/spec-example.json passes every semantic check but its pre-1.0 version', async (t) => {
    const text = fs.readFileSync(path.join(official, 'test/config/good/spec-example.json'));
    const err = t.throws(() => parseConfig(text), { code: 'EINVALIDCONFIG' }) as unknown as SpecError;
    t.same(err.problems, [{ pointer: '/ociVersion', code: 'OCI_VERSION_UNSUPPORTED', value: '0.5.0-dev', message: 'ociVersion 0.5.0-dev is not supported: this runtime implements runtime-spec 1.x' }]);
    const doc = JSON.parse(text.toString());
    doc.ociVersion = '1.2.0';
    t.ok(parseConfig(JSON.stringify(doc)), 'with ociVersion 1.2.0 it parses with all checks');
  });

  t.test('bad fixtures: our messages name the offending field', async (t) => {
    const read = (f: string) => JSON.parse(fs.readFileSync(path.join(official, 'test/config/bad', f), 'utf8'));
    t.match(validateConfig(read('linux-hugepage.json')).problems, [{ pointer: '/linux/resources/hugepageLimits/0/pageSize', code: 'SCHEMA_PATTERN', value: '64kB' }]);
    t.match(validateConfig(read('linux-rdma.json')).problems, [{ pointer: '/linux/resources/rdma/mlx5_1/hcaHandles', code: 'SCHEMA_TYPE', message: 'linux.resources.rdma.mlx5_1.hcaHandles must be an integer (uint32), found string "not a uint32"' }]);
    t.match(validateConfig(read('linux-netdevice.json')).problems, [{ pointer: '/linux/netDevices/eth0/name', code: 'SCHEMA_TYPE', message: 'linux.netDevices.eth0.name must be a string, found integer 23' }]);
    const feat = JSON.parse(fs.readFileSync(path.join(official, 'test/features/bad/missing-ociVersionMax.json'), 'utf8'));
    t.same(validateFeatures(feat).problems, [{ pointer: '/ociVersionMax', code: 'SCHEMA_REQUIRED', message: 'ociVersionMax is required but missing' }]);
  });
}
