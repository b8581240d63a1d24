/**
 * Console holder and `attach` (issue 6 "Console and attach"): a container
 * started with `run -d`, a terminal and no --console-socket keeps its pty
 * master in a small holder process (`oci-ts attach-holder ID`, detached, one
 * per container). `attach ID` connects the caller's terminal to it; ctrl-p
 * ctrl-q detaches (as docker/podman); several attaches in turn, one at a time.
 *
 * Client → holder frames: 'd' u16 length + bytes (stdin), 'w' u16 rows u16
 * cols (window size). Holder → client: raw pty output.
 * The socket lives in the container's state directory (0700), or when that
 * path is too long for sun_path (108 bytes, unix(7)) in a 0700 directory
 * under /tmp; its path is recorded in `attach.json` (0600) in the state dir.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { resizePty, stdinStream, stopStdin } from './console-proxy.ts';
import { OciError } from './errors.ts';
import type { StateStore } from './state.ts';
import { readRegularFile } from './files.ts';

export const DETACH_KEYS = [0x10, 0x11]; // ctrl-p ctrl-q

interface AttachInfo { socket: string; holderPid: number }

function infoPath(store: StateStore, id: string) { return path.join(store.dir(id), 'attach.json'); }

/** FNV-1a of the path: only a readable hint in the directory name (mkdtemp makes it unique); node:crypto would cost every create ~2 ms to load. */
function pathHash(p: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < p.length; i++) h = Math.imul(h ^ p.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export function socketPathFor(store: StateStore, id: string): string {
  const p = path.join(store.dir(id), 'attach.sock');
  if (Buffer.byteLength(p) < 100) return p;
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `oci-ts-attach-${pathHash(p)}-`));
  fs.chmodSync(d, 0o700);
  return path.join(d, 'attach.sock');
}

/** Starts the holder with the master as its fd 3 and waits until it listens. */
export async function startHolder(store: StateStore, id: string, master: number, binPath: string): Promise<void> {
  const socket = socketPathFor(store, id);
  const child = spawn(process.execPath, [binPath, '--root', store.root, 'attach-holder', socket], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', master, 'pipe'],
  });
  // fd 4: the holder writes one byte once it listens.
  const ready = child.stdio[4] as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new OciError('EATTACH', 'console holder did not start')), 10_000);
    ready.once('data', () => { clearTimeout(t); resolve(); });
    child.once('exit', (code) => { clearTimeout(t); reject(new OciError('EATTACH', `console holder exited (${code})`)); });
  });
  (ready as unknown as net.Socket).destroy();
  child.unref();
  const info: AttachInfo = { socket, holderPid: child.pid! };
  fs.writeFileSync(infoPath(store, id), JSON.stringify(info), { mode: 0o600 });
}

/** The holder process body: serve the pty master (fd 3) on `socket` until the container's terminal closes. */
export async function holdConsole(socket: string, master = 3, readyFd = 4): Promise<number> {
  let client: net.Socket | undefined;
  const server = net.createServer((c) => {
    client?.destroy(); // one attach at a time: the newest wins
    client = c;
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (buf.length >= 3 && buf[0] === 0x64 /* d */) {
          const len = buf.readUInt16BE(1);
          if (buf.length < 3 + len) break;
          const payload = buf.subarray(3, 3 + len);
          for (let off = 0; off < payload.length;) off += fs.writeSync(master, payload, off);
          buf = buf.subarray(3 + len);
        } else if (buf.length >= 5 && buf[0] === 0x77 /* w */) {
          resizePty(master, buf.readUInt16BE(1), buf.readUInt16BE(3));
          buf = buf.subarray(5);
        } else if (buf.length && buf[0] !== 0x64 && buf[0] !== 0x77) {
          c.destroy();
          break;
        } else break;
      }
    });
    c.on('close', () => { if (client === c) client = undefined; });
    c.on('error', () => {});
  });
  fs.rmSync(socket, { force: true });
  await new Promise<void>((r) => server.listen(socket, r));
  fs.chmodSync(socket, 0o600);
  fs.writeSync(readyFd, '1');
  fs.closeSync(readyFd);
  const out = fs.createReadStream('', { fd: master, autoClose: false });
  await new Promise<void>((resolve) => {
    out.on('data', (d) => { if (client && !client.destroyed) client.write(d); });
    out.on('error', () => resolve()); // EIO: every slave fd is closed, the container's terminal is gone
    out.on('end', () => resolve());
  });
  client?.end();
  server.close();
  fs.rmSync(socket, { force: true });
  if (path.basename(path.dirname(socket)).startsWith('oci-ts-attach-')) fs.rmSync(path.dirname(socket), { recursive: true, force: true });
  return 0;
}

