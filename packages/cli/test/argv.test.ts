// The fast argv path must agree with yargs (the reference) on everything it
// accepts, and hand everything else to yargs.
import t from 'tap';
import { fastParse } from '../src/fast-argv.ts';
import { parser } from '../src/main.ts';
import { parseSignal } from '../src/signals.ts';

const KEYS = ['root', 'log', 'log-format', 'debug', 'systemd-cgroup', 'id', 'signal', 'all', 'force', 'quiet', 'format'];
const accepted = [
  ['state', 'c1'],
  ['--root', '/r', 'state', 'c1'],
  ['--root=/r', '--log=/l', '--log-format=json', '--debug', 'start', 'c1'],
  ['--root', '/r', '--log', '/l', '--log-format', 'text', '--systemd-cgroup', 'kill', 'c1'],
  ['kill', 'c1', 'KILL'],
  ['kill', '--all', 'c1', '9'],
  ['kill', '-a', 'c1', 'SIGUSR1'],
  ['delete', '-f', 'c1'],
  ['delete', '--force', 'c1'],
  ['list'],
  ['list', '-q'],
  ['list', '--format', 'json'],
  ['list', '--format=json', '--quiet'],
];
const refused = [
  ['state'], ['state', 'a', 'b'], ['create', 'c1'], ['--bogus', 'state', 'c1'], ['state', '--bogus', 'c1'],
  ['--log-format', 'xml', 'state', 'c1'], ['--help'], ['kill', 'c1', '9', 'extra'], ['--root'],
];

t.test('agrees with yargs on what it accepts', async (t) => {
  for (const args of accepted) {
    const fast = fastParse(args);
    t.ok(fast, `fast path takes ${args.join(' ')}`);
    const ref = await (await parser(args)).parseAsync(args) as Record<string, unknown>;
    t.equal(fast!._[0], (ref._ as string[])[0], `${args.join(' ')}: command`);
    for (const k of KEYS) {
      if (ref[k] === undefined && fast![k] === undefined) continue;
      if (k === 'signal') t.equal(parseSignal(fast![k]), parseSignal(String(ref[k])), `${args.join(' ')}: ${k}`);
      else t.same(fast![k], ref[k], `${args.join(' ')}: ${k}`);
    }
  }
});

t.test('yargs takes --no-pivot and --no-new-keyring as flags, not negations', async (t) => {
  const a = await (await parser(['create', '--no-pivot', '--no-new-keyring', 'c1'])).parseAsync(['create', '--no-pivot', '--no-new-keyring', 'c1']) as Record<string, unknown>;
  t.equal(a['no-pivot'], true);
  t.equal(a['no-new-keyring'], true);
});

t.test('hands everything else to yargs', (t) => {
  for (const args of refused) t.equal(fastParse(args), undefined, args.join(' '));
  t.end();
});
