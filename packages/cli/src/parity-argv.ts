/**
 * Fast path (design.md "Keep the fast path open") for the commands container
 * managers call: create, run, exec, pause, resume, ps, events, update,
 * features (and spec, version). Loading yargs costs 30-55 ms here, more than
 * most commands themselves. Anything not fully understood returns undefined and goes to yargs,
 * which stays the reference for syntax, help and usage errors. The result
 * has the shape yargs gives (same keys and defaults).
 */
import { parseGlobals } from './global-argv.ts';
import { UPDATE_FLAGS } from './update-flags.ts';

interface CommandSpec {
  bool: Record<string, string>;
  value: Record<string, string>;
  array?: Record<string, string>;
  defaults: Record<string, unknown>;
  /** Positionals after the id go to argv._ (exec's command, ps's ps args after --). */
  rest: 'none' | 'exec' | 'after-dashdash';
  id: boolean;
}

const str = (names: string[]) => Object.fromEntries(names.map((n) => [n, n]));
const CREATE: CommandSpec = {
  bool: { 'no-pivot': 'no-pivot', 'no-new-keyring': 'no-new-keyring' },
  value: { bundle: 'bundle', b: 'bundle', 'console-socket': 'console-socket', 'pid-file': 'pid-file', 'preserve-fds': 'preserve-fds' },
  defaults: { bundle: '', 'console-socket': '', 'pid-file': '', 'no-pivot': false, 'no-new-keyring': false, 'preserve-fds': 0 },
  rest: 'none',
  id: true,
};
// checkpoint/restore (runc's criuOptions; commands/checkpoint.ts): the same keys and defaults as command-defs.ts.
const CRIU: CommandSpec = {
  bool: str(['tcp-established', 'ext-unix-sk', 'shell-job', 'file-locks', 'auto-dedup', 'lazy-pages']),
  value: str(['image-path', 'work-path', 'manage-cgroups-mode', 'empty-ns']),
  defaults: { 'image-path': '', 'work-path': '', 'tcp-established': false, 'ext-unix-sk': false, 'shell-job': false, 'file-locks': false,
    'manage-cgroups-mode': '', 'empty-ns': '', 'auto-dedup': false, 'lazy-pages': false },
  rest: 'none',
  id: true,
};
const SPECS: Record<string, CommandSpec> = {
  checkpoint: {
    ...CRIU,
    bool: { ...CRIU.bool, ...str(['leave-running', 'pre-dump']) },
    value: { ...CRIU.value, ...str(['parent-path', 'page-server']) },
    defaults: { ...CRIU.defaults, 'parent-path': '', 'leave-running': false, 'pre-dump': false, 'page-server': '', 'status-fd': -1 },
  },
  restore: {
    ...CRIU,
    bool: { ...CRIU.bool, ...str(['no-subreaper', 'no-pivot']), detach: 'detach', d: 'detach' },
    value: { ...CRIU.value, ...str(['console-socket', 'pid-file', 'lsm-profile', 'lsm-mount-context']), bundle: 'bundle', b: 'bundle' },
    defaults: { ...CRIU.defaults, bundle: '', 'console-socket': '', detach: false, 'pid-file': '', 'no-subreaper': false, 'no-pivot': false, 'lsm-profile': '', 'lsm-mount-context': '' },
  },
  create: CREATE,
  run: {
    ...CREATE,
    bool: { ...CREATE.bool, detach: 'detach', d: 'detach', keep: 'keep', 'no-subreaper': 'no-subreaper' },
    defaults: { ...CREATE.defaults, detach: false, keep: false, 'no-subreaper': false },
  },
  spec: { bool: { rootless: 'rootless' }, value: { bundle: 'bundle', b: 'bundle' }, defaults: { bundle: '', rootless: false }, rest: 'none', id: false },
  version: { bool: {}, value: {}, defaults: {}, rest: 'none', id: false },
  pause: { bool: {}, value: {}, defaults: {}, rest: 'none', id: true },
  resume: { bool: {}, value: {}, defaults: {}, rest: 'none', id: true },
  features: { bool: {}, value: {}, defaults: {}, rest: 'none', id: false },
  attach: { bool: {}, value: {}, defaults: {}, rest: 'none', id: true },
  'attach-holder': { bool: {}, value: {}, defaults: {}, rest: 'none', id: true },
  ps: { bool: {}, value: { format: 'format', f: 'format' }, defaults: { format: 'table' }, rest: 'after-dashdash', id: true },
  events: { bool: { stats: 'stats' }, value: { interval: 'interval' }, defaults: { stats: false, interval: '5s' }, rest: 'none', id: true },
  update: { bool: {}, value: { ...str(Object.keys(UPDATE_FLAGS)), resources: 'resources', r: 'resources', 'l3-cache-schema': 'l3-cache-schema', 'mem-bw-schema': 'mem-bw-schema' }, defaults: {}, rest: 'none', id: true },
  exec: {
    bool: { tty: 'tty', t: 'tty', detach: 'detach', d: 'detach', 'no-new-privs': 'no-new-privs', 'ignore-paused': 'ignore-paused' },
    value: { process: 'process', p: 'process', 'console-socket': 'console-socket', 'pid-file': 'pid-file', cwd: 'cwd', user: 'user', u: 'user', apparmor: 'apparmor', 'process-label': 'process-label', 'preserve-fds': 'preserve-fds' },
    array: { env: 'env', e: 'env', 'additional-gids': 'additional-gids', g: 'additional-gids', cap: 'cap', c: 'cap', cgroup: 'cgroup' },
    defaults: { process: '', tty: false, 'console-socket': '', detach: false, 'pid-file': '', cwd: '', env: [], user: '', 'additional-gids': [], cap: [], 'no-new-privs': false, apparmor: '', 'process-label': '', 'preserve-fds': 0, cgroup: [], 'ignore-paused': false, command: [] },
    rest: 'exec',
    id: true,
  },
};