export function attachInfo(store: StateStore, id: string): AttachInfo {
  store.read(id); // "container does not exist"
  try {
    return JSON.parse(readRegularFile(infoPath(store, id), { what: 'read', maxBytes: 1 << 16, noFollow: true })) as AttachInfo;
  } catch {
    throw new OciError('ENOATTACH', `container ${id} has no console to attach to (it was not started with run -d and a terminal)`);
  }
}

export const dataFrame = (d: Buffer): Buffer[] => {
  const frames: Buffer[] = [];
  for (let off = 0; off < d.length; off += 0xffff) {
    const part = d.subarray(off, off + 0xffff);
    const h = Buffer.alloc(3); h[0] = 0x64; h.writeUInt16BE(part.length, 1);
    frames.push(h, part);
  }
  return frames;
};

export const sizeFrame = (rows: number, cols: number): Buffer => {
  const b = Buffer.alloc(5); b[0] = 0x77; b.writeUInt16BE(rows, 1); b.writeUInt16BE(cols, 3);
  return b;
};

/**
 * Connects stdin/stdout to the container's console until the container's
 * terminal closes (returns 0) or the user types ctrl-p ctrl-q (returns 0, the
 * container keeps running).
 */
export async function attach(store: StateStore, id: string, stdio: { stdin: number; stdout: number }): Promise<number> {
  const { socket } = attachInfo(store, id);
  const sock = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.createConnection({ path: socket });
    s.once('connect', () => resolve(s));
    s.once('error', (e) => reject(new OciError('EATTACH', `attaching to ${id}: ${e.message}`, { cause: e })));
  });
  const tty = stdio.stdin === 0 && process.stdin.isTTY;
  if (tty) process.stdin.setRawMode(true);
  const size = () => { if (process.stdout.isTTY) sock.write(sizeFrame(process.stdout.rows, process.stdout.columns)); };
  size();
  process.on('SIGWINCH', size);
  const input = stdinStream(stdio.stdin);
  let prev = -1;
  try {
    await new Promise<void>((resolve) => {
      input.on('data', (chunk: Buffer | string) => {
        const d = Buffer.from(chunk);
        // ctrl-p ctrl-q, also split across reads: detach without sending them.
        for (let i = 0; i < d.length; i++) {
          if (prev === DETACH_KEYS[0] && d[i] === DETACH_KEYS[1]) {
            if (i > 1) for (const f of dataFrame(d.subarray(0, i - 1))) sock.write(f);
            resolve();
            return;
          }
          prev = d[i];
        }
        for (const f of dataFrame(d)) sock.write(f);
      });
      input.on('end', () => {});
      input.on('error', () => resolve());
      sock.on('data', (d: Buffer) => { for (let off = 0; off < d.length;) off += fs.writeSync(stdio.stdout, d, off); });
      sock.on('close', () => resolve());
      sock.on('error', () => resolve());
    });
  } finally {
    process.off('SIGWINCH', size);
    if (tty) process.stdin.setRawMode(false);
    stopStdin(stdio.stdin, input);
    sock.destroy();
  }
  return 0;
}
