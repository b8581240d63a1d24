// The command line as callers see it, without starting containers: runc's
// output shapes, error texts, exit codes, global flags in both forms, JSON logs.
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { ociTs } from './helpers.ts';
import { defaultConfig } from '@oci/spec';

t.test('state/kill/delete/start of an unknown id: "container does not exist", exit 1', (t) => {
  const root = t.testdir({});
  for (const args of [['state', 'nope'], ['kill', 'nope', 'KILL'], ['delete', 'nope'], ['start', 'nope']]) {
    const r = ociTs(['--root', root, ...args]);
    t.equal(r.status, 1, `${args[0]} exits 1`);
    t.match(r.stderr, 'container does not exist', `${args[0]} says it`);
    t.equal(r.stdout, '', 'nothing on stdout');
  }
  const r = ociTs(['--root', root, 'delete', '--force', 'nope']);
  t.equal(r.status, 0, 'delete --force of a missing container succeeds, as runc');
  t.end();
});

t.test('global flags in --x v and --x=v forms; --log-format json writes runc lines', (t) => {
  const root = t.testdir({});
  const log = path.join(root, 'log.json');
  const r = ociTs([`--root=${root}`, '--log', log, '--log-format=json', 'state', 'nope']);
  t.equal(r.status, 1);
  t.equal(r.stderr.trim(), 'container does not exist', 'plain message on stderr when logging to a file');
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.equal(lines.length, 1, 'the error is logged once');
  t.same(Object.keys(lines[0]).sort(), ['level', 'msg', 'time']);
  t.equal(lines[0].level, 'error');
  t.equal(lines[0].msg, 'container does not exist');
  t.match(lines[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const text = ociTs(['--root', root, 'state', 'nope']);
  t.match(text.stderr, /^time="[^"]+" level=error msg="container does not exist"\n$/, 'text format on stderr');
  const dbg = path.join(root, 'debug.json');
  ociTs(['--root', root, '--debug', '--log', dbg, '--log-format', 'json', 'list']);
  t.match(fs.readFileSync(dbg, 'utf8'), /"level":"debug"/, '--debug adds debug lines');
  t.end();
});

t.test('list: runc table header, json null, quiet', (t) => {
  const root = t.testdir({});
  t.equal(ociTs(['--root', root, 'list']).stdout, 'ID          PID         STATUS      BUNDLE      CREATED     OWNER\n');
  t.equal(ociTs(['--root', root, 'list', '--format', 'json']).stdout, 'null\n');
  t.equal(ociTs(['--root', root, 'list', '-q']).stdout, '');
  t.end();
});

t.test('list and state of a container whose init is gone: stopped, pid 0', (t) => {
  const root = t.testdir({ c1: {} });
  fs.chmodSync(path.join(root, 'c1'), 0o700);
  const saved = { ociVersion: '1.2.1', id: 'c1', phase: 'created', pid: 999999999, pidStartTime: '1', bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00.5Z', owner: '', cgroupPaths: {}, hooks: {}, pidNamespace: true };
  fs.writeFileSync(path.join(root, 'c1/state.json'), JSON.stringify(saved), { mode: 0o600 });
  const st = JSON.parse(ociTs(['--root', root, 'state', 'c1']).stdout);
  t.same(st, { ociVersion: '1.2.1', id: 'c1', pid: 0, status: 'stopped', bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00.5Z', owner: '' });
  const table = ociTs(['--root', root, 'list']).stdout.split('\n');
  t.match(table[1], /^c1 {10}0 {11}stopped {5}\/b {10}2026-01-01T00:00:00.5Z {3}root$/);
  const json = JSON.parse(ociTs(['--root', root, 'list', '--format=json']).stdout);
  t.equal(json[0].owner, 'root');
  t.equal(ociTs(['--root', root, 'kill', 'c1']).stderr.includes('container not running'), true, 'kill of a stopped container');
  t.equal(ociTs(['--root', root, 'start', 'c1']).stderr.includes('cannot start a container that has stopped'), true);
  const del = ociTs(['--root', root, 'delete', 'c1']);
  t.equal(del.status, 0, 'a stopped container is deleted without --force');
  t.notOk(fs.existsSync(path.join(root, 'c1')), 'its state dir is gone');
  t.end();
});

t.test('kill: bad signal names are rejected', (t) => {
  const root = t.testdir({});
  const r = ociTs(['--root', root, 'kill', 'x', 'SIGNOPE']);
  t.equal(r.status, 1);
  t.match(r.stderr, 'unknown signal');
  t.end();
});

t.test('create: missing bundle, bad config naming the field, leaves nothing behind', (t) => {
  const dir = t.testdir({
    root: {},
    bad: { 'config.json': JSON.stringify({ ociVersion: '1.2.0', root: { path: 'rootfs' }, process: { cwd: 'relative', args: ['sh'], user: { uid: 0, gid: 0 } } }) },
    notjson: { 'config.json': '{ "ociVersion": ' },
  });
  const root = path.join(dir, 'root');
  const missing = ociTs(['--root', root, 'create', '--bundle', '/nonexistent/bundle', 'c1']);
  t.equal(missing.status, 1);
  t.match(missing.stderr, /no such file or directory/);
  t.same(fs.readdirSync(root), [], 'no state dir');

  const bad = ociTs(['--root', root, 'create', '-b', path.join(dir, 'bad'), 'c2']);
  t.equal(bad.status, 1);
  t.match(bad.stderr, /cwd/, 'the message names process.cwd');
  t.same(fs.readdirSync(root), [], 'no state dir after a failed create');

  const nj = ociTs(['--root', root, 'create', '-b', path.join(dir, 'notjson'), 'c3']);
  t.equal(nj.status, 1);
  t.match(nj.stderr, /JSON|json/);
  t.same(fs.readdirSync(root), []);
  t.end();
});

t.test('create: invalid and duplicate ids', (t) => {
  const dir = t.testdir({ root: { taken: {} }, bundle: { 'config.json': JSON.stringify({ ...defaultConfig(), process: { ...defaultConfig().process!, terminal: false } }) } });
  const root = path.join(dir, 'root');
  const bad = ociTs(['--root', root, 'create', '-b', path.join(dir, 'bundle'), 'bad/id']);
  t.equal(bad.status, 1);
  t.match(bad.stderr, /invalid container id format/);
  const dup = ociTs(['--root', root, 'create', '-b', path.join(dir, 'bundle'), 'taken']);
  t.equal(dup.status, 1);
  t.match(dup.stderr, 'container with id exists: taken');
  t.ok(fs.existsSync(path.join(root, 'taken')), "the other container's dir is untouched");
  t.end();
});

t.test('spec writes the default config with tabs and refuses to overwrite it', (t) => {
  const dir = t.testdir({});
  t.equal(ociTs(['spec', '--bundle', dir]).status, 0);
  const text = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
  t.match(text, /^\{\n\t"ociVersion": /);
  const cfg = JSON.parse(text);
  t.same(cfg.process.args, ['sh']);
  t.ok(cfg.linux.namespaces.some((n: { type: string }) => n.type === 'mount'));
  const again = ociTs(['spec', '-b', dir]);
  t.equal(again.status, 1);
  t.match(again.stderr, 'File config.json exists. Remove it first');
  const rl = t.testdir({});
  ociTs(['spec', '--rootless', '--bundle', rl]);
  const rcfg = JSON.parse(fs.readFileSync(path.join(rl, 'config.json'), 'utf8'));
  t.ok(rcfg.linux.namespaces.some((n: { type: string }) => n.type === 'user'), 'rootless has a user namespace');
  t.end();
});

t.test('version and usage errors', (t) => {
  const v = ociTs(['--version']);
  t.equal(v.status, 0);
  t.match(v.stdout, /^oci-ts version \d+\.\d+\.\d+\ncommit: \S+\nspec: \d+\.\d+\.\d+\n/);
  t.equal(ociTs(['version']).stdout, v.stdout);
  const u = ociTs(['frobnicate']);
  t.equal(u.status, 3, 'an unknown command exits 3 (runc)');
  t.equal(u.stdout, '');
  const h = ociTs(['--help']);
  t.equal(h.status, 0);
  t.match(h.stdout, /create/);
  t.end();
});
