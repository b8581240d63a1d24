/**
 * The usage check the full entry runs before yargs: what runc (urfave/cli on
 * Go's flag package) answers without running a command. It decides help
 * (`-h`, `--help`, `help [CMD]`, no command at all), names an unknown flag
 * (`flag provided but not defined: -bogus`, where yargs would have taken
 * the next word as its value), a flag without its value (`flag needs an
 * argument: -bundle`), an unknown command (`No help topic for 'foo'`, exit
 * 3, even with -h) and a wrong argument count (`"state" requires exactly 1
 * argument(s)`), from command-defs.ts. Everything else goes on to yargs.
 * As in Go's flag package, `-name` and `--name` are the same flag.
 */
import { APP, commandDef, findFlag, GLOBAL_FLAGS, HELP_COMMAND, type CommandDef, type FlagDef } from './command-defs.ts';
import { appHelp, commandHelp } from './help.ts';

export type UsageResult =
  | { kind: 'help'; text: string }
  /** `message` is logged as an error; `stdout` (runc's "Incorrect Usage" and help) goes to stdout. */
  | { kind: 'error'; message: string; exitCode: number; stdout?: string; globals: Record<string, string | boolean> }
  | { kind: 'ok'; args: string[] };

interface Scan {
  /** Index after the flags, or where a problem was found. */
  next: number;
  values: Record<string, string | boolean>;
  unknown?: string;
  needsArg?: string;
  help?: boolean;
}

/** Reads flags from args[from] while they are flags; `stop(i)` ends the scan before a positional. */
function scanFlags(args: string[], from: number, flags: FlagDef[], out: string[], positionals?: string[], stopAfter = Infinity): Scan {
  const values: Record<string, string | boolean> = {};
  const seenAt = new Map<string, number>();
  let i = from;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      if (!positionals) break;
      out.push(...args.slice(i));
      positionals.push(...args.slice(i + 1));
      return { next: args.length, values };
    }
    const isFlag = a.startsWith('-') && a.length > 1 && !/^-\d+$/.test(a);
    if (!isFlag) {
      if (!positionals) break;
      positionals.push(a);
      out.push(a);
      if (positionals.length >= stopAfter) {
        // The rest belongs to the program (exec's command, ps(1)'s options).
        if (i + 1 < args.length) out.push('--', ...args.slice(i + 1).filter((x, k) => k > 0 || x !== '--'));
        positionals.push(...args.slice(i + 1).filter((x, k) => k > 0 || x !== '--'));
        return { next: args.length, values };
      }
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === 'help' || name === 'h') return { next: i, values, help: true };
    const f = findFlag(flags, name);
    // yargs reads `-dt` as -d -t; Go's flag package has no such form, but oci-ts always took it.
    if (!f && !a.startsWith('--') && eq < 0 && name.length > 1 && [...name].every((ch) => flags.find((x) => x.alias === ch && x.type === 'bool'))) {
      out.push(a);
      continue;
    }
    if (!f) return { next: i, values, unknown: name };
    // Go's flag package: the last of a repeated flag wins (yargs would make an array); list flags (--env) add up.
    if (f.type !== 'strings' && f.type !== 'numbers') {
      const prev = seenAt.get(f.name);
      if (prev !== undefined) out[prev] = DROPPED;
      seenAt.set(f.name, out.length);
    }
    // Go's flag package: -name and --name are one flag; yargs needs --name (or -x for a one-letter alias).
    const spelled = f.key ? `--${f.key}` : name.length > 1 ? `--${name}` : `-${name}`;
    if (f.type === 'bool') {
      out.push(eq >= 0 ? `${spelled}=${body.slice(eq + 1)}` : spelled);
      values[f.name] = true;
      continue;
    }
    if (eq >= 0) { out.push(`${spelled}=${body.slice(eq + 1)}`); values[f.name] = body.slice(eq + 1); continue; }
    if (i + 1 >= args.length) return { next: i, values, needsArg: name };
    // `=` keeps yargs from reading a value such as `-` or `-1` as a flag.
    out.push(`${spelled}=${args[++i]}`);
    values[f.name] = args[i];
  }
  return { next: i, values };
}

/** Marks an overridden flag in the normalised args; filtered out at the end. */
const DROPPED = '\0';
const incorrect = (detail?: string) => (detail ? `Incorrect Usage: ${detail}\n\n` : 'Incorrect Usage.\n\n');
const topic = (name: string) => `No help topic for '${name}'\n`;

function countError(c: CommandDef, n: number): string | undefined {
  const { min, max } = c.args;
  const need = min === max ? (n !== min ? `exactly ${min}` : '') : n < min ? `a minimum of ${min}` : n > max ? `a maximum of ${max}` : '';
  return need ? `${APP.name}: "${c.name}" requires ${need} argument(s)` : undefined;
}

/**
 * Checks `args` as runc would. `version` is the text of help's VERSION
 * section. Returns help to print, an error, or the args normalised for yargs
 * (`-name` → `--name`, a value always attached with `=`, `--` before the
 * words that belong to a program).
 */
export function checkUsage(args: string[], version: string, width = 80): UsageResult {
  const out: string[] = [];
  const g = scanFlags(args, 0, GLOBAL_FLAGS, out);
  const globals = g.values;
  if (g.help) return { kind: 'help', text: appHelp(version, width) };
  if (g.unknown !== undefined || g.needsArg !== undefined) {
    const detail = g.unknown !== undefined ? `flag provided but not defined: -${g.unknown}` : `flag needs an argument: -${g.needsArg}`;
    return { kind: 'error', message: detail, exitCode: 1, stdout: `Incorrect Usage. ${detail}\n\n${appHelp(version, width)}`, globals };
  }
  // runc checks the log format before anything else (and logs the error as text).
  const lf = globals['log-format'];
  if (typeof lf === 'string' && lf !== 'text' && lf !== 'json') return { kind: 'error', message: `invalid log-format: ${lf}`, exitCode: 1, globals: {} };
  let i = g.next;
  const cmd = args[i];
  if (cmd === undefined) {
    if (globals.version) return { kind: 'ok', args: out.filter((a) => a !== DROPPED) };
    return { kind: 'help', text: appHelp(version, width) };
  }
  if (cmd === HELP_COMMAND.name || cmd === HELP_COMMAND.alias) {
    const name = args[i + 1];
    if (name === undefined) return { kind: 'help', text: appHelp(version, width) };
    const c = commandDef(name);
    if (!c || c.hidden) return { kind: 'error', message: topic(name), exitCode: 3, globals };
    return { kind: 'help', text: commandHelp(c, width) };
  }
  const c = commandDef(cmd);
  if (!c) return { kind: 'error', message: topic(cmd), exitCode: 3, globals };
  out.push(cmd);
  const positionals: string[] = [];
  const s = scanFlags(args, i + 1, c.flags, out, positionals, c.stopAtId ? 1 : Infinity);
  if (s.help) return { kind: 'help', text: commandHelp(c, width) };
  if (s.unknown !== undefined || s.needsArg !== undefined) {
    const detail = s.unknown !== undefined ? `flag provided but not defined: -${s.unknown}` : `flag needs an argument: -${s.needsArg}`;
    return { kind: 'error', message: detail, exitCode: 1, stdout: incorrect(detail) + commandHelp(c, width), globals };
  }
  const bad = countError(c, positionals.length);
  if (bad) return { kind: 'error', message: bad, exitCode: 1, stdout: incorrect() + commandHelp(c, width), globals };
  return { kind: 'ok', args: out.filter((a) => a !== DROPPED) };
}
