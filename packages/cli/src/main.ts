/**
 * The oci-ts command line: parses argv with yargs, configured from
 * command-defs.ts (runc's commands and flags, global flags before the
 * command in `--x v` and `--x=v` forms), after usage.ts answered help and
 * usage errors as runc does, runs one
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
import { APP, COMMAND_DEFS, GLOBAL_FLAGS, type FlagDef } from './command-defs.ts';
import { helpWidth } from './help.ts';
import { Logger } from './log.ts';
import { checkUsage, type UsageResult } from './usage.ts';
import { version, versionDetails } from './version.ts';

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
  completion: async () => (await import('./commands/completion.ts')).completionCommand,
};

/** yargs' option for a flag of command-defs.ts. */
function yargsOption(f: FlagDef): Record<string, unknown> {
  const type = f.type === 'bool' ? 'boolean' : f.type === 'number' || f.type === 'numbers' ? 'number' : 'string';
  return {
    type,
    ...(f.alias ? { alias: f.alias } : {}),
    ...(f.default !== undefined ? { default: structuredClone(f.default) } : {}),
    ...(f.type === 'strings' || f.type === 'numbers' ? { array: true } : {}),
    describe: f.describe,
  };
}

/** yargs, configured from command-defs.ts (the one description of the command line). */
export async function parser(args: string[]) {
  // Loaded only off the fast path (fast-argv.ts).
  const { default: yargs } = await import('yargs');
  let y = yargs(args)
    // --no-pivot and --no-new-keyring are flags of their own, not negations (runc's names).
    .parserConfiguration({ 'boolean-negation': false, 'greedy-arrays': false })
    .scriptName(APP.name)
    .version(false)
    .help(false);
  for (const f of GLOBAL_FLAGS) if (f.name !== 'help') y = y.option(f.key ?? f.name, yargsOption(f));
  y = y.option('log-format', { choices: ['text', 'json'] });
  for (const c of COMMAND_DEFS) {
    y = y.command(c.yargs, c.summary, (cy: any) => {
      if (c.name === 'exec') cy.positional('command', { type: 'string', array: true, default: [] });
      if (c.name === 'kill') cy.positional('signal', { type: 'string', default: 'SIGTERM' });
      if (c.name === 'planner') cy.positional('action', { type: 'string', choices: ['status', 'stop'] });
      for (const f of c.flags) cy.option(f.name, yargsOption(f));
      return cy;
    });
  }
  return y
    .strict()
    .exitProcess(false)
    .fail((msg: string, err: Error) => { throw err ?? Object.assign(new Error(msg), { code: 'EUSAGE' }); });
}

/** Prints what checkUsage decided: help (exit 0), or runc's error line, "Incorrect Usage" and help (its exit code). */
function usageExit(u: Exclude<UsageResult, { kind: 'ok' }>, stdio: { stdout: number; stderr: number }): number {
  if (u.kind === 'help') {
    fs.writeSync(stdio.stdout, u.text);
    return 0;
  }
  const format = u.globals['log-format'] === 'json' ? 'json' : 'text';
  let logger: Logger;
  try {
    logger = new Logger({ file: typeof u.globals.log === 'string' && u.globals.log ? u.globals.log : undefined, fd: stdio.stderr, format });
  } catch {
    logger = new Logger({ fd: stdio.stderr, format });
  }
  logger.error(u.message);
  if (logger.toFile) fs.writeSync(stdio.stderr, `${u.message}\n`);
  logger.close();
  if (u.stdout) fs.writeSync(stdio.stdout, u.stdout);
  return u.exitCode;
}

export async function main(args: string[], opts: MainOptions = {}): Promise<number> {
  const stdio = opts.stdio ?? { stdin: 0, stdout: 1, stderr: 2 };
  const fastArgs = execArgs(args);
  let argv: Record<string, any> | undefined = fastParse(fastArgs) ?? parityFastParse(fastArgs);
  if (argv) return dispatch(argv, fastArgs, opts, COMMANDS[commandName(argv)]);
  // Help, usage errors and unusual syntax: runc's answers (usage.ts), then yargs.
  const u = checkUsage(args, [version(), ...(await versionDetails())].join('\n'), helpWidth(stdio.stdout));
  if (u.kind !== 'ok') return usageExit(u, stdio);
  try {
    const p = await parser(u.args);
    argv = await p.parseAsync(u.args) as Record<string, any>;
  } catch (e) {
    // What only yargs checks (a value outside its choices): the same logrus error line.
    return usageExit({ kind: 'error', message: (e as Error).message.replace(/\s*\n\s*/g, ' '), exitCode: 1, globals: {} }, stdio);
  }
  return dispatch(argv, u.args, opts, COMMANDS[commandName(argv)]);
}
