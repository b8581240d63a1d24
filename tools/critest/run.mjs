#!/usr/bin/env node
// cri-tools' critest (issue 21) through containerd's CRI: one private
// containerd from tools/clients with two runtime handlers, runc (the
// control) and oci-ts; critest runs once per handler, then a per-spec table
// runc | oci-ts. A spec fails the stage when it passes with runc and not
// with oci-ts, unless SKIPS.md lists it. Specs SKIPS.md lists are
// skipped (ginkgo -skip) for both handlers: they need a registry or a
// network this machine does not have.
//
//   node tools/critest/run.mjs [--focus REGEX] [--keep] [--critest PATH]
//
// Needs root, containerd (tools/clients/install.sh) and the critest binary
// (tools/critest/install.sh builds it into tools/.cache/critest).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Session, repoRoot } from '../clients/lib/session.mjs';
import { ensureContainerd, importImages, handlerName } from '../clients/lib/containerd.mjs';
import { buildImages } from '../clients/lib/image.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    focus: { type: 'string' },
    keep: { type: 'boolean', default: false },
    critest: { type: 'string', default: path.join(repoRoot, 'tools/.cache/critest/critest') },
    timeout: { type: 'string', default: '1500' },
  },
});
if (process.getuid?.() !== 0) { console.error('critest needs root'); process.exit(2); }
if (!fs.existsSync(values.critest)) { console.error(`${values.critest} missing: bash tools/critest/install.sh`); process.exit(2); }

/**
 * SKIPS.md: lines `- \`REGEX\`: reason`. Each regex is matched by ginkgo
 * against the full spec text (containers + leaf).
 */
export function readSkips(file = path.join(here, 'SKIPS.md')) {
  const out = [];
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^- `([^`]+)`: (.+)$/.exec(l);
    if (m) out.push({ re: m[1], reason: m[2] });
  }
  return out;
}

// Stand-ins for the images critest asks for by name, all on the busybox
// layer of tools/clients: the default test image (a shell), and web servers
// (busybox httpd) on the ports the specs fetch from.
// The multi-container log spec waits for "httpd" in the server's log.
const web = (port) => ({ Cmd: ['sh', '-c', `mkdir -p /tmp/www && echo 'hello from oci-ts critest' >/tmp/www/index.html && echo "httpd: serving on port ${port}" && exec httpd -f -p ${port} -h /tmp/www`] });
// The nginx one is also looked for by name: `pidof nginx` (HostPID spec),
// /var/run/nginx.pid and "master process" in its command line. A script's comm is its file name, so a script called
// nginx that keeps httpd as its child shows as nginx.
const nginx = {
  Cmd: ['sh', '-c', [
    'mkdir -p /tmp/www /var/run',
    "echo 'hello from oci-ts critest' >/tmp/www/index.html",
    `printf '#!/bin/sh\\necho $$ >/var/run/nginx.pid\\necho "httpd: serving on port 80"\\nhttpd -f -p 80 -h /tmp/www & wait\\n' >/tmp/nginx`,
    // ContainerPID greps /proc/1/cmdline for nginx's "master process".
    'chmod 755 /tmp/nginx', "exec /tmp/nginx 'master process'"].join(' && ')],
  ExposedPorts: { '80/tcp': {} },
};
const IMAGES = [
  ['registry.k8s.io/e2e-test-images/busybox:1.29-2', { Cmd: ['sh'] }],
  ['registry.k8s.io/e2e-test-images/nginx:1.14-2', nginx],
  ['registry.k8s.io/e2e-test-images/httpd:2.4.39-4', { ...web(80), ExposedPorts: { '80/tcp': {} } }],
  [`gcr.io/k8s-staging-cri-tools/hostnet-nginx-${process.arch === 'arm64' ? 'arm64' : 'amd64'}:latest`, web(12003)],
];

const runtimes = ['runc', path.join(repoRoot, 'packages/cli/bin/oci-ts.cjs')];
const names = ['runc', 'oci-ts'];
const skips = readSkips();
const sess = new Session({ runtime: runtimes[0], also: runtimes.slice(1), keep: values.keep });
const onSignal = async () => { await sess.close(); process.exit(130); };
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

/** Runs critest for one handler; resolves to its ginkgo JSON report. */
function critest(handler, sock, report) {
  const args = [
    `-runtime-endpoint=unix://${sock}`, `-image-endpoint=unix://${sock}`, `-runtime-handler=${handler}`,
    `-ginkgo.json-report=${report}`, '-ginkgo.no-color', '-ginkgo.timeout=' + `${values.timeout}s`,
    ...(skips.length ? [`-ginkgo.skip=${skips.map((s) => s.re).join('|')}`] : []),
    ...(values.focus ? [`-ginkgo.focus=${values.focus}`] : []),
  ];
  const log = sess.path(`critest-${handler}.log`);
  return new Promise((resolve) => {
    const fd = fs.openSync(log, 'w');
    // critest reads its config next to the binary otherwise; cwd = session.
    const child = spawn(values.critest, args, { stdio: ['ignore', fd, fd], cwd: sess.dir, env: sess.env });
    fs.closeSync(fd);
    child.on('exit', (code) => {
      let specs = [];
      try {
        for (const suite of JSON.parse(fs.readFileSync(report, 'utf8'))) {
          for (const r of suite.SpecReports ?? []) {
            if (r.LeafNodeType !== 'It') continue;
            specs.push({
              name: [...r.ContainerHierarchyTexts, r.LeafNodeText].join(' '),
              state: r.State, // passed | failed | skipped | pending | timedout | panicked | interrupted
              why: (r.Failure?.Message ?? '').split('\n')[0].slice(0, 160),
            });
          }
        }
      } catch (e) { specs = null; }
      resolve({ code, specs, log });
    });
  });
}

