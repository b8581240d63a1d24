// Hooks as the runtime runs them (config.md "POSIX-platform Hooks"): state on
// stdin, exactly the hook's env and args, timeout, failures with the output.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { runHook, runHooks, runHooksCollect, HookError } from '../src/hooks.ts';

const state = JSON.stringify({ ociVersion: '1.2.0', id: 'h1', status: 'creating', pid: 42, bundle: '/b' });

t.test('stdin, env and argv[0] are exactly the hook\'s', async (t) => {
  const dir = t.testdir({});
  const out = path.join(dir, 'out');
  await runHook('prestart', { path: '/bin/sh', args: ['my-hook', '-c', `cat > ${out}.stdin; env -0 > ${out}.env; echo "$0" > ${out}.argv0`], env: ['A=1', 'B=two words'] }, state);
  t.same(JSON.parse(fs.readFileSync(`${out}.stdin`, 'utf8')), JSON.parse(state));
  // tap's process-info hook injects NODE_OPTIONS and _TAPJS_* into every child it sees spawned; the shell adds PWD, SHLVL and _.
  const env = fs.readFileSync(`${out}.env`, "utf8").split("\0").filter((l) => l && !/^(PWD|SHLVL|_|NODE_OPTIONS|_TAPJS_[A-Z_]*)=/.test(l));
  t.same(env.sort(), ['A=1', 'B=two words'], 'nothing inherited from the runtime');
  t.equal(fs.readFileSync(`${out}.argv0`, 'utf8').trim(), 'my-hook');
});

t.test('a failing hook names itself, its status and its output; later hooks do not run', async (t) => {
  const dir = t.testdir({});
  const marker = path.join(dir, 'ran');
  await t.rejects(runHooks('createRuntime', [
    { path: '/bin/sh', args: ['sh', '-c', 'echo nope >&2; exit 4'] },
    { path: '/bin/sh', args: ['sh', '-c', `touch ${marker}`] },
  ], state), { code: 'EHOOK', message: /createRuntime hook \/bin\/sh: exit status 4: nope/ });
  t.notOk(fs.existsSync(marker));
  await t.rejects(runHook('prestart', { path: '/nonexistent/hook' }, state), HookError);
});

t.test('timeout kills the hook', async (t) => {
  await t.rejects(runHook('poststart', { path: '/bin/sh', args: ['sh', '-c', 'sleep 30'], timeout: 1 }, state), { message: /timed out after 1s/ });
});

t.test('poststart/poststop style: every hook runs, failures are collected', async (t) => {
  const dir = t.testdir({});
  const marker = path.join(dir, 'ran');
  const errors = await runHooksCollect('poststop', [
    { path: '/bin/false' },
    { path: '/bin/sh', args: ['sh', '-c', `touch ${marker}`] },
  ], state);
  t.equal(errors.length, 1);
  t.ok(fs.existsSync(marker), 'the second hook still ran');
});
