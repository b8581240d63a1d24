// The command line as operators and scripts meet it, side by side with runc
// 1.1.5 (the control, when installed): help structure for every command,
// the version lines' layout, unknown-flag errors, exit codes (one test per
// row of the README's table), runc's flags oci-ts used to refuse, and the
// man pages and completion scripts the build generates from the same
// command definitions. No root needed; the container rows are in
// operator-lifecycle.test.ts.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { COMMAND_DEFS, GLOBAL_FLAGS } from '../src/command-defs.ts';
import { bin, ociTs, repoRoot, type Result } from './helpers.ts';

const hasRunc = spawnSync('runc', ['--version']).status === 0;
const RUNC_SKIP = hasRunc ? false : 'runc is not installed (tools/setup.sh installs it)';

function runc(args: string[]): Result {
  const r = spawnSync('runc', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** The section headers of a help text, in order (NAME:, USAGE:, ...). */
const sections = (text: string) => text.split('\n').filter((l) => /^[A-Z][A-Z ]+[0-9]?:$/.test(l)).map((l) => l.replace(/ \d+:$/, ':'));
/** Every long flag name an OPTIONS section lists. */
const optionNames = (text: string) => [...text.matchAll(/^ {3}--([a-z0-9-]+)/gm)].map((m) => m[1]);
/** The message of the logrus error line on stderr. */
const msg = (stderr: string) => /level=error msg="((?:[^"\\]|\\.)*)"/.exec(stderr)?.[1];
// The commands runc has too (oci-ts adds version, attach, completion, planner): runc knows them when it has help for them.
const runcCommands = COMMAND_DEFS.filter((c) => !c.hidden && (hasRunc ? spawnSync('runc', [c.name, '--help']).status === 0 : !['version', 'attach', 'completion', 'planner'].includes(c.name))).map((c) => c.name);

t.test('help: runc\'s sections and flags for every command, never wider than 80 columns, no --version per command', async (t) => {
  const app = ociTs(['--help']);
  t.equal(app.status, 0);
  if (hasRunc) t.same(sections(app.stdout), sections(runc(['--help']).stdout), 'oci-ts --help: same sections as runc --help');
  for (const f of GLOBAL_FLAGS) t.match(app.stdout, new RegExp(`^ {3}--${f.name}\\b`, 'm'), `global --${f.name} listed`);
  for (const c of COMMAND_DEFS.filter((d) => !d.hidden)) t.match(app.stdout, new RegExp(`^ {3}${c.name} `, 'm'), `${c.name} listed in COMMANDS`);
  for (const name of runcCommands) {
    const h = ociTs([name, '--help']);
    t.equal(h.status, 0, `${name} --help exits 0`);
    t.equal(ociTs(['help', name]).stdout, h.stdout, `help ${name} = ${name} --help`);
    t.notMatch(h.stdout, /--version/, `${name}: no --version in a command's help`);
    for (const line of h.stdout.split('\n')) if (line.length > 80) t.fail(`${name}: a line of ${line.length} columns: ${line}`);
    if (!hasRunc) continue;
    const r = runc([name, '--help']);
    // runc's EXAMPLE sections are numbered on `list` (EXAMPLE 1:, EXAMPLE 2:): the same section.
    t.same([...new Set(sections(h.stdout))], [...new Set(sections(r.stdout))], `${name}: same sections as runc`);
    const ours = optionNames(h.stdout);
    for (const f of optionNames(r.stdout)) t.ok(ours.includes(f), `${name}: runc's --${f} is listed`);
  }
  t.end();
});

t.test('help wraps at spaces, never inside a word', async (t) => {
  const h = ociTs(['exec', '--help']).stdout;
  // Every word of the definitions' text appears whole in the output.
  const words = new Set(h.split(/\s+/));
  for (const f of COMMAND_DEFS.find((c) => c.name === 'exec')!.flags) {
    for (const w of f.describe.split(/\s+/)) t.ok(words.has(w) || words.has(`${w}.`) || h.includes(w), `"${w}" of --${f.name} whole`);
  }
  t.ok(h.split('\n').some((l) => /^ {30,}\S/.test(l)), 'a long description continues under its own column');
});

t.test('version: runc\'s line layout, one spec version', async (t) => {
  const v = ociTs(['--version']);
  t.equal(v.status, 0);
  const lines = v.stdout.trimEnd().split('\n');
  t.match(lines[0], /^oci-ts version \d+\.\d+\.\d+/);
  t.match(lines[1], /^commit: \S+$/);
  t.match(lines[2], /^spec: \d+\.\d+\.\d+/);
  if (hasRunc) {
    const r = runc(['--version']).stdout.trimEnd().split('\n');
    t.same(lines.slice(0, 3).map((l) => l.replace(/^oci-ts version .*/, 'V').split(':')[0]), r.slice(0, 3).map((l) => l.replace(/^runc version .*/, 'V').split(':')[0]), 'first three lines keyed as runc\'s');
    t.same(lines.slice(3).map((l) => /^[a-z]+: \S/.test(l)), lines.slice(3).map(() => true), 'extra lines are "key: value" as runc\'s go: and libseccomp:');
  }
  const spec = lines[2].slice('spec: '.length);
  const features = JSON.parse(ociTs(['features']).stdout);
  t.equal(features.ociVersionMax, spec, 'features.ociVersionMax is the version line\'s spec');
  const dir = t.testdir({});
  t.equal(ociTs(['spec', '--bundle', dir]).status, 0);
  t.equal(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).ociVersion, spec, 'spec writes the same version');
});

