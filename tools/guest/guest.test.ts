// The guest runner. The pure parts (console splitting, quoting, the cpio
// writer) are always tested; booting the guest under QEMU runs only with
// OCI_TS_GUEST=1, so the lead decides when CI pays for it (about a minute
// under TCG on 2 cores).
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConsoleSplitter, runInGuest, shQuote } from './qemu.mjs';
import { cpioNewc } from './initramfs.mjs';
import { buildGuest, repoRoot } from './build.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

t.test('the console splitter separates boot text, output and power-off text, whatever the chunking', (t) => {
  const start = '@@oci-ts-guest:start:abc@@', end = '@@oci-ts-guest:end:abc@@';
  const stream = Buffer.from(`SeaBIOS\r\nkernel says hi\r\n${start}\nline 1\nno newline at end${end}\nreboot: Power down\r\n`);
  for (const size of [1, 2, 7, 25, 1000]) {
    const out: Buffer[] = [], con: Buffer[] = [];
    const s = new ConsoleSplitter(start, end, { output: (b: Buffer) => out.push(Buffer.from(b)), console: (b: Buffer) => con.push(Buffer.from(b)) });
    for (let i = 0; i < stream.length; i += size) s.write(stream.subarray(i, i + size));
    s.end();
    t.equal(Buffer.concat(out).toString(), 'line 1\nno newline at end', `output, chunks of ${size}`);
    t.equal(Buffer.concat(con).toString(), 'SeaBIOS\r\nkernel says hi\r\nreboot: Power down\r\n', `console, chunks of ${size}`);
  }
  const cut: Buffer[] = [];
  const s = new ConsoleSplitter(start, end, { output: (b: Buffer) => cut.push(Buffer.from(b)), console: () => {} });
  s.write(Buffer.from(`${start}\npartial output, then the guest died`));
  s.end();
  t.equal(Buffer.concat(cut).toString(), 'partial output, then the guest died', 'output of a guest that dies mid-command is not lost');
  t.end();
});

t.test('shQuote survives /bin/sh for awkward arguments', (t) => {
  const args = ["it's", 'a b', '$HOME', '`id`', '"q"', '\\n', '', 'é ü', '-n'];
  const r = spawnSync('sh', ['-c', `for a in ${args.map(shQuote).join(' ')}; do printf '[%s]' "$a"; done`], { encoding: 'utf8' });
  t.equal(r.stdout, args.map((a) => `[${a}]`).join(''));
  t.end();
});

