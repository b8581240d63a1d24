/**
 * The oci-ts command line: parses argv with yargs (runc's commands and flags,
 * global flags before the command in `--x v` and `--x=v` forms), runs one
 * command handler and returns its exit code. The only place that prints
 * errors (through dispatch.ts); the bin scripts are the only place that exits.
 * hot.ts is the CommonJS fast entry for the most frequent calls.
 */
import fs from 'node:fs';
import { commandName, dispatch, type MainOptions } from './dispatch.ts';
import { execArgs } from './exec-argv.ts';
import { fastParse } from './fast-argv.ts';
import { parityFastParse } from './parity-argv.ts';
import type { CommandHandler } from './commands/context.ts';
import { COMMANDS as COLD_COMMANDS } from './cold.ts';

export type { MainOptions } from './dispatch.ts';

// Lazy: a command's module (and what it imports) loads only when it runs.
// cold.ts's table (every command but hot.ts's five) plus those five.
const COMMANDS: Record<string, () => Promise<CommandHandler>> = {
  ...COLD_COMMANDS,
  start: async () => (await import('./commands/start.ts')).startCommand,
  state: async () => (await import('./commands/state.ts')).stateCommand,
  kill: async () => (await import('./commands/kill.ts')).killCommand,
  delete: async () => (await import('./commands/delete.ts')).deleteCommand,
  list: async () => (await import('./commands/list.ts')).listCommand,
};

function createFlags(y: any, run: boolean) {
  y.positional('id', { type: 'string', describe: 'container id' })
    .option('bundle', { alias: 'b', type: 'string', default: '', describe: 'path to the root of the bundle directory' })
    .option('console-socket', { type: 'string', default: '', describe: 'path to an AF_UNIX socket which will receive the pty master' })
    .option('pid-file', { type: 'string', default: '', describe: 'file to write the process id to' })
    .option('no-pivot', { type: 'boolean', default: false, describe: 'do not use pivot_root to jail the process inside rootfs' })
    .option('no-new-keyring', { type: 'boolean', default: false, describe: 'do not create a new session keyring for the container' })
    .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N additional file descriptors to the container' });
  if (run) {
    y.option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'detach from the container process' })
      .option('keep', { type: 'boolean', default: false, describe: 'do not delete the container after it exits' });
  }
  return y;
}

function execFlags(y: any) {
  const str = (describe: string, alias?: string) => ({ type: 'string', default: '', describe, ...(alias ? { alias } : {}) });
  return y.positional('id', { type: 'string' })
    .positional('command', { type: 'string', array: true, default: [] })
    .option('process', str('path to the process.json', 'p'))
    .option('tty', { alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-TTY' })
    .option('console-socket', str('path to an AF_UNIX socket which will receive the pty master'))
    .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'detach from the container process' })
    .option('pid-file', str('file to write the process id to'))
    .option('cwd', str('current working directory in the container'))
    .option('env', { alias: 'e', type: 'string', array: true, default: [], describe: 'set environment variables' })
    .option('user', str('UID (format: <uid>[:<gid>])', 'u'))
    .option('additional-gids', { alias: 'g', type: 'number', array: true, default: [], describe: 'additional gids' })
    .option('cap', { alias: 'c', type: 'string', array: true, default: [], describe: 'add a capability to the bounding set for the process' })
    .option('no-new-privs', { type: 'boolean', default: false, describe: 'set the no new privileges value for the process' })
    .option('apparmor', str('set the apparmor profile for the process'))
    .option('process-label', str('set the asm process label for the process commonly used with selinux'))
    .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N additional file descriptors to the container' })
    .option('cgroup', { type: 'string', array: true, default: [], describe: 'run the process in an (existing) sub-cgroup(s): PATH or CONTROLLER:PATH' })
    .option('ignore-paused', { type: 'boolean', default: false, describe: 'allow exec in a paused container' });
}

function updateFlags(y: any) {
  y.positional('id', { type: 'string' })
    .option('resources', { alias: 'r', type: 'string', describe: 'path to a file with the resources to update, or - for stdin' });
  for (const [flag, describe] of Object.entries({
    'blkio-weight': 'block IO weight (relative weight), 10..1000', 'cpu-period': 'CPU CFS period (microseconds)',
    'cpu-quota': 'CPU CFS hardcap limit (microseconds per period)', 'cpu-share': 'CPU shares (relative weight)',
    'cpu-rt-period': 'CPU realtime period (microseconds)', 'cpu-rt-runtime': 'CPU realtime hardcap limit (microseconds)',
    'cpu-idle': 'set cgroup SCHED_IDLE or not (0 or 1)', 'cpu-burst': 'CPU CFS burst (microseconds)',
    'cpuset-cpus': 'CPU(s) to use', 'cpuset-mems': 'memory node(s) to use', 'kernel-memory': 'kernel memory limit (deprecated, ignored)',
    'kernel-memory-tcp': 'kernel memory limit for TCP buffers', memory: 'memory limit (in bytes, or with a k/m/g suffix)',
    'memory-reservation': 'memory reservation or soft limit', 'memory-swap': 'total memory usage (memory + swap); -1 for unlimited',
    'pids-limit': 'maximum number of pids allowed in the container', 'l3-cache-schema': 'Intel RDT L3 cache schema (unsupported)',
    'mem-bw-schema': 'Intel RDT memory bandwidth schema (unsupported)',
  })) y.option(flag, { type: 'string', describe });
  return y;
}

