/**
 * `exec [flags] ID [ARGS...]` (runc exec). Without --detach it forwards
 * signals to the process and returns its exit code (128+signal when killed);
 * with --detach it returns once the process runs (and writes --pid-file).
 */
import path from 'node:path';
import { proxyPty } from '../console-proxy.ts';
import { exec, writePidFile } from '../exec.ts';
import { causeChain, OciError } from '../errors.ts';
import { containerId, store, type CommandContext } from './context.ts';
import { MAX_CONFIG_BYTES, readBounded, readRegularFile } from '../files.ts';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function readProcess(ctx: CommandContext, file: string) {
  let text: string;
  try {
    const o = { what: 'read --process', maxBytes: MAX_CONFIG_BYTES };
    text = file === '-' ? readBounded(ctx.stdio.stdin, 'stdin', o) : readRegularFile(path.resolve(ctx.cwd, file), o);
  } catch (e) {
    throw new OciError('EPROCESS', (e as Error).message, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new OciError('EPROCESS', `parsing --process ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** runc exec reports every failure to start the process as `exec failed: ...` and exits 255 (runc exec.go). */
function execFailed(e: unknown): OciError {
  const inner = e as { code?: unknown; errno?: number; step?: string };
  const code = typeof inner?.code === 'string' ? inner.code : 'EEXEC';
  return Object.assign(new OciError(code, `exec failed: ${causeChain(e).join(': ')}`, { errno: inner?.errno, step: inner?.step }), { exitCode: 255 });
}

async function startProcess(ctx: CommandContext) {
  const a = ctx.argv;
  const id = containerId(ctx);
  const detach = !!a.detach;
  const args = list(a.command).concat(list(a._).slice(1));
  const process_ = a.process ? readProcess(ctx, String(a.process)) : undefined;
  if (process_) {
    // The Process schema (config.md "Process") from @oci/spec: a minimal config around it, only /process problems count.
    const spec = await import('@oci/spec');
    const r = spec.validateConfig({ ociVersion: spec.OCI_VERSION, root: { path: 'rootfs' }, process: process_ });
    const bad = r.problems.filter((e) => e.pointer.startsWith('/process'));
    if (bad.length) throw new OciError('EPROCESS', `invalid --process: ${bad.map((e) => `${e.pointer}: ${e.message}`).join('; ')}`);
  }
  const started = await exec({
    store: store(ctx),
    id,
    cwd: ctx.cwd,
    logger: ctx.logger,
    process: process_,
    args,
    tty: a.tty ? true : undefined,
    consoleSocket: a['console-socket'] || undefined,
    processCwd: a.cwd || undefined,
    env: list(a.env),
    user: a.user || undefined,
    additionalGids: list(a['additional-gids']).map(Number),
    caps: list(a.cap),
    noNewPrivs: !!a['no-new-privs'],
    apparmor: a.apparmor || undefined,
    processLabel: a['process-label'] || undefined,
    preserveFds: Number(a['preserve-fds'] ?? 0),
    cgroup: list(a.cgroup),
    ignorePaused: !!a['ignore-paused'],
    stdio: [ctx.stdio.stdin, ctx.stdio.stdout, ctx.stdio.stderr],
    foreground: !detach,
    terminalSize: process.stdout.isTTY && ctx.stdio.stdout === 1 ? { rows: process.stdout.rows, columns: process.stdout.columns } : undefined,
  });
  if (a['pid-file']) writePidFile(path.resolve(ctx.cwd, String(a['pid-file'])), started.pid);
  return started;
}

export async function execCommand(ctx: CommandContext): Promise<number> {
  let started: Awaited<ReturnType<typeof startProcess>>;
  try {
    started = await startProcess(ctx);
  } catch (e) {
    throw execFailed(e);
  }
  if (ctx.argv.detach) return 0;
  const forward = (sig: NodeJS.Signals) => { try { process.kill(started.pid, sig); } catch { /* exited */ } };
  for (const s of FORWARDED) process.on(s, forward);
  const stopConsole = started.consoleMaster !== undefined ? proxyPty(started.consoleMaster, ctx.stdio) : undefined;
  try {
    const r = await started.exit!;
    return r.signal ? 128 + r.signal : r.exitCode ?? 0;
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
    await stopConsole?.();
  }
}
