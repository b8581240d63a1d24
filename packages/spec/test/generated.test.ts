// src/generated is committed and must be exactly what scripts/generate.mjs
// derives from schema/*.json (one source of truth, nothing edited by hand).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

t.test('generated files are up to date with the schema', async (t) => {
  let out = '';
  try {
    out = execFileSync(process.execPath, ['scripts/generate.mjs', '--check'], { cwd: pkg, encoding: 'utf8', stdio: 'pipe' });
    t.pass('generate.mjs --check found nothing stale');
  } catch (e) {
    t.fail(`stale generated files: ${(e as { stderr?: string }).stderr ?? out}`);
  }
});
