// Privileged: `run -d` with a terminal and no console socket keeps the pty in
// a holder process; `attach` connects a real terminal (tmux) to it: typed
// input, output, the window size, detach with ctrl-p ctrl-q, a second attach,
// and the holder's exit with the container; `run` in the foreground with a
// terminal under tmux too.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { bin, cgroupLeftovers, executorAvailable, makeBundle, ociTs, uniqueId } from './helpers.ts';

const why = (await executorAvailable()) ?? (spawnSync('tmux', ['-V']).status !== 0 ? 'tmux is not installed' : undefined);
if (why) {
  t.plan(0, `attach tests skipped: ${why}`);
} else {
  const dir = t.testdir({ root: {} });
  const root = path.join(dir, 'root');
  const sock = `oci-ts-attach-${process.pid}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', sock, ...args], { encoding: 'utf8' });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const pane = (s: string) => tmux('capture-pane', '-p', '-t', s).stdout;
  const waitFor = async (s: string, re: RegExp) => { for (let i = 0; i < 150; i++) { if (re.test(pane(s))) return true; await sleep(50); } return false; };
  t.teardown(() => { tmux('kill-server'); });

  t.test('attach, detach with ctrl-p ctrl-q, attach again, exit', async (t) => {
    const id = uniqueId('att');
    const b = makeBundle(path.join(dir, 'b'), (c) => { c.process.terminal = true; c.process.args = ['sh']; });
    const r = ociTs(['--root', root, 'run', '-d', '-b', b, id]);
    t.equal(r.status, 0, r.stderr);
    t.teardown(() => { ociTs(['--root', root, 'delete', '--force', id]); });
    const info = JSON.parse(fs.readFileSync(path.join(root, id, 'attach.json'), 'utf8'));
    t.ok(fs.existsSync(`/proc/${info.holderPid}`), 'the console holder runs');
    t.equal(fs.statSync(path.join(root, id, 'attach.json')).mode & 0o777, 0o600);
    const attachCmd = `${process.execPath} ${bin} --root ${root} attach ${id}; echo ATTACH-EXIT=$?; sleep 60`;

    t.equal(tmux('new-session', '-d', '-s', 'one', '-x', '100', '-y', '30', attachCmd).status, 0);
    await sleep(300);
    tmux('send-keys', '-t', 'one', 'echo marker-$((6*7)); stty size', 'Enter');
    t.ok(await waitFor('one', /^marker-42$/m), 'typed input runs in the container, its output comes back');
    t.ok(await waitFor('one', /^30 100$/m), 'the pty has the attached terminal\'s size');
    tmux('send-keys', '-t', 'one', 'C-p', 'C-q');
    t.ok(await waitFor('one', /ATTACH-EXIT=0/), 'ctrl-p ctrl-q detaches');
    t.equal(JSON.parse(ociTs(['--root', root, 'state', id]).stdout).status, 'running', 'the container keeps running');

    t.equal(tmux('new-session', '-d', '-s', 'two', '-x', '80', '-y', '20', attachCmd).status, 0);
    await sleep(300);
    tmux('send-keys', '-t', 'two', 'stty size; exit 3', 'Enter');
    t.ok(await waitFor('two', /^20 80$/m), 'a second attach, resized to its terminal');
    t.ok(await waitFor('two', /ATTACH-EXIT=0/), 'attach ends when the container exits');
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) { gone = !fs.existsSync(`/proc/${info.holderPid}`); if (!gone) await sleep(50); }
    t.ok(gone, 'the holder exits with the container');
    t.equal(JSON.parse(ociTs(['--root', root, 'state', id]).stdout).status, 'stopped');
    t.equal(ociTs(['--root', root, 'delete', id]).status, 0);
    t.same(cgroupLeftovers(id), []);
  });

  t.test('run in the foreground with a terminal: typed input reaches the container, size and exit code', async (t) => {
    const id = uniqueId('fg');
    const b = makeBundle(path.join(dir, 'b3'), (c) => { c.process.terminal = true; c.process.args = ['sh']; });
    t.teardown(() => { ociTs(['--root', root, 'delete', '--force', id]); });
    t.equal(tmux('new-session', '-d', '-s', 'fg', '-x', '90', '-y', '25', `${process.execPath} ${bin} --root ${root} run -b ${b} ${id}; echo RUN-EXIT=$?; sleep 60`).status, 0);
    t.ok(await waitFor('fg', /^\/ #/m), 'the shell prompt');
    tmux('send-keys', '-t', 'fg', 'echo typed-$((3+4)); stty size', 'Enter');
    t.ok(await waitFor('fg', /^typed-7$/m), 'typed input runs in the container');
    t.ok(await waitFor('fg', /^25 90$/m), 'the terminal size');
    tmux('send-keys', '-t', 'fg', 'exit 4', 'Enter');
    t.ok(await waitFor('fg', /RUN-EXIT=4/), 'the exit code');
  });

  t.test('attach errors: no console, missing container', async (t) => {
    const missing = ociTs(['--root', root, 'attach', 'nope']);
    t.not(missing.status, 0);
    t.match(missing.stderr, /does not exist/);
    const id = uniqueId('att');
    const b = makeBundle(path.join(dir, 'b2'), (c) => { c.process.args = ['sleep', '100']; });
    t.equal(ociTs(['--root', root, 'run', '-d', '-b', b, id]).status, 0);
    t.teardown(() => { ociTs(['--root', root, 'delete', '--force', id]); });
    const r = ociTs(['--root', root, 'attach', id]);
    t.not(r.status, 0);
    t.match(r.stderr, /has no console to attach to/);
  });
}
