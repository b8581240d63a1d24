/**
 * Signal names and numbers (x86_64/arm64 Linux, signal(7)). `kill` accepts
 * "9", "KILL", "SIGKILL", "sigkill", and the real-time forms RTMIN+n/RTMAX-n
 * as runc does (runc/signalmap.go). "0" is valid, as for kill(2): it checks
 * that the process exists (runc parses numbers with strconv, then sends).
 */
import { OciError } from './errors.ts';

export const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16,
  SIGCHLD: 17, SIGCLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23,
  SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30,
  SIGSYS: 31,
};
const SIGRTMIN = 34, SIGRTMAX = 64;

export function parseSignal(input: string | number): number {
  if (typeof input === 'number') return checkRange(input, String(input));
  // As runc's parseSignal: strconv.Atoi first (an optional "+", no
  // whitespace: " 9" is an unknown signal), then a name.
  const s = input;
  if (/^\+?\d+$/.test(s)) return checkRange(Number(s), s);
  let name = s.toUpperCase();
  if (!name.startsWith('SIG')) name = 'SIG' + name;
  if (name in SIGNALS) return SIGNALS[name];
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const base = rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
    const n = rt[3] ? Number(rt[3]) * (rt[2] === '-' ? -1 : 1) : 0;
    return checkRange(base + n, s);
  }
  throw new OciError('EINVALIDSIGNAL', `unknown signal "${input}"`);
}

function checkRange(n: number, text: string): number {
  if (!Number.isInteger(n) || n < 0 || n > SIGRTMAX) throw new OciError('EINVALIDSIGNAL', `unknown signal "${text}"`);
  return n;
}

export function signalName(n: number): string {
  for (const [k, v] of Object.entries(SIGNALS)) if (v === n) return k;
  return `SIG${n}`;
}