t.test('unknown flags are named, as runc names them, for every command', { skip: RUNC_SKIP }, async (t) => {
  const dir = t.testdir({});
  for (const name of runcCommands) {
    // Go's flag package spells a flag -name or --name, with its value after = or apart: both forms on one command.
    for (const args of name === 'state' ? [[name, '--bogus', 'x'], [name, '-bogus=1', 'x']] : [[name, '--bogus', 'x']]) {
      const o = ociTs(['--root', dir, ...args]);
      const r = runc(['--root', dir, ...args]);
      t.equal(o.status, r.status, `${args.join(' ')}: exit ${r.status} as runc`);
      t.equal(msg(o.stderr), msg(r.stderr), `${args.join(' ')}: "${msg(r.stderr)}"`);
      t.match(o.stdout, /^Incorrect Usage: flag provided but not defined: -bogus\n\nNAME:\n {3}oci-ts /, `${args.join(' ')}: the command's help follows, as runc`);
    }
  }
  const g = ociTs(['--bogus', 'list']);
  t.equal(g.status, 1);
  t.equal(msg(g.stderr), 'flag provided but not defined: -bogus');
  const lf = ociTs(['--log-format', 'xml', 'list']);
  t.equal(lf.status, 1);
  t.equal(msg(lf.stderr), msg(runc(['--log-format', 'xml', 'list']).stderr), 'an unknown log format: runc\'s words');
  const n = ociTs(['create', '--bundle']);
  t.equal(n.status, 1);
  t.equal(msg(n.stderr), msg(runc(['create', '--bundle']).stderr), 'a flag without its value: runc\'s words');
});

t.test('wrong argument counts: runc\'s message and exit code for every command', { skip: RUNC_SKIP }, async (t) => {
  const dir = t.testdir({});
  for (const c of COMMAND_DEFS.filter((d) => runcCommands.includes(d.name))) {
    const tries = [c.args.min > 0 ? [] : undefined, c.args.max < 9 ? Array(c.args.max + 1).fill('x') : undefined].filter((a): a is string[] => !!a);
    for (const extra of tries) {
      const args = ['--root', dir, c.name, ...extra];
      const o = ociTs(args);
      const r = runc(args);
      t.equal(o.status, r.status, `${c.name} with ${extra.length} args: exit ${r.status}`);
      t.equal(msg(o.stderr)?.replace(/^oci-ts:/, 'runc:'), msg(r.stderr), `${c.name} with ${extra.length} args: runc's message`);
    }
  }
});

// The README's exit code table, one test per row (the container rows are in operator-lifecycle.test.ts).
t.test('exit codes (README table)', async (t) => {
  const dir = t.testdir({});
  const rows: Array<[string, string[], number]> = [
    ['success', ['--root', dir, 'list'], 0],
    ['help', ['--help'], 0],
    ['no command: the help', [], 0],
    ['an error (container does not exist)', ['--root', dir, 'state', 'nothere'], 1],
    ['a usage error (missing argument)', ['state'], 1],
    ['an unknown flag', ['state', '--bogus', 'x'], 1],
    ['an unknown command', ['frobnicate'], 3],
    ['help for an unknown command', ['frobnicate', '-h'], 3],
    ['help topic that does not exist', ['help', 'frobnicate'], 3],
    ['exec failure (the process cannot be started)', ['--root', dir, 'exec', 'nothere', 'true'], 255],
  ];
  for (const [what, args, code] of rows) {
    t.test(what, async (t) => {
      const o = ociTs(args);
      t.equal(o.status, code, `oci-ts ${args.join(' ')}: ${code}`);
      if (hasRunc) t.equal(runc(args).status, code, `runc ${args.join(' ')}: ${code} too`);
      if (what.startsWith('exec failure')) t.equal(msg(o.stderr), 'exec failed: container does not exist', "runc's \"exec failed: \" prefix");
      if (what.includes('unknown command')) t.equal(msg(o.stderr), "No help topic for 'frobnicate'\\n", "runc's message");
    });
  }
});

