// Small process helpers for the client suite: every client command runs
// through `sh()` so each call has a timeout, captured output and a log line.
import { spawn } from 'node:child_process';

/** Raised when a command the suite depends on exits non-zero or times out. */
export class CommandError extends Error {
  /**
   * @param {string} message
   * @param {{ code: string, argv: string[], exitCode: number|null, signal: string|null, stdout: string, stderr: string }} info
   */
  constructor(message, info) {
    super(message);
    this.name = 'CommandError';
    this.code = info.code; // 'CLIENT_EXIT' | 'CLIENT_TIMEOUT' | 'CLIENT_SPAWN'
    this.argv = info.argv;
    this.exitCode = info.exitCode;
    this.signal = info.signal;
    this.stdout = info.stdout;
    this.stderr = info.stderr;
  }
}

let verbose = !!process.env.OCI_TS_CLIENTS_VERBOSE;
export function setVerbose(v) { verbose = v; }

/**
 * Runs argv[0] with argv[1..]; resolves to { code, signal, stdout, stderr, ms }.
 * With `check: true` (default) a non-zero exit rejects with CommandError.
 * @param {string[]} argv
 * @param {{ check?: boolean, timeoutMs?: number, env?: NodeJS.ProcessEnv, input?: string, cwd?: string }} [opts]
 */
export function sh(argv, opts = {}) {
  const { check = true, timeoutMs = 60_000, env, input, cwd } = opts;
  if (verbose) process.stderr.write(`# $ ${argv.map(q).join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { env: env ?? process.env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new CommandError(`cannot spawn ${argv[0]}`, { code: 'CLIENT_SPAWN', argv, exitCode: null, signal: null, stdout: '', stderr: String(e) }));
      return;
    }
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CommandError(`cannot spawn ${argv[0]}: ${e.message}`, { code: 'CLIENT_SPAWN', argv, exitCode: null, signal: null, stdout, stderr: String(e) }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const res = { code, signal, stdout, stderr, ms };
      if (verbose && (code !== 0 || timedOut)) process.stderr.write(`#   -> exit ${code}${signal ? ' ' + signal : ''}\n#   ${stderr.trim().split('\n').join('\n#   ')}\n`);
      if (timedOut) {
        reject(new CommandError(`timed out after ${timeoutMs} ms: ${argv.map(q).join(' ')}`, { code: 'CLIENT_TIMEOUT', argv, exitCode: code, signal, stdout, stderr }));
      } else if (check && code !== 0) {
        reject(new CommandError(`exit ${code ?? signal}: ${argv.map(q).join(' ')}\n${stderr.trim()}`, { code: 'CLIENT_EXIT', argv, exitCode: code, signal, stdout, stderr }));
      } else resolve(res);
    });
  });
}

/**
 * Runs a command under a pseudo-terminal with script(1), so the client sees
 * a real tty on its stdin/stdout (what `-it` needs). Returns the combined
 * terminal output with CRs removed.
 * @param {string[]} argv
 * @param {{ timeoutMs?: number, env?: NodeJS.ProcessEnv, input?: string }} [opts]
 */
export async function shTty(argv, opts = {}) {
  // script -q: no banner; -e: return the child's exit code; -c: the command;
  // /dev/null: no typescript file.
  const res = await sh(['script', '-qec', argv.map(q).join(' '), '/dev/null'], { ...opts, check: false });
  return { ...res, stdout: res.stdout.replace(/\r/g, '') };
}

/** Shell-quotes one word. */
export function q(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or timeoutMs passes. */
export async function waitFor(fn, { timeoutMs = 20_000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last instanceof Error ? ': ' + last.message : ''}`);
    await sleep(intervalMs);
  }
}
