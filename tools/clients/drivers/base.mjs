// What every client driver offers the scenarios. A driver maps one verb of
// the suite ("run -d", "pause", "update") onto that client's own command
// line; a verb the client does not have throws Unsupported, and the
// scenario is reported as skipped with the reason (never as passed).
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

export class Unsupported extends Error {
  constructor(reason) { super(reason); this.name = 'Unsupported'; this.code = 'CLIENT_UNSUPPORTED'; }
}

export const rid = (prefix) => `${prefix}-${randomBytes(3).toString('hex')}`;

/**
 * The rlimits the containers get. The host lacks CAP_SYS_RESOURCE, so no
 * runtime may raise a hard limit above ours (setrlimit(2): EPERM); podman's
 * defaults (nofile 1048576) would fail. Read our own hard limits from
 * /proc/self/limits and never ask for more (capped at the brief's values).
 */
export function rlimits() {
  const lim = fs.readFileSync('/proc/self/limits', 'utf8');
  const hard = (name, cap) => {
    const m = lim.match(new RegExp(`^${name}\\s+\\S+\\s+(\\S+)`, 'm'));
    const v = m && m[1] !== 'unlimited' ? Number(m[1]) : Infinity;
    return Math.min(v, cap);
  };
  return { nofile: hard('Max open files', 20000), nproc: hard('Max processes', 32768) };
}

/**
 * @typedef {{ code: number|null, stdout: string, stderr: string, ms?: number }} Result
 * @typedef {{ memory?: number, pids?: number }} Resources
 * @typedef {object} Driver
 * @property {string} name
 * @property {Record<string, string>} unsupported  verbs the client lacks (pause, kill, top, updateMemory, updatePids) and why
 * @property {(sess: import('../lib/session.mjs').Session) => Promise<void>} setup
 * @property {(cmd: string[], opts?: { seccomp?: 'default'|'unconfined', rt?: number }) => Promise<Result>} runRm  rt: index into sess.runtimes
 * @property {(cmd: string[]) => Promise<Result>} runTty
 * @property {(cmd: string[]) => Promise<string>} runDetached  returns the id
 * @property {(id: string, cmd: string[]) => Promise<Result>} exec
 * @property {(id: string, cmd: string[]) => Promise<Result>} execTty
 * @property {(id: string) => Promise<void>} pause
 * @property {(id: string) => Promise<void>} unpause
 * @property {(id: string) => Promise<'running'|'paused'|'exited'|'created'|'unknown'>} state
 * @property {(id: string, r: Resources) => Promise<void>} update
 * @property {(id: string, timeoutSec: number) => Promise<void>} stop
 * @property {(id: string, signal: string) => Promise<void>} kill
 * @property {(id: string) => Promise<void>} rmForce
 * @property {(id: string) => Promise<boolean>} exists
 * @property {(id: string) => Promise<string>} logs  what the container wrote to stdout
 * @property {(id: string) => Promise<string>} top
 * @property {(id: string) => Promise<number>} exitCode  of an exited container
 */
