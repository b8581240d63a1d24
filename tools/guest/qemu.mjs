// Boots the guest under QEMU, runs one command in it and returns its exit
// status. The command, its working directory and environment go in through a
// per-run folder shared over 9p (tag "run"); the exit status comes back the
// same way; the output comes over the serial console between two markers
// that carry a per-run nonce, so the command cannot fake them by accident.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GuestError } from './errors.mjs';
import { hasCommand } from './host.mjs';

/** Environment variables passed from the caller into the guest. */
const FORWARD_ENV = /^(OCI_TS_|CI$|TAP_|NODE_OPTIONS$|DEBUG$|RUST_BACKTRACE$|LANG$|LC_ALL$|TZ$|TERM$)/;

/** @param {string} s a word for /bin/sh, single-quoted (POSIX sh 2.2.2) */
export const shQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * @typedef {object} RunOptions
 * @property {{ kernel: string, initrd: string }} image from buildGuest()
 * @property {string[]} argv the command and its arguments
 * @property {string} repo the checkout, shared read-write at the same path
 * @property {string} [cwd] where the command runs (inside repo; default repo)
 * @property {string} [shared] a folder shared read-only at the same path (../shared)
 * @property {Record<string, string>} [env] extra environment for the command
 * @property {number} [timeoutSec] the command's time limit in the guest (default 300)
 * @property {number} [bootTimeoutSec] time from QEMU's start to the command's start (default 120)
 * @property {number} [bootRetries] boots to retry after a boot timeout (default 1): a rare hang
 *   during boot under heavy host load must not cost a CI run; nothing has run yet, so a retry is safe
 * @property {'tcg' | 'kvm'} [accel]
 * @property {string} [memory] default 512M
 * @property {number} [cpus] default 2
 * @property {number} [diskMiB] attach an empty scratch disk of this size (/dev/vda) for io controller tests
 * @property {'mmap' | 'loose'} [repoCache] 9p cache mode of the checkout (default loose, see init.sh)
 * @property {boolean} [systemd] boot systemd as PID 1 and run the command as a service (systemd/boot.sh)
 * @property {(msg: string) => void} [log] notes about the run (a boot retried)
 * @property {string[]} [qemuArgs] extra QEMU arguments (experiments, devices)
 * @property {(chunk: Buffer) => void} [onOutput] the command's output, as it comes
 * @property {(chunk: Buffer) => void} [onConsole] everything else on the console (boot, power-off)
 * @property {AbortSignal} [signal] aborts the run (kills QEMU)
 */

/**
 * @typedef {{ status: number, timedOut: boolean, bootSeconds: number,
 *   commandSeconds: number, totalSeconds: number }} RunResult
 */

/**
 * Splits the console stream into boot text, the command's output and
 * power-off text, holding back just enough bytes to never split a marker.
 */
export class ConsoleSplitter {
  /**
   * @param {string} start @param {string} end marker lines (without newline)
   * @param {{ output: (b: Buffer) => void, console: (b: Buffer) => void, onStart?: () => void }} sinks
   */
  constructor(start, end, sinks) {
    this.markers = [Buffer.from(`${start}\n`), Buffer.from(`${end}\n`)];
    this.sinks = sinks;
    /** 0: booting, 1: command running, 2: command done */
    this.phase = 0;
    this.pending = Buffer.alloc(0);
    /** @type {number | undefined} */ this.startedAt = undefined;
    /** @type {number | undefined} */ this.endedAt = undefined;
  }

  /** @param {Buffer} chunk */
  write(chunk) {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.phase < 2) {
      const marker = this.markers[this.phase];
      const sink = this.phase === 0 ? this.sinks.console : this.sinks.output;
      const i = this.pending.indexOf(marker);
      if (i < 0) {
        const keep = Math.min(this.pending.length, marker.length - 1);
        if (this.pending.length > keep) sink(this.pending.subarray(0, this.pending.length - keep));
        this.pending = this.pending.subarray(this.pending.length - keep);
        return;
      }
      if (i > 0) sink(this.pending.subarray(0, i));
      this.pending = this.pending.subarray(i + marker.length);
      if (this.phase === 0) { this.startedAt = performance.now(); this.sinks.onStart?.(); }
      else this.endedAt = performance.now();
      this.phase++;
    }
    if (this.pending.length) this.sinks.console(this.pending);
    this.pending = Buffer.alloc(0);
  }

  end() {
    if (!this.pending.length) return;
    (this.phase === 1 ? this.sinks.output : this.sinks.console)(this.pending);
    this.pending = Buffer.alloc(0);
  }
}

/** QEMU's option syntax: a comma inside a value is written twice (qemu(1)). */
const qemuValue = (s) => s.replace(/,/g, ',,');

/**
 * The QEMU command line. -no-reboot turns the guest's final reboot and any
 * panic (panic=-1 reboots at once) into QEMU exiting.
 * @param {RunOptions} o @param {string} runDir
 */
