/**
 * The global flags (`--root`, `--log`, `--log-format`, `--debug`,
 * `--systemd-cgroup`, in `--x v` and `--x=v` forms, before the command), as
 * yargs gives them, for the fast parsers (fast-argv.ts, parity-argv.ts).
 * Returns the argv with yargs' defaults and the index of the command, or
 * undefined when something is not understood (yargs then decides).
 */
const GLOBAL_VALUE = new Set(['root', 'log', 'log-format']);
const GLOBAL_BOOL = new Set(['debug', 'systemd-cgroup']);

export function parseGlobals(args: string[]): { argv: Record<string, any>; next: number } | undefined {
  const argv: Record<string, any> = { root: '/run/oci-ts', log: '', 'log-format': 'text', debug: false, 'systemd-cgroup': false, _: [] };
  let i = 0;
  for (; i < args.length && args[i].startsWith('--'); i++) {
    const a = args[i].slice(2);
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(0, eq) : a;
    if (GLOBAL_VALUE.has(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) return undefined;
      argv[name] = v;
    } else if (GLOBAL_BOOL.has(name) && eq < 0) {
      argv[name] = true;
    } else {
      return undefined;
    }
  }
  if (argv['log-format'] !== 'text' && argv['log-format'] !== 'json') return undefined;
  return { argv, next: i };
}