t.test('runc\'s flags oci-ts used to refuse are accepted with runc\'s meaning', async (t) => {
  const dir = t.testdir({});
  for (const args of [['--rootless', 'false', 'list'], ['--rootless=auto', '--criu', '/usr/sbin/criu', 'list'], ['-rootless', 'true', '-root', dir, 'list']]) {
    const o = ociTs(['--root', dir, ...args]);
    t.equal(o.status, 0, `${args.join(' ')}: accepted`);
    t.equal(o.stderr, '', `${args.join(' ')}: no complaint`);
  }
  const spec = t.testdir({});
  t.equal(ociTs(['--rootless', 'false', 'spec', '--rootless', '--bundle', spec]).status, 0, 'global --rootless and spec --rootless side by side');
  t.ok(JSON.parse(fs.readFileSync(path.join(spec, 'config.json'), 'utf8')).linux.uidMappings, "spec's --rootless is spec's");
  const bad = ociTs(['--root', dir, '--rootless', 'maybe', 'create', '--bundle', dir, 'c1']);
  t.equal(bad.status, 1);
  t.match(bad.stderr, /invalid --rootless value \\"maybe\\": want true, false or auto/);
  const h = ociTs(['run', '--help']).stdout;
  t.match(h, /--no-subreaper/, 'run lists --no-subreaper');
  // Parsed, not refused: the container does not exist, which is the next thing run checks.
  const r = ociTs(['--root', dir, 'run', '--no-subreaper', '--bundle', path.join(dir, 'nobundle'), 'c1']);
  t.equal(r.status, 1);
  t.notMatch(r.stderr, /flag provided but not defined|Unknown argument/);
});

t.test('man pages: generated by the build from the command definitions', async (t) => {
  const dir = path.join(repoRoot, 'packages/cli/dist/man');
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'packages/cli/package.json'), 'utf8'));
  t.equal(path.normalize(pkg.directories?.man ?? ''), 'dist/man', 'package.json installs them (directories.man)');
  const hasMan = spawnSync('man', ['--version']).status === 0;
  for (const c of [undefined, ...COMMAND_DEFS.filter((d) => !d.hidden)]) {
    const file = path.join(dir, c ? `oci-ts-${c.name}.8` : 'oci-ts.8');
    t.ok(fs.existsSync(file), `${path.basename(file)} exists`);
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const f of (c ? c.flags : GLOBAL_FLAGS).filter((x) => !x.hidden)) t.ok(text.includes(`\\fB\\-\\-${f.name.replace(/-/g, '\\-')}\\fR`), `${path.basename(file)}: --${f.name}`);
    if (hasMan) {
      const r = spawnSync('man', ['--warnings', '-l', '-P', 'cat', file], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80' } });
      t.equal(r.status, 0, `${path.basename(file)}: man renders it`);
      t.equal(r.stderr.trim(), '', `${path.basename(file)}: no groff warnings`);
    }
  }
});

t.test('completion: bash and zsh scripts from the same definitions', async (t) => {
  const o = ociTs(['completion', 'bash']);
  t.equal(o.status, 0);
  t.equal(o.stdout, fs.readFileSync(path.join(repoRoot, 'packages/cli/dist/completion/oci-ts.bash'), 'utf8'), 'the build wrote the same script');
  t.equal(ociTs(['completion', 'zsh']).stdout, fs.readFileSync(path.join(repoRoot, 'packages/cli/dist/completion/_oci-ts'), 'utf8'));
  t.equal(ociTs(['completion', 'fish']).status, 1, 'an unknown shell is an error');
  // Run the bash function as bash would, with oci-ts on PATH for container ids.
  const dir = t.testdir({ bin: {}, root: { c1: {} } });
  fs.symlinkSync(bin, path.join(dir, 'bin/oci-ts'));
  const script = path.join(dir, 'c.bash');
  fs.writeFileSync(script, o.stdout);
  const complete = (...words: string[]) => {
    const r = spawnSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _oci_ts; echo "\${COMPREPLY[*]}"`],
      { encoding: 'utf8', env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` } });
    return r.stdout.trim().split(/\s+/).filter(Boolean);
  };
  t.same(complete('oci-ts', ''), [...COMMAND_DEFS.filter((c) => !c.hidden).map((c) => c.name), 'help'], 'every command');
  t.same(complete('oci-ts', '--log-f'), ['--log-format']);
  t.same(complete('oci-ts', '--log-format', ''), ['text', 'json']);
  const run = COMMAND_DEFS.find((c) => c.name === 'run')!;
  t.same(complete('oci-ts', 'run', '--').sort(), [...run.flags.map((f) => `--${f.name}`), '--help'].sort(), 'every flag of run');
  t.same(complete('oci-ts', 'help', 'up'), ['update']);
  // Container ids come from `oci-ts list -q` under the --root given.
  const root = path.join(dir, 'root');
  fs.writeFileSync(path.join(root, 'c1', 'state.json'), JSON.stringify({ ociVersion: '1.2.1', id: 'c1', pid: 999999999, status: 'stopped', bundle: dir, created: new Date().toISOString() }));
  const ids = complete('oci-ts', '--root', root, 'state', '');
  t.same(ids, ociTs(['--root', root, 'list', '-q']).stdout.split(/\s+/).filter(Boolean), 'state completes the ids oci-ts list -q prints');
  if (spawnSync('zsh', ['--version']).status === 0) {
    const z = path.join(dir, '_oci-ts');
    fs.writeFileSync(z, ociTs(['completion', 'zsh']).stdout);
    const r = spawnSync('zsh', ['-n', z], { encoding: 'utf8' });
    t.equal(r.status, 0, `zsh -n accepts the zsh script ${r.stderr}`);
  } else {
    t.comment('zsh not installed: its script is only generated (tools/setup.sh installs zsh)');
  }
});
