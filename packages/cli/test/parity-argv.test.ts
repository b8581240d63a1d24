// No root: the fast parser for create/run/spec/version and
// exec/pause/resume/ps/events/update/features gives what yargs gives (the keys the commands read), and hands anything it
// does not fully understand to yargs.
import t from 'tap';
import { parser } from '../src/main.ts';
import { execArgs } from '../src/exec-argv.ts';
import { parityFastParse } from '../src/parity-argv.ts';

async function viaYargs(args: string[]) {
  return (await (await parser(args)).parseAsync(args)) as Record<string, any>;
}

t.test('execArgs ends option parsing at the container id, as runc', async (t) => {
  t.same(execArgs(['exec', 'c1', 'sh', '-c', 'echo hi']), ['exec', 'c1', '--', 'sh', '-c', 'echo hi']);
  t.same(execArgs(['--root', '/r', 'exec', '-e', 'A=1', '--tty', 'c1', 'ls', '-l']), ['--root', '/r', 'exec', '-e', 'A=1', '--tty', 'c1', '--', 'ls', '-l']);
  t.same(execArgs(['exec', 'c1', '--', 'ls']), ['exec', 'c1', '--', 'ls'], 'an explicit -- is kept');
  t.same(execArgs(['exec', 'c1']), ['exec', 'c1']);
  t.same(execArgs(['state', 'c1']), ['state', 'c1']);
  t.same(execArgs(['update', '--resources', '-', 'c1']), ['update', '--resources=-', 'c1'], 'a lone - is the value of --resources');
});

const SAME = [
  ['exec', 'c1', 'sh', '-c', 'echo hi'],
  ['--root', '/tmp/r', 'exec', '--tty', '--console-socket', '/s', '-d', '--pid-file', 'p', '--cwd', '/tmp', '-e', 'A=1', '--env', 'B=2', '-u', '1:2',
    '-g', '5', '--additional-gids', '6', '--cap', 'CAP_KILL', '--no-new-privs', '--apparmor', 'x', '--process-label', 'y', '--preserve-fds', '2',
    '--cgroup', 'sub', '--ignore-paused', 'c1', 'true'],
  ['exec', '--process', '/p.json', 'c1'],
  ['pause', 'c1'], ['resume', 'c1'], ['features'],
  ['ps', 'c1'], ['ps', '--format', 'json', 'c1'], ['ps', 'c1', '--', '-o', 'pid,comm'],
  ['events', '--stats', 'c1'], ['events', '--interval', '1s', 'c1'],
  ['update', '--memory', '64m', '--pids-limit', '10', '--cpu-quota', '5000', 'c1'], ['update', '--resources', '-', 'c1'], ['update', '-r', 'f.json', 'c1'],
  // create, run, spec, version
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

t.test('the fast parser agrees with yargs', async (t) => {
  for (const raw of SAME) {
    const args = execArgs(raw);
    const fast = parityFastParse(args);
    t.ok(fast, `fast path taken for ${raw.join(' ')}`);
    if (!fast) continue;
    const slow = await viaYargs(args);
    for (const k of Object.keys(fast)) t.same(fast[k], slow[k], `${raw.join(' ')}: ${k}`);
  }
});

t.test('what the fast parser does not understand goes to yargs', async (t) => {
  for (const args of [
    ['exec'], ['pause'], ['pause', 'a', 'b'], ['ps', '--bogus', 'c1'], ['events', '--interval'], ['exec', '--preserve-fds', 'x', 'c1', 'true'], ['features', 'x'], ['--help'], ['pause', '--help', 'c1'],
    ['create'], ['create', 'a', 'b'], ['create', '--bogus', 'c1'], ['create', '--bundle'], ['create', '--preserve-fds', 'x', 'c1'],
    ['create', '-b', '/a', '-b', '/b', 'c1'], ['create', '--bundle', '--pid-file', 'c1'], ['create', '-d', 'c1'], ['run', '--detach=true', 'c1'],
    ['create', '--help'], ['create', 'c1', '--', 'x'], ['spec', 'x'], ['version', 'x'], ['--version', 'x'], ['create', '-bundle', '/b', 'c1'],
  ]) {
    t.equal(parityFastParse(execArgs(args)), undefined, args.join(' '));
  }
});
