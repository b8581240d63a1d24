/**
 * The part of CRIU's log a user needs when it failed: its "Error" lines with
 * a few lines before each (runc logCriuErrors quotes the same), else the
 * last lines. Bounded: only the file's last 256 KiB are read.
 */
import fs from 'node:fs';
import { OciError } from '../errors.ts';

const MAX_READ = 256 * 1024;

export function criuLogTail(file: string, maxLines = 12): string[] {
  let text: string;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, MAX_READ);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      text = buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
  const lines = text.split('\n').filter((l) => l.length);
  const keep = new Set<number>();
  lines.forEach((l, i) => { if (l.includes('Error')) for (let j = Math.max(0, i - 2); j <= i; j++) keep.add(j); });
  const picked = keep.size ? [...keep].sort((a, b) => a - b).map((i) => lines[i]) : lines;
  return picked.slice(-maxLines);
}

/** A CRIU failure with where its log is and the lines that say why. */
export function criuFailure(err: unknown, logFile: string): OciError {
  const tail = criuLogTail(logFile);
  const base = err instanceof Error ? err.message : String(err);
  const msg = `${base}\nlog file: ${logFile}${tail.length ? `\n${tail.join('\n')}` : ''}`;
  return new OciError('ECRIU', msg, { errno: (err as OciError)?.errno });
}
