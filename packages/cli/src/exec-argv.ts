/**
 * runc (urfave/cli) stops parsing flags at the first argument after the
 * container id: `exec ID sh -c 'x'` passes `-c` to sh. yargs would take `-c`
 * as its own flag, so a `--` is inserted after the id before yargs sees it.
 */
const GLOBAL_VALUE = new Set(['--root', '--log', '--log-format', '--criu', '--rootless']);
const EXEC_VALUE = new Set(['--process', '-p', '--console-socket', '--pid-file', '--cwd', '--env', '-e', '--user', '-u',
  '--additional-gids', '-g', '--cap', '-c', '--apparmor', '--process-label', '--preserve-fds', '--cgroup']);

// yargs takes a lone `-` for a positional, not for an option's value: `--resources -` (stdin) becomes `--resources=-`.
const STDIN_VALUE = new Set(['--resources', '-r', '--process', '-p']);

export function execArgs(argv: string[]): string[] {
  const args: string[] = [];
  for (let j = 0; j < argv.length; j++) {
    if (argv[j] === '--') { args.push(...argv.slice(j)); break; }
    if (STDIN_VALUE.has(argv[j]) && argv[j + 1] === '-') { args.push(`${argv[j]}=-`); j++; } else args.push(argv[j]);
  }
  let i = 0;
  for (; i < args.length && args[i].startsWith('-'); i++) if (GLOBAL_VALUE.has(args[i])) i++;
  if (args[i] !== 'exec') return args;
  for (i++; i < args.length; i++) {
    const a = args[i];
    if (a === '--') return args;
    if (!a.startsWith('-') || a === '-') break;
    if (EXEC_VALUE.has(a)) i++;
  }
  // args[i] is the id: everything after it belongs to the process.
  if (i >= args.length - 1 || args[i + 1] === '--') return args;
  return [...args.slice(0, i + 1), '--', ...args.slice(i + 1)];
}
