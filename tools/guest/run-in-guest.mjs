// run-in-guest [options] [--] CMD [ARGS...]
// Runs CMD in a pure cgroup v2 Linux guest (QEMU) in the checkout, prints its
// output and exits with its status. See tools/guest/README.md.
import path from 'node:path';
import fs from 'node:fs';
import { buildGuest, cacheDir, repoRoot } from './build.mjs';
import { chooseAccel } from './accel.mjs';
import { runInGuest } from './qemu.mjs';
import { GuestError } from './errors.mjs';

const USAGE = `usage: run-in-guest [options] [--] CMD [ARGS...]
  --timeout SEC   the command's time limit in the guest (default 300); exit 124 when hit
  --env K=V       set a variable for the command (repeatable); OCI_TS_*, CI, TAP_* pass through
  --cwd DIR       where the command runs, inside the checkout (default: the current
                  directory if inside the checkout, else the checkout)
  --accel A       tcg, kvm or auto (default auto: KVM only when a probe boot worked;
                  also OCI_TS_GUEST_ACCEL)
  --memory SIZE   guest memory (default 512M)
  --cpus N        guest CPUs (default 2)
  --repo-cache M  9p cache mode of the checkout: loose (default: fast, the guest does
                  not see host changes made during the run) or mmap (writes through at once)
  --disk MIB      attach an empty scratch disk of MIB MiB as /dev/vda (io controller tests)
  --verbose       also show the guest's console (boot, power-off)
  --timings       print boot, command and total seconds on stderr
  --systemd       boot systemd as PID 1 and run the command as a service (tools/guest/systemd)
exit status: the command's; 124 on timeout; 125 when the guest failed (no status);
130 on SIGINT, 143 on SIGTERM.`;

/**
 * @param {string[]} argv
 * @returns {Promise<number>}
 */
export async function main(argv) {
  /** @type {Record<string, string>} */
  const env = {};
  let timeoutSec = 300, cwd, accel = 'auto', memory, cpus, diskMiB, repoCache = 'loose', verbose = false, timings = false, systemd = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new GuestError('GUEST_USAGE', `${a} needs a value`);
      return argv[++i];
    };
    if (a === '--') { i++; break; }
    if (!a.startsWith('-')) break;
    if (a === '--timeout') timeoutSec = Number(val());
    else if (a === '--env') {
      const kv = val(), eq = kv.indexOf('=');
      if (eq < 1) throw new GuestError('GUEST_USAGE', `--env wants K=V, got ${kv}`);
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--cwd') cwd = val();
    else if (a === '--accel') accel = val();
    else if (a === '--memory') memory = val();
    else if (a === '--cpus') cpus = Number(val());
    else if (a === '--disk') diskMiB = Number(val());
    else if (a === '--repo-cache') repoCache = val();
    else if (a === '--verbose') verbose = true;
    else if (a === '--timings') timings = true;
    else if (a === '--systemd') systemd = true;
    else if (a === '-h' || a === '--help') { process.stdout.write(USAGE + '\n'); return 0; }
    else throw new GuestError('GUEST_USAGE', `unknown option ${a}`);
  }
  const cmd = argv.slice(i);
  if (!cmd.length) throw new GuestError('GUEST_USAGE', 'no command given');
  if (!(timeoutSec > 0)) throw new GuestError('GUEST_USAGE', '--timeout wants a positive number of seconds');
  if (diskMiB !== undefined && !(Number.isInteger(diskMiB) && diskMiB > 0)) throw new GuestError('GUEST_USAGE', '--disk wants a size in MiB');
  if (cpus !== undefined && !(Number.isInteger(cpus) && cpus > 0)) throw new GuestError('GUEST_USAGE', '--cpus wants a positive integer');
  if (repoCache !== 'loose' && repoCache !== 'mmap') throw new GuestError('GUEST_USAGE', '--repo-cache wants loose or mmap');
  if (!['auto', 'tcg', 'kvm'].includes(accel)) throw new GuestError('GUEST_USAGE', '--accel wants tcg, kvm or auto');

  const log = (m) => process.stderr.write(`run-in-guest: ${m}\n`);
  const image = buildGuest({ log });
  if (timings) log(`image ${image.built ? 'built' : 'cached'} in ${image.seconds.toFixed(2)} s`);
  const here = path.resolve(cwd ?? process.cwd());
  const inRepo = here === repoRoot || here.startsWith(repoRoot + path.sep);
  if (cwd !== undefined && !inRepo) throw new GuestError('GUEST_USAGE', `--cwd ${cwd} is outside the checkout ${repoRoot}`);
  const shared = path.resolve(repoRoot, '../shared');
  const chosen = accel === 'auto' ? await chooseAccel({ image, repo: repoRoot, cacheDir, log }) : /** @type {'tcg' | 'kvm'} */ (accel);

  const ac = new AbortController();
  let signalled = 0;
  const onSignal = (sig) => { signalled = sig === 'SIGINT' ? 130 : 143; ac.abort(); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const r = await runInGuest({
      image, argv: cmd, repo: repoRoot, cwd: inRepo ? here : repoRoot,
      shared: fs.existsSync(shared) ? shared : undefined,
      env, timeoutSec, accel: chosen, memory, cpus, diskMiB, repoCache: /** @type {'loose' | 'mmap'} */ (repoCache), systemd, signal: ac.signal,
      log,
      onOutput: (b) => process.stdout.write(b),
      onConsole: verbose ? (b) => process.stderr.write(b) : undefined,
    });
    if (r.timedOut) log(`the command timed out after ${timeoutSec} s`);
    if (timings) log(`accel ${chosen}: boot ${r.bootSeconds.toFixed(2)} s, command ${r.commandSeconds.toFixed(2)} s, total ${r.totalSeconds.toFixed(2)} s`);
    return r.status;
  } catch (e) {
    if (signalled) return signalled;
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    if (e instanceof GuestError) {
      process.stderr.write(`run-in-guest: ${e.message}\n`);
      if (e.code === 'GUEST_USAGE') process.stderr.write(USAGE + '\n');
      process.exitCode = e.code === 'GUEST_USAGE' ? 2 : 125;
    } else {
      process.stderr.write(`run-in-guest: ${e instanceof Error ? e.stack : e}\n`);
      process.exitCode = 125;
    }
  },
);