export async function parser(args: string[]) {
  // Loaded only off the fast path (fast-argv.ts).
  const { default: yargs } = await import('yargs');
  return yargs(args)
    // --no-pivot and --no-new-keyring are flags of their own, not negations (runc's names).
    .parserConfiguration({ 'boolean-negation': false })
    .scriptName('oci-ts')
    .usage('oci-ts [global options] <command> [command options]')
    .option('root', { type: 'string', default: '/run/oci-ts', describe: 'root directory for storage of container state' })
    .option('log', { type: 'string', default: '', describe: 'log file path (default: stderr)' })
    .option('log-format', { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'log format' })
    .option('debug', { type: 'boolean', default: false, describe: 'enable debug logging' })
    .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name" for e.g. "system.slice:runc:434234"' })
    .command('create <id>', 'create a container', (y) => createFlags(y, false))
    .command('run <id>', 'create and run a container', (y) => createFlags(y, true))
    .command('start <id>', 'start a created container', (y) => y.positional('id', { type: 'string' }))
    .command('state <id>', 'output the state of a container', (y) => y.positional('id', { type: 'string' }))
    .command('kill <id> [signal]', 'send a signal to the container init', (y) => y.positional('id', { type: 'string' })
      .positional('signal', { type: 'string', default: 'SIGTERM' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'send the signal to all processes in the container' }))
    .command('delete <id>', 'delete a container', (y) => y.positional('id', { type: 'string' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill and delete a running container' }))
    .command('list', 'list containers', (y) => y
      .option('format', { alias: 'f', type: 'string', default: 'table', describe: 'table or json' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'display only container ids' }))
    .command('spec', 'create a new specification file', (y) => y
      .option('bundle', { alias: 'b', type: 'string', default: '', describe: 'path to the bundle directory' })
      .option('rootless', { type: 'boolean', default: false, describe: 'generate a configuration for a rootless container' }))
    .command('version', 'print the version')
    .command('exec <id> [command..]', 'execute new process inside the container', (y) => execFlags(y))
    .command('pause <id>', 'pause all processes in the container', (y) => y.positional('id', { type: 'string' }))
    .command('resume <id>', 'resume all processes that have been previously paused', (y) => y.positional('id', { type: 'string' }))
    .command('ps <id>', 'ps displays the processes running inside a container', (y) => y.positional('id', { type: 'string' })
      .option('format', { alias: 'f', type: 'string', default: 'table', describe: 'table or json' }))
    .command('update <id>', 'update container resource constraints', (y) => updateFlags(y))
    .command('events <id>', 'display container events such as OOM notifications, cpu, memory, and IO usage statistics', (y) => y.positional('id', { type: 'string' })
      .option('interval', { type: 'string', default: '5s', describe: 'set the stats collection interval' })
      .option('stats', { type: 'boolean', default: false, describe: "display the container's stats then exit" }))
    .command('features', 'show the enabled features')
    .command('planner <action>', 'show (status) or end (stop) the warm planner of this --root', (y) => y.positional('action', { type: 'string', choices: ['status', 'stop'] }))
    .command('attach <id>', 'attach to the console of a container started with run -d and a terminal (detach: ctrl-p ctrl-q)', (y) => y.positional('id', { type: 'string' }))
    .version(false)
    .option('version', { alias: 'v', type: 'boolean', describe: 'print the version' })
    .strict()
    .help('help').alias('help', 'h')
    .exitProcess(false)
    .fail((msg: string, err: Error) => { throw err ?? Object.assign(new Error(msg), { code: 'EUSAGE' }); });
}

export async function main(args: string[], opts: MainOptions = {}): Promise<number> {
  const stdio = opts.stdio ?? { stdin: 0, stdout: 1, stderr: 2 };
  args = execArgs(args);
  let argv: Record<string, any> | undefined = fastParse(args) ?? parityFastParse(args);
  let helpText = '';
  if (!argv) try {
    const p = await parser(args);
    argv = await p.parseAsync(args, {}, (_err: unknown, _a: unknown, output: string) => { helpText = output; }) as Record<string, any>;
  } catch (e) {
    const message = (e as Error).message;
    fs.writeSync(stdio.stderr, `oci-ts: ${message}\n`);
    return 1;
  }
  if (helpText) {
    fs.writeSync(stdio.stdout, helpText + '\n');
    return 0;
  }
  return dispatch(argv, args, opts, COMMANDS[commandName(argv)]);
}