export function parityFastParse(args: string[]): Record<string, any> | undefined {
  // `oci-ts --version` / `-v` alone (what `runc --version` callers probe with).
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
    const g = parseGlobals([]);
    return g && { ...g.argv, version: true, v: true };
  }
  const globals = parseGlobals(args);
  if (!globals) return undefined;
  const { argv } = globals;
  let i = globals.next;
  const cmd = args[i++];
  const spec = cmd ? SPECS[cmd] : undefined;
  if (!spec) return undefined;
  Object.assign(argv, structuredClone(spec.defaults));
  argv._ = [cmd];
  const pos: string[] = [];
  const seen = new Set<string>();
  let rest: string[] = [];
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { rest = args.slice(i + 1); break; }
    if (a.startsWith('-') && a.length > 1) {
      const body = a.replace(/^--?/, '');
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      if (a.startsWith('--') !== (name.length > 1)) return undefined; // -long or --x: leave to yargs
      const b = spec.bool[name];
      const v = spec.value[name] ?? spec.array?.[name];
      // A flag given twice: yargs makes an array of it (or complains); leave that to yargs.
      const key = b ?? v;
      if (key && !spec.array?.[name]) { if (seen.has(key)) return undefined; seen.add(key); }
      if (b && eq < 0) { argv[b] = true; continue; }
      if (!v) return undefined;
      const val = eq >= 0 ? body.slice(eq + 1) : args[++i];
      if (val === undefined) return undefined;
      // `--pid-file --x`: yargs may read the next word as a flag; let it decide.
      if (eq < 0 && /^-[^\d]/.test(val)) return undefined;
      if (spec.array?.[name]) argv[v].push(v === 'additional-gids' ? Number(val) : val);
      else argv[v] = v === 'preserve-fds' ? Number(val) : val;
      if (typeof argv[v] === 'number' && Number.isNaN(argv[v])) return undefined;
      if (Array.isArray(argv[v]) && argv[v].some((x: unknown) => typeof x === 'number' && Number.isNaN(x))) return undefined;
    } else {
      pos.push(a);
    }
  }
  // `run -b B -- ID` (urfave/cli: everything after "--" is an argument, so an
  // id may follow it, as runc accepts).
  if (spec.rest === 'none') { pos.push(...rest); rest = []; }
  if (pos.length !== (spec.id ? 1 : 0)) return undefined;
  if (spec.id) argv.id = pos[0];
  argv._.push(...rest);
  return argv;
}
