// Running host programs (apt-get, dpkg-deb, xz) for the guest build, with
// failures turned into GuestError so the caller sees which step broke.
import { spawnSync } from 'node:child_process';
import { GuestError } from './errors.mjs';

/**
 * Runs a program to completion and returns its stdout.
 * @param {string} file
 * @param {string[]} args
 * @param {{ cwd?: string, input?: Buffer | string, code?: string, env?: NodeJS.ProcessEnv }} [opts]
 * @returns {Buffer}
 */
export function runHost(file, args, opts = {}) {
  const r = spawnSync(file, args, {
    cwd: opts.cwd,
    input: opts.input,
    env: opts.env ?? { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 512 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (r.error) {
    const err = /** @type {NodeJS.ErrnoException} */ (r.error);
    throw new GuestError(opts.code ?? 'GUEST_HOST_COMMAND_FAILED', `${file} ${args.join(' ')}: ${err.message}`, {
      cause: err,
      errno: typeof err.errno === 'number' ? -err.errno : undefined,
    });
  }
  if (r.status !== 0) {
    const stderr = r.stderr.toString().trim().split('\n').slice(-15).join('\n');
    throw new GuestError(opts.code ?? 'GUEST_HOST_COMMAND_FAILED',
      `${file} ${args.join(' ')} exited with ${r.status ?? r.signal}${stderr ? `:\n${stderr}` : ''}`);
  }
  return r.stdout;
}

/** @param {string} name */
export function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