export function qemuArgs(o, runDir) {
  const accel = o.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi';
  const append = [
    'console=ttyS0', 'quiet', 'loglevel=3', 'panic=-1', 'rdinit=/init',
    // No v1 hierarchy may claim a controller: everything on the v2 tree.
    'cgroup_no_v1=all',
    // A few 2 MiB huge pages so the hugetlb controller has something to limit.
    'hugepages=8',
    // Skip work that only costs time under emulation (measured with
    // initcall_debug): the crypto self-tests (~1.8 s), parsing the built-in
    // X.509 certificates (~0.9 s; the modules are unsigned anyway) and the
    // kdf108 self-test, and ACPI PCI interrupt routing (~15% of the boot's
    // CPU time; the BIOS's $PIR table is enough for virtio-pci).
    'cryptomgr.notests', 'initcall_blacklist=load_system_certificate_list,crypto_kdf108_init,init_encrypted',
    'pci=noacpi', 'mitigations=off', 'nowatchdog', 'tsc=reliable', 'no_timer_check', 'i8042.noaux', 'i8042.nokbd',
    'random.trust_cpu=on',
    // Extra kernel parameters for debugging, e.g. OCI_TS_GUEST_APPEND=loglevel=7.
    process.env.OCI_TS_GUEST_APPEND ?? '',
  ].filter(Boolean).join(' ');
  const share = (tag, dir, ro) => [
    '-fsdev', `local,id=fs_${tag},path=${qemuValue(dir)},security_model=passthrough${ro ? ',readonly=on' : ''}`,
    '-device', `virtio-9p-pci,fsdev=fs_${tag},mount_tag=${tag}`,
  ];
  return [
    '-nodefaults', '-no-user-config', '-nographic', '-no-reboot',
    '-machine', 'pc', '-accel', accel, '-cpu', o.accel === 'kvm' ? 'host' : 'max',
    '-m', o.memory ?? '512M', '-smp', String(o.cpus ?? 2),
    '-kernel', o.image.kernel, '-initrd', o.image.initrd, '-append', append,
    '-serial', 'stdio', '-monitor', 'none',
    ...share('run', runDir, false),
    ...share('usr', '/usr', true),
    ...share('etc', '/etc', true),
    ...share('repo', o.repo, false),
    ...(o.shared ? share('shared', o.shared, true) : []),
    // cache=unsafe: the scratch disk is thrown away with the run folder.
    ...(o.diskMiB ? ['-drive', `file=${qemuValue(path.join(runDir, 'disk.img'))},if=none,id=scratch,format=raw,cache=unsafe`,
      '-device', 'virtio-blk-pci,drive=scratch'] : []),
    ...(o.qemuArgs ?? []),
  ];
}

/**
 * Boots the guest, runs o.argv and resolves with its exit status (124 when
 * the guest-side timeout killed it). Rejects with GuestError when the guest
 * did not report a status (failed boot, host timeout, abort).
 * @param {RunOptions} o
 * @returns {Promise<RunResult>}
 */
export async function runInGuest(o) {
  if (!o.argv.length) throw new GuestError('GUEST_NO_COMMAND', 'no command to run');
  if (!hasCommand('qemu-system-x86_64')) throw new GuestError('GUEST_NO_QEMU', 'qemu-system-x86_64 not found (apt-get install --no-install-recommends qemu-system-x86)');
  const repo = path.resolve(o.repo);
  const cwd = path.resolve(o.cwd ?? repo);
  if (cwd !== repo && !cwd.startsWith(repo + path.sep)) throw new GuestError('GUEST_BAD_CWD', `${cwd} is outside the checkout ${repo}`);
  const timeoutSec = o.timeoutSec ?? 300;
  const nonce = crypto.randomBytes(8).toString('hex');
  const start = `@@oci-ts-guest:start:${nonce}@@`, end = `@@oci-ts-guest:end:${nonce}@@`;

  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-guest-'));
  try {
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k, v]) => FORWARD_ENV.test(k) && v !== undefined)), ...o.env, OCI_TS_IN_GUEST: '1' };
    const lines = [
      `OCI_TS_GUEST_REPO=${shQuote(repo)}`,
      `OCI_TS_GUEST_CWD=${shQuote(cwd)}`,
      `OCI_TS_GUEST_SHARED=${shQuote(o.shared ? path.resolve(o.shared) : '')}`,
      `OCI_TS_GUEST_REPO_CACHE=${o.repoCache ?? 'loose'}`,
      `OCI_TS_GUEST_TIMEOUT=${Math.max(1, Math.ceil(timeoutSec))}`,
      `OCI_TS_GUEST_START_MARKER=${shQuote(start)}`,
      `OCI_TS_GUEST_END_MARKER=${shQuote(end)}`,
      `OCI_TS_GUEST_INIT=${o.systemd ? 'systemd' : ''}`,
      ...Object.entries(env).filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)).map(([k, v]) => `export ${k}=${shQuote(String(v))}`),
    ];
    fs.writeFileSync(path.join(runDir, 'env.sh'), lines.join('\n') + '\n');
    if (o.diskMiB) {
      const fd = fs.openSync(path.join(runDir, 'disk.img'), 'w', 0o600);
      try { fs.ftruncateSync(fd, o.diskMiB * 1024 * 1024); } finally { fs.closeSync(fd); }
    }
    fs.writeFileSync(path.join(runDir, 'cmd.sh'), `exec ${o.argv.map(shQuote).join(' ')}\n`);

    for (let attempt = 0; ; attempt++) {
      try {
        return await bootOnce(o, runDir, start, end, timeoutSec);
      } catch (e) {
        if (!(e instanceof GuestError) || e.code !== 'GUEST_BOOT_TIMEOUT' || attempt >= (o.bootRetries ?? 1)) throw e;
        o.log?.(`${e.message.split('\n')[0]}; booting again`);
      }
    }
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/**
 * One boot of the guest for runInGuest (the run folder is ready).
 * @param {RunOptions} o @param {string} runDir @param {string} start @param {string} end @param {number} timeoutSec
 * @returns {Promise<RunResult>}
 */
