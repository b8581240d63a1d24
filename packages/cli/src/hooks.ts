/**
 * Runs the hooks the runtime itself runs (config.md "POSIX-platform Hooks"):
 * prestart and createRuntime (create, in the runtime namespace), poststart
 * (after start), poststop (at delete). Each gets the container state JSON on
 * stdin, exactly its own `args` (args[0] as argv[0]) and `env` (nothing
 * inherited), and is killed after `timeout` seconds.
 */
import { debugOn, since } from './debug-log.ts';
import { OciError } from './errors.ts';
import type { Logger } from './log.ts';
import type { HookSpec } from './state.ts';

export class HookError extends OciError {
  readonly hook: string;
  constructor(kind: string, hook: HookSpec, message: string, cause?: unknown) {
    super('EHOOK', `${kind} hook ${hook.path}: ${message}`, { cause });
    this.name = 'HookError';
    this.hook = hook.path;
  }
}

export async function runHook(kind: string, hook: HookSpec, stateJson: string, logger?: Logger): Promise<void> {
  if (!debugOn(logger)) return runHookOnce(kind, hook, stateJson);
  const t0 = performance.now();
  logger.debug(`hook ${kind}: run`, { path: hook.path, args: hook.args ?? [hook.path], timeout: hook.timeout });
  try {
    await runHookOnce(kind, hook, stateJson);
    logger.debug(`hook ${kind}: done`, { path: hook.path, status: 0, ms: since(t0) });
  } catch (e) {
    logger.debug(`hook ${kind}: failed`, { path: hook.path, error: (e as Error).message, ms: since(t0) });
    throw e;
  }
}

async function runHookOnce(kind: string, hook: HookSpec, stateJson: string): Promise<void> {
  // Loaded here, not at the top: node:child_process pulls in net and streams
  // (~7 ms of start-up) and most calls of start/delete run no hook.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const args = hook.args && hook.args.length ? hook.args : [hook.path];
    const env: Record<string, string> = {};
    for (const kv of hook.env ?? []) {
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const child = spawn(hook.path, args.slice(1), { argv0: args[0], env, stdio: ['pipe', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => { if (out.length < 4096) out += d.toString(); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    // A hook that exits without reading stdin makes the write fail with EPIPE: not an error of the hook.
    child.stdin!.on('error', () => {});
    child.stdin!.end(stateJson);
    if (hook.timeout) {
      timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, hook.timeout * 1000);
    }
    child.on('error', (e) => { if (timer) clearTimeout(timer); reject(new HookError(kind, hook, e.message, e)); });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const tail = out.trim() ? `: ${out.trim()}` : '';
      if (timedOut) reject(new HookError(kind, hook, `timed out after ${hook.timeout}s`));
      else if (signal) reject(new HookError(kind, hook, `killed by ${signal}${tail}`));
      else if (code !== 0) reject(new HookError(kind, hook, `exit status ${code}${tail}`));
      else resolve();
    });
  });
}

/** Runs hooks in order; the first failure stops the rest and is thrown. */
export async function runHooks(kind: string, hooks: HookSpec[] | undefined, stateJson: string, logger?: Logger): Promise<void> {
  for (const h of hooks ?? []) await runHook(kind, h, stateJson, logger);
}

/** Runs every hook; failures are returned (poststart/poststop only warn, runtime.md "Lifecycle" steps 8 and 12). */
export async function runHooksCollect(kind: string, hooks: HookSpec[] | undefined, stateJson: string, logger?: Logger): Promise<Error[]> {
  const errors: Error[] = [];
  for (const h of hooks ?? []) {
    try { await runHook(kind, h, stateJson, logger); } catch (e) { errors.push(e as Error); }
  }
  return errors;
}
