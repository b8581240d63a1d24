/**
 * Foreground terminal for `exec -t` without --console-socket: the caller's
 * terminal is put in raw mode, stdin is copied to the pty master and the
 * master to stdout until the process exits (the master then reads EIO), and
 * the window size follows the caller's on SIGWINCH.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';

/**
 * TIOCSWINSZ on the master sets the pair's size (tty_ioctl(4)). Node has no
 * ioctl, so stty does it with the master as its stdin (stty acts on fd 0).
 */
export function resizePty(master: number, rows: number, cols: number): void {
  if (!rows || !cols) return;
  spawnSync('stty', ['rows', String(rows), 'cols', String(cols)], { stdio: [master, 'ignore', 'ignore'] });
}

/**
 * A readable for the caller's stdin. For fd 0 this is process.stdin: once
 * Node has touched it (isTTY, setRawMode) libuv has made the fd non-blocking,
 * and a plain fs read stream on it would fail with EAGAIN.
 */
export function stdinStream(fd: number): NodeJS.ReadableStream & { destroy(): void } {
  if (fd === 0) { process.stdin.resume(); return process.stdin; }
  return fs.createReadStream('', { fd, autoClose: false });
}

export function stopStdin(fd: number, s: NodeJS.ReadableStream & { destroy(): void }): void {
  if (fd === 0) process.stdin.pause(); else s.destroy();
}

export function proxyPty(master: number, stdio: { stdin: number; stdout: number }): () => Promise<void> {
  const input = stdinStream(stdio.stdin);
  const fromPty = fs.createReadStream('', { fd: master, autoClose: false });
  const toPty = fs.createWriteStream('', { fd: master, autoClose: false });
  const tty = stdio.stdin === 0 && process.stdin.isTTY;
  if (tty) process.stdin.setRawMode(true);
  const size = () => { if (process.stdout.isTTY) resizePty(master, process.stdout.rows, process.stdout.columns); };
  size();
  process.on('SIGWINCH', size);
  input.on('error', () => {});
  toPty.on('error', () => {});
  input.pipe(toPty);
  const drained = new Promise<void>((resolve) => {
    fromPty.on('data', (chunk: string | Buffer) => { const d = Buffer.from(chunk); for (let off = 0; off < d.length;) off += fs.writeSync(stdio.stdout, d, off); });
    fromPty.on('error', () => resolve());
    fromPty.on('end', () => resolve());
  });
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    process.off('SIGWINCH', size);
    await Promise.race([drained, new Promise((r) => setTimeout(r, 1000))]);
    if (tty) process.stdin.setRawMode(false);
    input.unpipe(toPty);
    stopStdin(stdio.stdin, input);
    fromPty.destroy();
    try { fs.closeSync(master); } catch { /* closed */ }
  };
}