let rc = 1;
const t0 = Date.now();
try {
  sess.images = async () => (sess._images ??= await buildImages(sess.path('images'), IMAGES));
  const { sock } = await ensureContainerd(sess);
  await importImages(sess, 'k8s.io');
  const results = [];
  for (const [i, name] of names.entries()) {
    const t = Date.now();
    console.log(`# critest, runtime handler ${handlerName(i)} = ${name} (${runtimes[i]})`);
    const r = await critest(handlerName(i), sock, sess.path(`report-${name}.json`));
    console.log(`# ${name}: critest exited ${r.code} after ${Math.round((Date.now() - t) / 1000)} s`);
    if (!r.specs) console.log(fs.readFileSync(r.log, 'utf8').split('\n').slice(-40).join('\n'));
    results.push(r);
  }
  const [ctl, ours] = results;
  let passed = 0, failed = 0, skipped = 0;
  const byName = new Map((ours.specs ?? []).map((s) => [s.name, s]));
  const rows = [];
  for (const c of ctl.specs ?? []) {
    const o = byName.get(c.name) ?? { state: 'missing', why: 'no result' };
    let verdict;
    if (c.state === 'skipped') { verdict = 'skip'; skipped++; }
    else if (c.state !== 'passed') { verdict = 'n/a (runc fails too)'; skipped++; }
    else if (o.state === 'passed') { verdict = 'ok'; passed++; }
    else { verdict = 'FAIL'; failed++; }
    rows.push({ name: c.name, runc: c.state, ocits: o.state, verdict, why: o.state === 'passed' ? (c.state === 'passed' ? '' : c.why) : o.why });
  }
  if (!ctl.specs || !ours.specs) failed++;
  console.log('\n| spec | runc | oci-ts | verdict |\n|---|---|---|---|');
  // Specs skipped for both (SKIPS.md, --focus, benchmarks) are only counted.
  for (const r of rows.filter((x) => x.verdict !== 'skip')) console.log(`| ${r.name} | ${r.runc} | ${r.ocits} | ${r.verdict}${r.verdict !== 'ok' && r.verdict !== 'skip' && r.why ? `: ${r.why.replace(/\|/g, '/')}` : ''} |`);
  console.log(`\nskipped for both: ${rows.filter((x) => x.verdict === 'skip').length} specs (SKIPS.md: ${skips.length} patterns${values.focus ? ', --focus' : ''}); wall time ${Math.round((Date.now() - t0) / 1000)} s`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  rc = failed ? 1 : 0;
} catch (e) {
  console.log(`critest: ${e.stack ?? e}`);
  console.log('0 passed, 1 failed');
} finally {
  const problems = await sess.close();
  for (const p of problems) console.log(`# cleanup: ${p}`);
}
process.exit(rc);
