// No root: create, run, spec and version are parsed without yargs
// (parity-argv.ts) and the result has what yargs gives for every key the
// commands read; anything unusual still goes to yargs.
import t from 'tap';
import { parser } from '../src/main.ts';
import { execArgs } from '../src/exec-argv.ts';
import { parityFastParse } from '../src/parity-argv.ts';

async function viaYargs(args: string[]) {
  return (await (await parser(args)).parseAsync(args)) as Record<string, any>;
}

const SAME = [
  ['create', 'c1'],
  ['--root', '/r', 'create', '--bundle', '/b', 'c1'],
  ['--root=/r', '--log=/l', '--log-format=json', '--systemd-cgroup', 'create', '-b', '/b', '--pid-file', '/p', '--console-socket', '/s', 'c1'],
  ['create', '--bundle=/b', '--pid-file=/p', '--no-pivot', '--no-new-keyring', '--preserve-fds', '2', 'c1'],
  ['create', 'c1', '--bundle', '/b'],
  ['run', 'c1'],
  ['run', '-d', '-b', '/b', 'c1'],
  ['run', '--detach', '--keep', '--preserve-fds=3', '--console-socket', '/s', 'c1'],
  ['--debug', 'run', '--bundle', '/b', '--pid-file', '/p', 'c1'],
  ['spec'], ['spec', '--bundle', '/b'], ['spec', '-b', '/b', '--rootless'],
  ['version'], ['--version'], ['-v'],
];

t.test('create, run, spec and version: the fast parser agrees with yargs', async (t) => {
  for (const raw of SAME) {
    const args = execArgs(raw);
    const fast = parityFastParse(args);
    t.ok(fast, `fast path taken for ${raw.join(' ')}`);
    if (!fast) continue;
    const slow = await viaYargs(args);
    for (const k of Object.keys(fast)) t.same(fast[k], slow[k], `${raw.join(' ')}: ${k}`);
  }
});

t.test('create and run: what the fast parser does not understand goes to yargs', async (t) => {
  for (const args of [
    ['create'], ['create', 'a', 'b'], ['create', '--bogus', 'c1'], ['create', '--bundle'], ['create', '--preserve-fds', 'x', 'c1'],
    ['create', '-b', '/a', '-b', '/b', 'c1'], ['create', '--bundle', '--pid-file', 'c1'], ['create', '-d', 'c1'], ['run', '--detach=true', 'c1'],
    ['create', '--help'], ['create', 'c1', '--', 'x'], ['spec', 'x'], ['version', 'x'], ['--version', 'x'], ['create', '-bundle', '/b', 'c1'],
  ]) {
    t.equal(parityFastParse(execArgs(args)), undefined, args.join(' '));
  }
});