async function bootOnce(o, runDir, start, end, timeoutSec) {
  // setpriv --pdeathsig: QEMU dies with us even when we are SIGKILLed.
  const args = qemuArgs(o, runDir);
  const [file, argv] = hasCommand('setpriv')
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', 'qemu-system-x86_64', ...args]]
    : ['qemu-system-x86_64', args];
  const t0 = performance.now();
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  /** @type {Buffer[]} */
  let tail = [];
  let tailLen = 0;
  const keepTail = (b) => {
    tail.push(Buffer.from(b)); tailLen += b.length;
    while (tailLen > 16384 && tail.length > 1) tailLen -= /** @type {Buffer} */ (tail.shift()).length;
  };
  const splitter = new ConsoleSplitter(start, end, {
    output: (b) => o.onOutput?.(b),
    console: (b) => { keepTail(b); o.onConsole?.(b); },
  });
  child.stdout.on('data', (b) => splitter.write(b));
  child.stderr.on('data', (b) => { keepTail(b); o.onConsole?.(b); });

  let hostTimedOut = false, bootTimedOut = false, aborted = false;
  const kill = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  // Two deadlines: the boot's, then the command's plus a margin for the
  // guest-side timeout to fire and the guest to stop.
  const bootTimeoutSec = o.bootTimeoutSec ?? 120;
  let timer = setTimeout(() => { bootTimedOut = true; kill(); }, bootTimeoutSec * 1000);
  splitter.sinks.onStart = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { hostTimedOut = true; kill(); }, (timeoutSec + 60) * 1000);
  };
  const onAbort = () => { aborted = true; kill(); };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  process.on('exit', kill);
  /** @type {{ code: number | null, sig: NodeJS.Signals | null }} */
  const exit = await new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new GuestError('GUEST_QEMU_FAILED', `cannot start QEMU: ${e.message}`, { cause: e })));
    child.on('close', (code, sig) => resolve({ code, sig }));
  }).finally(() => {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    process.off('exit', kill);
  });
  splitter.end();
  const t1 = performance.now();
  const output = Buffer.concat(tail).toString('utf8');
  if (aborted) throw new GuestError('GUEST_ABORTED', 'the guest run was aborted', { output });
  if (bootTimedOut) throw new GuestError('GUEST_BOOT_TIMEOUT', `the guest did not boot within ${bootTimeoutSec} s (QEMU killed); last console output:\n${output}`, { output });
  if (hostTimedOut) throw new GuestError('GUEST_TIMEOUT', `the guest did not stop within 60 s after the command's ${timeoutSec} s (QEMU killed)`, { output });
  let statusText;
  try { statusText = fs.readFileSync(path.join(runDir, 'status'), 'utf8').trim(); } catch { /* handled below */ }
  const m = statusText === undefined ? null : /^(\d+)( timeout)?$/.exec(statusText);
  if (!m) {
    const why = splitter.startedAt === undefined ? 'the guest did not boot to the command' : 'the guest stopped before reporting the exit status';
    throw new GuestError(splitter.startedAt === undefined ? 'GUEST_BOOT_FAILED' : 'GUEST_NO_STATUS',
      `${why} (QEMU exited with ${exit.code ?? exit.sig}); last console output:\n${output}`, { output });
  }
  const status = Number(m[1]);
  const started = splitter.startedAt ?? t0, ended = splitter.endedAt ?? t1;
  return {
    status,
    timedOut: m[2] !== undefined,
    bootSeconds: (started - t0) / 1000,
    commandSeconds: (ended - started) / 1000,
    totalSeconds: (t1 - t0) / 1000,
  };
}