t.test('the cpio writer produces an archive busybox cpio unpacks', (t) => {
  const dir = t.testdir({});
  const archive = cpioNewc([
    { path: 'd', type: 'dir', mode: 0o750 },
    { path: 'd/f', type: 'file', data: Buffer.from('hello\n'), mode: 0o640 },
    { path: 'd/odd', type: 'file', data: Buffer.from('abc'), mode: 0o755 },
    { path: 'link', type: 'symlink', target: 'd/f' },
  ]);
  t.equal(archive.length % 4, 0, 'entries are 4-byte aligned');
  const r = spawnSync('busybox', ['cpio', '-i', '-d'], { cwd: dir, input: archive, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(fs.readFileSync(path.join(dir, 'd/f'), 'utf8'), 'hello\n');
  t.equal(fs.readFileSync(path.join(dir, 'd/odd'), 'utf8'), 'abc');
  t.equal(fs.statSync(path.join(dir, 'd/odd')).mode & 0o777, 0o755);
  t.equal(fs.readlinkSync(path.join(dir, 'link')), 'd/f');
  t.end();
});

t.test('stage.mjs counts leaf assertions across files and fails when one fails', (t) => {
  const dir = t.testdir({
    'good.test.ts': "import t from 'tap';\nconst n: number = 1;\nt.test('sub', (t) => { t.equal(n, 1); t.ok(true); t.end(); });\nt.skip('later');\n",
    'bad.test.ts': "import t from 'tap';\nt.test('sub', (t) => { t.equal(1 as number, 2, 'one is two'); t.end(); });\n",
  });
  const stage = path.join(here, 'stage.mjs');
  const good = spawnSync(process.execPath, [stage, path.join(dir, 'good.test.ts')], { cwd: repoRoot, encoding: 'utf8' });
  t.equal(good.status, 0, good.stderr);
  t.match(good.stdout, /\n2 passed, 0 failed, 1 skipped\n$/);
  const both = spawnSync(process.execPath, [stage, path.join(dir, 'good.test.ts'), path.join(dir, 'bad.test.ts')], { cwd: repoRoot, encoding: 'utf8' });
  t.equal(both.status, 1);
  t.match(both.stdout, /FAILED: .*bad\.test\.ts: .*one is two\n2 passed, 1 failed, 1 skipped\n$/);
  t.end();
});

const skip = process.env.OCI_TS_IN_GUEST === '1' ? 'already inside the guest'
  : process.env.OCI_TS_GUEST === '1' ? false : 'set OCI_TS_GUEST=1 to boot the QEMU guest (about a minute under TCG)';

t.test('in the guest', { skip }, async (t) => {
  const image = buildGuest();

  t.test('cgroup v2 controllers enforce limits for real (checks/cgroup-v2.mjs via run-in-guest)', async (t) => {
    const child = spawn(path.join(here, 'run-in-guest'), ['--disk', '64', '--timeout', '300', 'node', 'tools/guest/checks/cgroup-v2.mjs'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (b) => { out += b; });
    child.stderr.on('data', (b) => { err += b; });
    const status = await new Promise((r) => child.on('close', r));
    const checks = out.split('\n').filter((l) => l.startsWith('guest-check ')).map((l) => JSON.parse(l.slice(12)));
    for (const c of checks) t.ok(c.ok && !c.skip, c.check, { detail: c.detail, skip: c.skip });
    t.equal(checks.length, 11, 'every check reported', { out, err });
    t.equal(status, 0, 'run-in-guest exits with the script\'s status', { err });
  });

  t.test('output, exit status and the checkout shared read-write at the same path', async (t) => {
    const dir = t.testdir({ 'from-host': 'host data\n' });
    t.ok(dir.startsWith(repoRoot + path.sep), 'the fixture is inside the checkout');
    const chunks: Buffer[] = [];
    const r = await runInGuest({
      image, repo: repoRoot, cwd: dir, timeoutSec: 120, env: { GREETING: "it's me" },
      argv: ['sh', '-c', 'echo "$GREETING in $(pwd)"; cat from-host; echo err >&2; grep -c cgroup2 /proc/mounts > from-guest; exit 7'],
      onOutput: (b: Buffer) => chunks.push(Buffer.from(b)),
    });
    t.equal(r.status, 7, 'the command\'s exit status');
    t.equal(r.timedOut, false);
    t.equal(Buffer.concat(chunks).toString(), `it's me in ${dir}\nhost data\nerr\n`, 'stdout and stderr, without \\r');
    t.equal(fs.readFileSync(path.join(dir, 'from-guest'), 'utf8'), '1\n', 'the guest wrote into the checkout');
    t.comment(`boot ${r.bootSeconds.toFixed(2)} s, command ${r.commandSeconds.toFixed(2)} s, total ${r.totalSeconds.toFixed(2)} s`);
  });

  t.test('the timeout kills the command and reports 124', async (t) => {
    const out: Buffer[] = [];
    const r = await runInGuest({ image, repo: repoRoot, timeoutSec: 2, argv: ['sh', '-c', 'echo started; sleep 600 & wait'], onOutput: (b: Buffer) => out.push(Buffer.from(b)) });
    t.equal(r.status, 124);
    t.equal(r.timedOut, true);
    t.match(Buffer.concat(out).toString(), /started\n[\s\S]*timed out after 2s/);
  });

  t.test('a boot that misses its deadline is retried once, then GUEST_BOOT_TIMEOUT', async (t) => {
    const notes: string[] = [];
    await t.rejects(runInGuest({ image, repo: repoRoot, argv: ['true'], bootTimeoutSec: 1, log: (m: string) => notes.push(m) }),
      { code: 'GUEST_BOOT_TIMEOUT', message: /did not boot within 1 s/ });
    t.equal(notes.length, 1, 'one retry');
    t.match(notes[0], /booting again/);
  });

  t.test('a guest that cannot boot is a GUEST_BOOT_FAILED error with the console output', async (t) => {
    // An /init the kernel cannot execute: it falls back to mounting root=,
    // which does not exist, and panics (then panic=-1 ends QEMU).
    const dir = t.testdir({});
    fs.writeFileSync(path.join(dir, 'broken.cpio'), cpioNewc([{ path: 'init', type: 'file', data: Buffer.from('not a program\n'), mode: 0o755 }]));
    await t.rejects(runInGuest({ image: { ...image, initrd: path.join(dir, 'broken.cpio') }, repo: repoRoot, timeoutSec: 30, argv: ['true'] }),
      { code: 'GUEST_BOOT_FAILED', message: /did not boot[\s\S]*(panic|VFS)/i });
  });
});
