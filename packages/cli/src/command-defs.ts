/**
 * The one description of oci-ts' command line: every command, its flags,
 * positionals and help text, and the global flags. yargs is configured from
 * it (main.ts), `help` renders it (help.ts), the usage check names unknown
 * flags from it (usage.ts), and the build turns it into man pages and shell
 * completion (scripts/man.mjs, completion.ts), so none of them can drift.
 * Names, flags and one-line summaries are runc 1.1's (callers and operators
 * know them); free of imports so every entry can load it cheaply.
 */

export type FlagType = 'bool' | 'string' | 'number' | 'strings' | 'numbers';

export interface FlagDef {
  name: string;
  /** One-letter alias (`-b`). */
  alias?: string;
  type: FlagType;
  /** yargs' default (what handlers see when the flag is absent). */
  default?: unknown;
  /** Shown as runc shows it: `(default: "table")`; absent: no default shown. */
  showDefault?: string;
  describe: string;
  /** Kept for compatibility, left out of help, man pages and completion. */
  hidden?: boolean;
  /**
   * The argv key when it is not the name: runc has a global --rootless
   * (cgroup errors) and spec --rootless (the config), one argv cannot hold both.
   */
  key?: string;
  /** Completion hint for the value. */
  complete?: 'file' | 'dir' | 'signal' | string[];
}

export interface CommandDef {
  name: string;
  /** runc's one-line summary (COMMANDS list, NAME line). */
  summary: string;
  /** What follows `oci-ts NAME` on the USAGE line, e.g. `[command options] <container-id>`. */
  usage: string;
  /** yargs' command string (positionals), e.g. `kill <id> [signal]`. */
  yargs: string;
  /** Positional count bounds (runc's checkArgs: exact / minimum). */
  args: { min: number; max: number };
  /** Paragraph after USAGE that explains the arguments. */
  argsHelp?: string;
  description?: string;
  /** Examples (a section of their own, as runc's EXAMPLE). */
  example?: string;
  flags: FlagDef[];
  /** Not listed in help, man pages or completion (internal helpers). */
  hidden?: boolean;
  /**
   * Words after the container id belong to a program, not to oci-ts (exec's
   * command, ps' ps(1) options): flag parsing stops at the id, as urfave/cli
   * (Go's flag package) stops at the first argument.
   */
  stopAtId?: boolean;
}

const ID_NEW = 'Where "<container-id>" is your name for the instance of the container that you are starting. The name you provide for the container instance must be unique on your host.';
const ID = 'Where "<container-id>" is the name for the instance of the container.';

