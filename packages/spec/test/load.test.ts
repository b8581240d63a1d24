// loadConfig reads <bundle>/config.json from disk.
import t from 'tap';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadConfig, defaultConfig, SpecError } from '../src/index.ts';

t.test('loads and validates a bundle config', async (t) => {
  const dir = t.testdir({ 'config.json': JSON.stringify(defaultConfig(), null, '\t') });
  const c = await loadConfig(dir, { forStart: true });
  t.same(c, defaultConfig());
});

t.test('ENOCONFIG when the bundle has no config.json', async (t) => {
  const dir = t.testdir({});
  const err = await loadConfig(dir).then(() => null, (e) => e as SpecError);
  t.type(err, SpecError);
  t.equal(err?.code, 'ENOCONFIG');
  t.equal(err?.errno, 2, 'errno of ENOENT (positive, like @oci/core)');
  t.equal(err?.message, `${path.join(dir, 'config.json')} does not exist: a bundle needs a config.json`);
});

t.test('messages name the file path', async (t) => {
  const dir = t.testdir({ 'config.json': '{"ociVersion": "1.2.0", "root": {"path": 3}}' });
  await t.rejects(loadConfig(dir), { code: 'EINVALIDCONFIG', message: `invalid ${path.join(dir, 'config.json')}: root.path must be a string, found integer 3` });
});

t.test('a directory named config.json is refused', async (t) => {
  const dir = t.testdir({ 'config.json': {} });
  await t.rejects(loadConfig(dir), { code: 'EIO', message: `${path.join(dir, 'config.json')} is not a regular file` });
});

t.test('an oversized file is refused without reading it', async (t) => {
  const dir = t.testdir({});
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, 64 << 20); // sparse 64 MiB of NULs
  await t.rejects(loadConfig(dir), { code: 'ETOOLARGE', problems: [{ code: 'DOCUMENT_TOO_LARGE', message: `${file} is 67108864 bytes, larger than the 4194304-byte limit` }] });
});

t.test('EIO with the errno for an unreadable path', async (t) => {
  const dir = t.testdir({ bundle: 'not a directory' });
  await t.rejects(loadConfig(path.join(dir, 'bundle')), { code: 'EIO', errno: 20 });
});

t.test('a FIFO named config.json is refused without blocking', async (t) => {
  const dir = t.testdir({});
  execFileSync('mkfifo', [path.join(dir, 'config.json')]);
  await t.rejects(loadConfig(dir), { code: 'EIO', message: `${path.join(dir, 'config.json')} is not a regular file` });
});

t.test('parseState and parseFeatures read what runc prints', async (t) => {
  const { parseState, parseFeatures } = await import('../src/index.ts');
  const here = path.dirname(new URL(import.meta.url).pathname);
  const features = parseFeatures(fs.readFileSync(path.join(here, 'samples/features/runc-1.1.5.json')));
  t.equal(features.ociVersionMin, '1.0.0');
  t.ok(features.linux?.namespaces?.includes('user'));
  const state = parseState(fs.readFileSync(path.join(here, 'samples/state/running.json')));
  t.equal(state.status, 'running');
  t.equal(parseState('{"ociVersion":"1.2.1","id":"a","status":"paused","bundle":"/b","pid":1}').status, 'paused', 'runc\'s "paused" is accepted');
  t.throws(() => parseState('{"ociVersion":"1.2.1","id":"a","status":"frozen","bundle":"/b"}'), { code: 'EINVALIDSTATE', problems: [{ pointer: '/status', code: 'SCHEMA_ENUM', message: 'status must be one of "creating", "created", "running", "stopped", "paused"; found string "frozen"' }] });
  t.throws(() => parseFeatures('{"ociVersionMin":"1.0.0"}'), { code: 'EINVALIDFEATURES', problems: [{ pointer: '/ociVersionMax', message: 'ociVersionMax is required but missing' }] });
});
