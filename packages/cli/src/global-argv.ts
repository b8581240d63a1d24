/**
 * The global flags (`--root`, `--log`, `--log-format`, `--debug`,
 * `--systemd-cgroup`, `--criu`, `--rootless`, in `--x v` and `--x=v` forms, before the command), as
 * yargs gives them, for the fast parsers (fast-argv.ts, parity-argv.ts).
 * Returns the argv with yargs' defaults and the index of the command, or
 * undefined when something is not understood (yargs then decides).
 */
// name → argv key (command-defs.ts: the global --rootless is argv['global-rootless'], spec has its own --rootless).
const GLOBAL_VALUE: Record<string, string> = { root: 'root', log: 'log', 'log-format': 'log-format', criu: 'criu', rootless: 'global-rootless' };
const GLOBAL_BOOL = new Set(['debug', 'systemd-cgroup']);

export function parseGlobals(args: string[]): { argv: Record<string, any>; next: number } | undefined {
  const argv: Record<string, any> = { root: '/run/oci-ts', log: '', 'log-format': 'text', debug: false, 'systemd-cgroup': false, criu: 'criu', 'global-rootless': 'auto', _: [] };
  let i = 0;
  for (; i < args.length && args[i].startsWith('--'); i++) {
    const a = args[i].slice(2);
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(0, eq) : a;
    if (Object.hasOwn(GLOBAL_VALUE, name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) return undefined;
      argv[GLOBAL_VALUE[name]] = v;
    } else if (GLOBAL_BOOL.has(name) && eq < 0) {
      argv[name] = true;
    } else {
      return undefined;
    }
  }
  if (argv['log-format'] !== 'text' && argv['log-format'] !== 'json') return undefined;
  return { argv, next: i };
}