const CREATE_FLAGS: FlagDef[] = [
  { name: 'bundle', alias: 'b', type: 'string', default: '', describe: 'path to the root of the bundle directory, defaults to the current directory', complete: 'dir' },
  { name: 'console-socket', type: 'string', default: '', describe: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal", complete: 'file' },
  { name: 'pid-file', type: 'string', default: '', describe: 'specify the file to write the process id to', complete: 'file' },
  { name: 'no-pivot', type: 'bool', default: false, describe: 'do not use pivot root to jail process inside rootfs. This should be used whenever the rootfs is on top of a ramdisk' },
  { name: 'no-new-keyring', type: 'bool', default: false, describe: 'do not create a new session keyring for the container. This will cause the container to inherit the calling processes session key' },
  { name: 'preserve-fds', type: 'number', default: 0, showDefault: '0', describe: 'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)' },
];

const CREATE_DESCRIPTION = (verb: string) => `The ${verb} command creates an instance of a container for a bundle. The bundle is a directory with a specification file named "config.json" and a root filesystem.

The specification file includes an args parameter. The args parameter is used to specify command(s) that get run when the container is started. To change the command(s) that get executed on start, edit the args parameter of the spec. See "oci-ts spec --help" for more explanation.`;

/** runc update's resource flags (update-flags.ts maps them to linux.resources). */
const UPDATE_FLAG_HELP: [string, string][] = [
  ['blkio-weight', 'Specifies per cgroup weight, range is from 10 to 1000'],
  ['cpu-period', 'CPU CFS period to be used for hardcapping (in usecs). 0 to use system default'],
  ['cpu-quota', 'CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period'],
  ['cpu-share', 'CPU shares (relative weight vs. other containers)'],
  ['cpu-rt-period', 'CPU realtime period to be used for hardcapping (in usecs). 0 to use system default'],
  ['cpu-rt-runtime', 'CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period'],
  ['cpu-idle', 'set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE'],
  ['cpu-burst', 'CPU CFS burst (in usecs): time the container may run over its quota'],
  ['cpuset-cpus', 'CPU(s) to use'],
  ['cpuset-mems', 'Memory node(s) to use'],
  ['kernel-memory', 'Kernel memory limit (in bytes) (deprecated, ignored)'],
  ['kernel-memory-tcp', 'Kernel memory limit (in bytes) for tcp buffer'],
  ['memory', 'Memory limit (in bytes, or with a k, m or g suffix)'],
  ['memory-reservation', 'Memory reservation or soft_limit (in bytes)'],
  ['memory-swap', "Total memory usage (memory + swap); set '-1' to enable unlimited swap"],
  ['pids-limit', 'Maximum number of pids allowed in the container'],
  ['l3-cache-schema', 'The string of Intel RDT/CAT L3 cache schema (not supported)'],
  ['mem-bw-schema', 'The string of Intel RDT/MBA memory bandwidth schema (not supported)'],
];

/** The flags runc's checkpoint and restore share (criuOptions). */
const CRIU_FLAGS: FlagDef[] = [
  { name: 'tcp-established', type: 'bool', default: false, describe: 'allow open tcp connections' },
  { name: 'ext-unix-sk', type: 'bool', default: false, describe: 'allow external unix sockets' },
  { name: 'shell-job', type: 'bool', default: false, describe: 'allow shell jobs' },
  { name: 'lazy-pages', type: 'bool', default: false, describe: 'use userfaultfd to lazily restore memory pages' },
  { name: 'file-locks', type: 'bool', default: false, describe: 'handle file locks, for safety' },
  { name: 'manage-cgroups-mode', type: 'string', default: '', describe: "cgroups mode: 'soft' (default), 'full', 'strict' and 'ignore'", complete: ['soft', 'full', 'strict', 'ignore'] },
  { name: 'empty-ns', type: 'string', default: '', describe: "create a namespace, but don't restore its properties (network)", complete: ['network'] },
  { name: 'auto-dedup', type: 'bool', default: false, describe: 'enable auto deduplication of memory images' },
];

export const APP = {
  name: 'oci-ts',
  summary: 'Open Container Initiative runtime',
  description: `oci-ts is a command line client for running applications packaged according to the Open Container Initiative (OCI) format and is a compliant implementation of the Open Container Initiative specification. It takes runc's commands, flags, exit codes and log lines, so a container manager only needs its path.

Containers are configured using bundles. A bundle for a container is a directory that includes a specification file named "config.json" and a root filesystem. The root filesystem contains the contents of the container.

To start a new instance of a container:

    # oci-ts run [ -b bundle ] <container-id>

Where "<container-id>" is your name for the instance of the container that you are starting. The name you provide for the container instance must be unique on your host. Providing the bundle directory using "-b" is optional. The default value for "bundle" is the current directory.`,
  usage: '[global options] command [command options] [arguments...]',
};

export const GLOBAL_FLAGS: FlagDef[] = [
  { name: 'debug', type: 'bool', default: false, describe: 'enable debug logging' },
  { name: 'log', type: 'string', default: '', describe: "set the log file to write oci-ts logs to (default is '/dev/stderr')", complete: 'file' },
  { name: 'log-format', type: 'string', default: 'text', showDefault: 'text', describe: "set the log format ('text' (default), or 'json')", complete: ['text', 'json'] },
  { name: 'root', type: 'string', default: '/run/oci-ts', showDefault: '/run/oci-ts', describe: 'root directory for storage of container state (this should be located in tmpfs)', complete: 'dir' },
  { name: 'criu', type: 'string', default: 'criu', showDefault: 'criu', describe: 'path to the criu binary used for checkpoint and restore', complete: 'file' },
  { name: 'systemd-cgroup', type: 'bool', default: false, describe: 'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name" for e.g. "system.slice:oci-ts:434234"' },
  { name: 'rootless', key: 'global-rootless', type: 'string', default: 'auto', showDefault: 'auto', describe: "ignore cgroup permission errors ('true', 'false', or 'auto')", complete: ['true', 'false', 'auto'] },
  { name: 'help', alias: 'h', type: 'bool', describe: 'show help' },
  { name: 'version', alias: 'v', type: 'bool', describe: 'print the version' },
];

export const COMMAND_DEFS: CommandDef[] = [
  {
    name: 'create', summary: 'create a container', usage: '[command options] <container-id>', yargs: 'create <id>', args: { min: 1, max: 1 },
    argsHelp: ID_NEW, description: CREATE_DESCRIPTION('create'), flags: CREATE_FLAGS,
  },
  {
    name: 'delete', summary: 'delete any resources held by the container often used with detached container',
    usage: '[command options] <container-id>', yargs: 'delete <id>', args: { min: 1, max: 1 }, argsHelp: ID,
    example: 'For example, if the container id is "ubuntu01" and oci-ts list currently shows the status of "ubuntu01" as "stopped" the following will delete resources held for "ubuntu01" removing "ubuntu01" from the oci-ts list of containers:\n\n       # oci-ts delete ubuntu01',
    flags: [{ name: 'force', alias: 'f', type: 'bool', default: false, describe: 'Forcibly deletes the container if it is still running (uses SIGKILL)' }],
  },
  {
    name: 'events', summary: 'display container events such as OOM notifications, cpu, memory, and IO usage statistics',
    usage: '[command options] <container-id>', yargs: 'events <id>', args: { min: 1, max: 1 }, argsHelp: ID,
    description: 'The events command displays information about the container. By default the information is displayed once every 5 seconds.',
    flags: [
      { name: 'interval', type: 'string', default: '5s', showDefault: '5s', describe: 'set the stats collection interval' },
      { name: 'stats', type: 'bool', default: false, describe: "display the container's stats then exit" },
    ],
  },
  {
    name: 'exec', summary: 'execute new process inside the container',
    usage: '[command options] <container-id> <command> [command options]  || -p process.json <container-id>',
    yargs: 'exec <id> [command..]', args: { min: 1, max: Infinity }, stopAtId: true,
    argsHelp: 'Where "<container-id>" is the name for the instance of the container and "<command>" is the command to be executed in the container. "<command>" can\'t be empty unless a "-p" flag provided.',
    example: 'For example, if the container is configured to run the linux ps command the following will output a list of processes running in the container:\n\n       # oci-ts exec <container-id> ps',
    flags: [
      { name: 'console-socket', type: 'string', default: '', describe: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal", complete: 'file' },
      { name: 'cwd', type: 'string', default: '', describe: 'current working directory in the container' },
      { name: 'env', alias: 'e', type: 'strings', default: [], describe: 'set environment variables' },
      { name: 'tty', alias: 't', type: 'bool', default: false, describe: 'allocate a pseudo-TTY' },
      { name: 'user', alias: 'u', type: 'string', default: '', describe: 'UID (format: <uid>[:<gid>])' },
      { name: 'additional-gids', alias: 'g', type: 'numbers', default: [], describe: 'additional gids' },
      { name: 'process', alias: 'p', type: 'string', default: '', describe: 'path to the process.json', complete: 'file' },
      { name: 'detach', alias: 'd', type: 'bool', default: false, describe: "detach from the container's process" },
      { name: 'pid-file', type: 'string', default: '', describe: 'specify the file to write the process id to', complete: 'file' },
      { name: 'process-label', type: 'string', default: '', describe: 'set the asm process label for the process commonly used with selinux' },
      { name: 'apparmor', type: 'string', default: '', describe: 'set the apparmor profile for the process' },
      { name: 'no-new-privs', type: 'bool', default: false, describe: 'set the no new privileges value for the process' },
      { name: 'cap', alias: 'c', type: 'strings', default: [], describe: 'add a capability to the bounding set for the process' },
      { name: 'preserve-fds', type: 'number', default: 0, showDefault: '0', describe: 'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)' },
      { name: 'cgroup', type: 'strings', default: [], describe: 'run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.' },
      { name: 'ignore-paused', type: 'bool', default: false, describe: 'allow exec in a paused container' },
    ],
  },
  {
    name: 'kill', summary: "kill sends the specified signal (default: SIGTERM) to the container's init process",
    usage: '[command options] <container-id> [signal]', yargs: 'kill <id> [signal]', args: { min: 1, max: 2 },
    argsHelp: 'Where "<container-id>" is the name for the instance of the container and "[signal]" is the signal to be sent to the init process.',
    example: 'For example, if the container id is "ubuntu01" the following will send a "KILL" signal to the init process of the "ubuntu01" container:\n\n       # oci-ts kill ubuntu01 KILL',
    flags: [{ name: 'all', alias: 'a', type: 'bool', default: false, describe: 'send the specified signal to all processes inside the container' }],
  },
  {
    name: 'list', summary: 'lists containers started by oci-ts with the given root', usage: '[command options]', yargs: 'list', args: { min: 0, max: 0 },
    argsHelp: 'Where the given root is specified via the global option "--root" (default: "/run/oci-ts").',
    example: 'To list containers created via the default "--root":\n       # oci-ts list\n\nTo list containers created using a non-default value for "--root":\n       # oci-ts --root value list',
    flags: [
      { name: 'format', alias: 'f', type: 'string', default: 'table', showDefault: 'table', describe: 'select one of: table or json', complete: ['table', 'json'] },
      { name: 'quiet', alias: 'q', type: 'bool', default: false, describe: 'display only container IDs' },
    ],
  },
  {
    name: 'pause', summary: 'pause suspends all processes inside the container', usage: '<container-id>', yargs: 'pause <id>', args: { min: 1, max: 1 },
    argsHelp: 'Where "<container-id>" is the name for the instance of the container to be paused.',
    description: 'The pause command suspends all processes in the instance of the container.\n\nUse oci-ts list to identify instances of containers and their current status.', flags: [],
  },
  {
    name: 'ps', summary: 'ps displays the processes running inside a container', usage: '[command options] <container-id> [ps options]',
    yargs: 'ps <id>', args: { min: 1, max: Infinity }, stopAtId: true,
    argsHelp: 'Where "<container-id>" is the name for the instance of the container and "[ps options]" are passed to ps(1) (default: -ef).',
    flags: [{ name: 'format', alias: 'f', type: 'string', default: 'table', showDefault: 'table', describe: 'select one of: table or json', complete: ['table', 'json'] }],
  },
  {
    name: 'resume', summary: 'resumes all processes that have been previously paused', usage: '<container-id>', yargs: 'resume <id>', args: { min: 1, max: 1 },
    argsHelp: 'Where "<container-id>" is the name for the instance of the container to be resumed.',
    description: 'The resume command resumes all processes in the instance of the container.\n\nUse oci-ts list to identify instances of containers and their current status.', flags: [],
  },
  {
    name: 'run', summary: 'create and run a container', usage: '[command options] <container-id>', yargs: 'run <id>', args: { min: 1, max: 1 },
    argsHelp: ID_NEW, description: CREATE_DESCRIPTION('run'),
    flags: [
      ...CREATE_FLAGS.slice(0, 2),
      { name: 'detach', alias: 'd', type: 'bool', default: false, describe: "detach from the container's process" },
      { name: 'keep', type: 'bool', default: false, describe: 'do not delete the container after it exits' },
      CREATE_FLAGS[2],
      { name: 'no-subreaper', type: 'bool', default: false, describe: 'disable the use of the subreaper used to reap reparented processes' },
      ...CREATE_FLAGS.slice(3),
    ],
  },
  {
    name: 'spec', summary: 'create a new specification file', usage: '[command options]', yargs: 'spec', args: { min: 0, max: 0 },
    description: 'The spec command creates the new specification file named "config.json" for the bundle.\n\nThe spec generated is just a starter file. Editing of the spec is required to achieve desired results. For example, the newly generated spec includes an args parameter that is initially set to call the "sh" command when the container is started.\n\nPass --rootless to generate a spec for a rootless container (a user namespace mapping the calling user).',
    example: 'To run a busybox container, put its files in rootfs/ of a new bundle directory, write the starter spec there and change the args parameter from "sh" to the program to run:\n\n    mkdir -p bundle/rootfs && cd bundle\n    tar -C rootfs -xf busybox.tar\n    oci-ts spec\n    sed -i \'s;"sh";"/bin/echo", "hello";\' config.json\n    oci-ts run container1\n\nIn the run command above, "container1" is the name for the instance of the container that you are starting. The name you provide for the container instance must be unique on your host.',
    flags: [
      { name: 'bundle', alias: 'b', type: 'string', default: '', describe: 'path to the root of the bundle directory', complete: 'dir' },
      { name: 'rootless', type: 'bool', default: false, describe: 'generate a configuration for a rootless container' },
    ],
  },
  {
    name: 'start', summary: 'executes the user defined process in a created container', usage: '<container-id>', yargs: 'start <id>', args: { min: 1, max: 1 },
    argsHelp: ID_NEW, description: 'The start command executes the user defined process in a created container.', flags: [],
  },
  {
    name: 'state', summary: 'output the state of a container', usage: '<container-id>', yargs: 'state <id>', args: { min: 1, max: 1 },
    argsHelp: ID, description: 'The state command outputs current state information for the instance of a container.', flags: [],
  },
  {
    name: 'update', summary: 'update container resource constraints', usage: '[command options] <container-id>', yargs: 'update <id>', args: { min: 1, max: 1 },
    argsHelp: `${ID}

The accepted format for --resources is a "linux.resources" object of the OCI runtime-spec (unchanged values can be omitted), e.g.:

{
  "memory": {
    "limit": 0,
    "reservation": 0,
    "swap": 0
  },
  "cpu": {
    "shares": 0,
    "quota": 0,
    "period": 0,
    "realtimeRuntime": 0,
    "realtimePeriod": 0,
    "cpus": "",
    "mems": ""
  },
  "blockIO": {
    "weight": 0
  }
}

Note: if data is read from a file or the standard input, the other options are applied on top of it.`,
    flags: [
      { name: 'resources', alias: 'r', type: 'string', describe: "path to the file containing the resources to update or '-' to read from the standard input", complete: 'file' },
      ...UPDATE_FLAG_HELP.map(([name, describe]): FlagDef => ({ name, type: 'string', describe })),
    ],
  },
  {
    name: 'features', summary: 'show the enabled features', usage: '', yargs: 'features', args: { min: 0, max: 0 },
    description: 'Show the enabled features.\nThe result is parsable as a JSON.\nSee https://github.com/opencontainers/runtime-spec/blob/main/features.md for the type definition.',
    flags: [],
  },
  {
    name: 'checkpoint', summary: 'checkpoint a running container', usage: '[command options] <container-id>', yargs: 'checkpoint <id>', args: { min: 1, max: 1 },
    argsHelp: 'Where "<container-id>" is the name for the instance of the container to be checkpointed.',
    description: 'The checkpoint command saves the state of the container instance (with CRIU).',
    flags: [
      { name: 'image-path', type: 'string', default: '', describe: 'path for saving criu image files', complete: 'dir' },
      { name: 'work-path', type: 'string', default: '', describe: 'path for saving work files and logs', complete: 'dir' },
      { name: 'parent-path', type: 'string', default: '', describe: 'path for previous criu image files in pre-dump', complete: 'dir' },
      { name: 'leave-running', type: 'bool', default: false, describe: 'leave the process running after checkpointing' },
      ...CRIU_FLAGS,
      { name: 'status-fd', type: 'number', default: -1, showDefault: '-1', describe: 'criu writes \\0 to this FD once lazy-pages is ready (not supported)' },
      { name: 'page-server', type: 'string', default: '', describe: 'ADDRESS:PORT of the page server (not supported)' },
      { name: 'pre-dump', type: 'bool', default: false, describe: "dump container's memory information only, leave the container running after this" },
    ],
  },
  {
    name: 'restore', summary: 'restore a container from a previous checkpoint', usage: '[command options] <container-id>', yargs: 'restore <id>', args: { min: 1, max: 1 },
    argsHelp: 'Where "<container-id>" is the name for the instance of the container to be restored.',
    description: 'Restores the saved state of the container instance that was previously saved using the oci-ts checkpoint command.',
    flags: [
      { name: 'console-socket', type: 'string', default: '', describe: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal", complete: 'file' },
      { name: 'image-path', type: 'string', default: '', describe: 'path to criu image files for restoring', complete: 'dir' },
      { name: 'work-path', type: 'string', default: '', describe: 'path for saving work files and logs', complete: 'dir' },
      ...CRIU_FLAGS,
      { name: 'bundle', alias: 'b', type: 'string', default: '', describe: 'path to the root of the bundle directory', complete: 'dir' },
      { name: 'detach', alias: 'd', type: 'bool', default: false, describe: "detach from the container's process" },
      { name: 'pid-file', type: 'string', default: '', describe: 'specify the file to write the process id to', complete: 'file' },
      { name: 'no-subreaper', type: 'bool', default: false, describe: 'disable the use of the subreaper used to reap reparented processes' },
      { name: 'no-pivot', type: 'bool', default: false, describe: 'do not use pivot root to jail process inside rootfs. This should be used whenever the rootfs is on top of a ramdisk' },
      { name: 'lsm-profile', type: 'string', default: '', describe: 'Specify an LSM profile to be used during restore in the form of TYPE:NAME.' },
      { name: 'lsm-mount-context', type: 'string', default: '', describe: 'Specify an LSM mount context to be used during restore.' },
    ],
  },
  {
    name: 'version', summary: 'print the version', usage: '', yargs: 'version', args: { min: 0, max: 0 },
    description: 'Prints the version lines runc prints: "oci-ts version X", "commit: ...", "spec: ..." (the runtime-spec version), then the Node.js and seccomp compiler versions.',
    flags: [],
  },
  {
    name: 'attach', summary: 'attach to the console of a container started with run -d and a terminal (detach: ctrl-p ctrl-q)',
    usage: '<container-id>', yargs: 'attach <id>', args: { min: 1, max: 1 }, argsHelp: ID, flags: [],
  },
  {
    name: 'completion', summary: 'print a shell completion script (bash or zsh)', usage: '[bash|zsh]', yargs: 'completion [shell]', args: { min: 0, max: 1 },
    description: 'Prints a completion script for bash (the default) or zsh, generated from the same command definitions as the help and the man pages.\n\n       # source <(oci-ts completion bash)\n       # oci-ts completion zsh > "${fpath[1]}/_oci-ts"',
    flags: [],
  },
  {
    name: 'planner', summary: 'show (status) or end (stop) the warm planner of this --root', usage: '<status|stop>', yargs: 'planner <action>', args: { min: 1, max: 1 },
    description: 'The warm planner is a Node process that answers oci-ts calls for one --root without starting Node each time (docs/architecture.md "the fast path"). "status" shows whether one runs; "stop" ends it. Calls work without it.',
    flags: [],
  },
  { name: 'attach-holder', summary: 'internal: holds a console for attach', usage: '<container-id>', yargs: 'attach-holder <id>', args: { min: 1, max: 1 }, flags: [], hidden: true },
];

/** The `help` pseudo-command (urfave/cli's), listed last in COMMANDS. */
export const HELP_COMMAND = { name: 'help', alias: 'h', summary: 'Shows a list of commands or help for one command' };

export function commandDef(name: string): CommandDef | undefined {
  return COMMAND_DEFS.find((c) => c.name === name);
}

/** A flag by its long name or alias, among `flags`. */
export function findFlag(flags: FlagDef[], name: string): FlagDef | undefined {
  return flags.find((f) => f.name === name || f.alias === name);
}
