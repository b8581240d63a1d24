/**
 * The parent side of the init sync protocol (docs/init-program.md):
 * newline-delimited JSON over the stream socket `syncFd`.
 *
 * | child → parent                      | parent → child                                    |
 * |-------------------------------------|---------------------------------------------------|
 * | {"type":"idmap","pid":N}            | write setgroups, uid_map, gid_map; {"type":"ok"}  |
 * | {"type":"pid","pid":N}              | cgroups apply + set; {"type":"ok","state":{...}}  |
 * | {"type":"createRuntime"}            | prestart + createRuntime hooks; {"type":"ok"}     |
 * | {"type":"ready"}                    | none (create writes state.json and returns)       |
 * | {"type":"error","step","errno","message"} | none; the parent reports "<step>: <message>" |
 *
 * Any handler failure is answered with {"type":"error","message"} (the child
 * aborts) and thrown as an InitError naming the step.
 */
import net from 'node:net';
import { debugOn, since } from './debug-log.ts';
import { OciError } from './errors.ts';
import type { Logger } from './log.ts';

export type ChildMessage =
  | { type: 'idmap'; pid: number }
  | { type: 'pid'; pid: number }
  | { type: 'createRuntime' }
  | { type: 'ready' }
  | { type: 'error'; step: string; errno: number; message: string };

export class InitError extends OciError {
  constructor(step: string, message: string, opts: { errno?: number; cause?: unknown } = {}) {
    super('EINIT', `${step}: ${message}`, { ...opts, step });
    this.name = 'InitError';
  }
}

export interface ProtocolHandlers {
  idmap(pid: number): Promise<void> | void;
  pid(pid: number): Promise<unknown> | unknown; // returns the state JSON for hooks
  createRuntime(): Promise<void> | void;
  /** --debug: each step, when it arrived (ms since the protocol began) and how long its handler took. */
  logger?: Logger;
  id?: string;
}

/** Line reader over a socket fd. */
export class SyncChannel {
  readonly #sock: net.Socket;
  #buf = '';
  #lines: string[] = [];
  #waiter: ((v: string | null) => void) | null = null;
  #ended = false;
  #error: Error | null = null;

  constructor(fd: number) {
    this.#sock = new net.Socket({ fd, readable: true, writable: true });
    this.#sock.setEncoding('utf8');
    this.#sock.on('data', (d: string) => {
      this.#buf += d;
      let i: number;
      while ((i = this.#buf.indexOf('\n')) >= 0) {
        const line = this.#buf.slice(0, i);
        this.#buf = this.#buf.slice(i + 1);
        if (line.trim()) this.#push(line);
      }
    });
    this.#sock.on('end', () => { this.#ended = true; this.#wake(); });
    this.#sock.on('close', () => { this.#ended = true; this.#wake(); });
    this.#sock.on('error', (e) => { this.#error = e; this.#ended = true; this.#wake(); });
  }

  #push(line: string) {
    if (this.#waiter) { const w = this.#waiter; this.#waiter = null; w(line); } else this.#lines.push(line);
  }
  #wake() {
    if (this.#waiter && this.#lines.length === 0) { const w = this.#waiter; this.#waiter = null; w(null); }
  }

  /** The next message, or null at EOF. */
  async next(): Promise<ChildMessage | null> {
    let line: string | null;
    if (this.#lines.length) line = this.#lines.shift()!;
    else if (this.#ended) line = null;
    else line = await new Promise<string | null>((r) => { this.#waiter = r; });
    if (line === null) return null;
    try {
      return JSON.parse(line) as ChildMessage;
    } catch (e) {
      throw new InitError('protocol', `bad message from init: ${JSON.stringify(line.slice(0, 200))}`, { cause: e });
    }
  }

  send(msg: unknown): void {
    if (!this.#sock.destroyed) this.#sock.write(JSON.stringify(msg) + '\n');
  }

  close(): void {
    this.#sock.destroy();
  }

  get error(): Error | null { return this.#error; }
}

/**
 * Drives the protocol until "ready". Throws InitError on a child error, a
 * handler error, or EOF before ready (the child died).
 */
export async function runProtocol(ch: SyncChannel, h: ProtocolHandlers, onPid?: (pid: number) => void): Promise<{ pid: number }> {
  let initPid = 0;
  const t0 = performance.now();
  const log = debugOn(h.logger) ? h.logger : undefined;
  for (;;) {
    const msg = await ch.next();
    const t1 = performance.now();
    log?.debug(`init protocol: ${msg?.type ?? 'EOF'}`, { id: h.id, at_ms: since(t0), ...(msg && 'pid' in msg ? { pid: msg.pid } : {}), ...(msg?.type === 'error' ? { step: msg.step, errno: msg.errno } : {}) });
    if (msg === null) throw new InitError('init', 'the init process exited before it was ready' + (ch.error ? ` (${ch.error.message})` : ''));
    switch (msg.type) {
      case 'error':
        throw new InitError(msg.step || 'init', msg.message, msg.errno ? { errno: msg.errno } : {});
      case 'idmap':
        await reply(ch, 'idmap', () => h.idmap(msg.pid));
        log?.debug('init protocol: id maps written', { id: h.id, handler_ms: since(t1) });
        break;
      case 'pid':
        initPid = msg.pid;
        onPid?.(initPid);
        // processPid: the host pid of the process the init runs (the
        // container's init on create, the new process on exec), which a
        // seccomp agent gets as ContainerProcessState.pid.
        await reply(ch, 'pid', () => h.pid(msg.pid), { processPid: msg.pid });
        log?.debug('init protocol: cgroups applied', { id: h.id, handler_ms: since(t1) });
        break;
      case 'createRuntime':
        await reply(ch, 'createRuntime', () => h.createRuntime());
        log?.debug('init protocol: prestart and createRuntime hooks run', { id: h.id, handler_ms: since(t1) });
        break;
      case 'ready':
        log?.debug('init protocol: done', { id: h.id, total_ms: since(t0) });
        if (!initPid) throw new InitError('protocol', 'init was ready before reporting its pid');
        return { pid: initPid };
      default:
        ch.send({ type: 'error', message: `unexpected message ${(msg as { type: string }).type}` });
        throw new InitError('protocol', `unexpected message ${JSON.stringify(msg)}`);
    }
  }
}

async function reply(ch: SyncChannel, step: string, fn: () => unknown, withState?: { processPid: number }): Promise<void> {
  let result: unknown;
  try {
    result = await fn();
  } catch (e) {
    ch.send({ type: 'error', message: (e as Error).message });
    if (e instanceof OciError) throw e;
    const errno = (e as { errno?: number }).errno;
    throw new InitError(step, (e as Error).message, { cause: e, errno: typeof errno === 'number' ? Math.abs(errno) : undefined });
  }
  ch.send(withState ? { type: 'ok', state: result, ...withState } : { type: 'ok' });
}
