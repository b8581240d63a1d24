/**
 * The one way the runtime reads a file it is handed (config.json, state.json,
 * --process, update -r, attach.json): open without blocking, refuse anything
 * but a regular file after fstat(2) on the opened fd, and read at most a
 * bound. A config.json that is /dev/zero, a FIFO or a 10 GB file, or a
 * state.json replaced by a device, must fail with one line, not read until
 * memory runs out or hang `list` for every container (issue 13).
 */
import fs from 'node:fs';
import { errnoText, OciError } from './errors.ts';

/** Bounds: far above any real config (a large seccomp profile is ~100 KiB). */
export const MAX_CONFIG_BYTES = 16 << 20;
export const MAX_STATE_BYTES = 16 << 20;

/**
 * "<what> <file>: <reason>" with `code` the errno name (ENOENT, ENOSPC...) so
 * callers can still branch on it, and errno set.
 */
export function fileError(e: unknown, what: string, file: string): OciError {
  const err = e as NodeJS.ErrnoException;
  const errno = typeof err?.errno === 'number' ? Math.abs(err.errno) || undefined : undefined;
  return new OciError(err?.code ?? 'EIO', `${what} ${file}: ${errnoText(e)}`, { cause: e, errno });
}

export interface ReadOptions {
  /** Names the file in errors: "read config" → "read config /b/config.json: ...". */
  what: string;
  maxBytes: number;
  /** O_NOFOLLOW: the runtime's own files (state.json) are never symlinks. */
  noFollow?: boolean;
}

/**
 * Reads a regular file as UTF-8, bounded. Errors are OciErrors whose `code`
 * is the errno name for open(2) failures (ENOENT...), 'ENOTREGULAR' for a
 * directory, FIFO, socket or device, 'ETOOLARGE' past the bound.
 */
export function readRegularFile(file: string, o: ReadOptions): string {
  let fd: number;
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY | (o.noFollow ? fs.constants.O_NOFOLLOW : 0);
  try {
    fd = fs.openSync(file, flags);
  } catch (e) {
    throw fileError(e, o.what, file);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
      throw new OciError('ENOTREGULAR', `${o.what} ${file}: is ${kind}, not a regular file`);
    }
    return readBounded(fd, file, o);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads an fd the caller opened (stdin for `-`), bounded, whatever it is. */
export function readBounded(fd: number, file: string, o: ReadOptions): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(1 << 16, o.maxBytes + 1 - total));
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') { sleep(5); continue; }
      throw fileError(e, o.what, file);
    }
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > o.maxBytes) throw new OciError('ETOOLARGE', `${o.what} ${file}: larger than ${o.maxBytes} bytes`);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number) { Atomics.wait(sleepBuf, 0, 0, ms); }
