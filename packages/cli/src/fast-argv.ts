/**
 * A small exact parser for the calls container managers make most
 * (`state ID`, `start ID`, `kill [--all] ID [SIG]`, `delete [--force] ID`,
 * `list [-q] [--format F]` with the global flags before them), so those never
 * load yargs (design.md "Keep the fast path open": runc answers `state` in
 * 5 ms). Anything it does not fully understand returns undefined and goes
 * to yargs, which stays the reference for syntax, help and usage errors.
 */
import { parseGlobals } from './global-argv.ts';

const COMMAND_BOOL: Record<string, Record<string, string>> = {
  state: {},
  start: {},
  kill: { all: 'all', a: 'all' },
  delete: { force: 'force', f: 'force' },
  list: { quiet: 'quiet', q: 'quiet' },
};
const COMMAND_VALUE: Record<string, Record<string, string>> = { list: { format: 'format', f: 'format' } };
const POSITIONALS: Record<string, [number, number]> = { state: [1, 1], start: [1, 1], kill: [1, 2], delete: [1, 1], list: [0, 0] };

export function fastParse(args: string[]): Record<string, any> | undefined {
  const globals = parseGlobals(args);
  if (!globals) return undefined;
  const { argv } = globals;
  let i = globals.next;
  const cmd = args[i++];
  if (!cmd || !(cmd in POSITIONALS)) return undefined;
  argv._ = [cmd];
  // yargs' defaults for these commands' options.
  if (cmd === 'kill') argv.all = false;
  if (cmd === 'delete') argv.force = false;
  if (cmd === 'list') { argv.quiet = false; argv.format = 'table'; }
  const pos: string[] = [];
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { pos.push(...args.slice(i + 1)); break; }
    if (a.startsWith('-') && a.length > 1 && !/^-\d+$/.test(a)) {
      const body = a.replace(/^--?/, '');
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const b = COMMAND_BOOL[cmd][name];
      const v = COMMAND_VALUE[cmd]?.[name];
      if (b && eq < 0) argv[b] = true;
      else if (v) { const val = eq >= 0 ? body.slice(eq + 1) : args[++i]; if (val === undefined) return undefined; argv[v] = val; }
      else return undefined;
    } else {
      pos.push(a);
    }
  }
  const [min, max] = POSITIONALS[cmd];
  if (pos.length < min || pos.length > max) return undefined;
  if (cmd !== 'list') argv.id = pos[0];
  if (cmd === 'kill') argv.signal = pos[1] ?? 'SIGTERM';
  return argv;
}
