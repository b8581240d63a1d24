/**
 * runc-compatible logging. `--log FILE` appends to FILE, otherwise stderr;
 * `--log-format json` writes runc's (logrus) JSON lines
 * `{"level":"error","msg":"...","time":"2006-01-02T15:04:05Z"}`, `text`
 * writes `time="..." level=error msg="..."`. Levels: debug (only with
 * --debug), info, warn, error. Nothing here ever writes to stdout: stdout
 * carries only the command's output (state JSON, list table...).
 */
import fs from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
const rank: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };
// logrus prints "warning" for the warn level.
const logrusName: Record<Level, string> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };

export interface LoggerOptions {
  /** Log file path; absent: the `fd` (stderr by default). */
  file?: string;
  fd?: number;
  format?: LogFormat;
  debug?: boolean;
}

/** RFC 3339 without fractional seconds, as logrus' default. */
function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class Logger {
  readonly format: LogFormat;
  readonly minLevel: Level;
  readonly toFile: boolean;
  #fd: number;
  #ownsFd: boolean;

  constructor(opts: LoggerOptions = {}) {
    this.format = opts.format ?? 'text';
    this.minLevel = opts.debug ? 'debug' : 'info';
    this.toFile = !!opts.file;
    if (opts.file) {
      this.#fd = fs.openSync(opts.file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
      this.#ownsFd = true;
    } else {
      this.#fd = opts.fd ?? 2;
      this.#ownsFd = false;
    }
  }

  log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
    if (rank[level] < rank[this.minLevel]) return;
    const time = rfc3339();
    let line: string;
    if (this.format === 'json') {
      line = JSON.stringify({ level: logrusName[level], msg, ...fields, time }) + '\n';
    } else {
      const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`).join('');
      line = `time="${time}" level=${logrusName[level]} msg=${JSON.stringify(msg)}${extra}\n`;
    }
    try { fs.writeSync(this.#fd, line); } catch { /* a closed log must not change the command's result */ }
  }

  debug(msg: string, f?: Record<string, unknown>) { this.log('debug', msg, f); }
  info(msg: string, f?: Record<string, unknown>) { this.log('info', msg, f); }
  warn(msg: string, f?: Record<string, unknown>) { this.log('warn', msg, f); }
  error(msg: string, f?: Record<string, unknown>) { this.log('error', msg, f); }

  close(): void {
    if (this.#ownsFd) { try { fs.closeSync(this.#fd); } catch { /* ignore */ } this.#ownsFd = false; }
  }
}

/** A logger that drops everything (library default). */
export const nullLogger = new (class extends Logger { override log() {} })({ fd: 2 });
