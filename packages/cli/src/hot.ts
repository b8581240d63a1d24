/**
 * The fast entry (design.md "Keep the fast path open"), run from CommonJS
 * files with no ES module loading at all (Node's ES module loader costs
 * 6-15 ms before the first line of a module runs):
 * - `state`, `start`, `kill`, `delete`, `list` (the calls container managers
 *   make on every container), parsed by fast-argv.ts, and `version`, are in
 *   this file;
 * - create, run, exec and the other commands parity-argv.ts parses come from
 *   `cold()` (cold.ts, a second CommonJS file loaded only for them);
 * - anything else (help, usage errors, unusual syntax) goes to the full
 *   entry, main.ts with yargs, through `full()`.
 * The caller (bin/oci-ts.cjs) passes `cold` and `full` in, so this file never
 * bundles them.
 */
import { commandName, dispatch, type MainOptions } from './dispatch.ts';
import { execArgs } from './exec-argv.ts';
import { fastParse } from './fast-argv.ts';
import { parityFastParse } from './parity-argv.ts';
import type { CommandHandler } from './commands/context.ts';
import { deleteCommand } from './commands/delete.ts';
import { killCommand } from './commands/kill.ts';
import { listCommand } from './commands/list.ts';
import { startCommand } from './commands/start.ts';
import { stateCommand } from './commands/state.ts';
import { versionCommand } from './commands/version.ts';

export const HOT: Record<string, CommandHandler> = {
  state: stateCommand,
  start: startCommand,
  kill: killCommand,
  delete: deleteCommand,
  list: listCommand,
  version: versionCommand,
};

export type FullMain = (args: string[], opts?: MainOptions) => Promise<number>;

export interface Entries {
  /** main.ts: every command, yargs. */
  full: () => Promise<FullMain>;
  /** cold.ts' command loaders; absent: those commands go to `full` too. */
  cold?: () => Record<string, () => Promise<CommandHandler>>;
}

export async function main(args: string[], opts: MainOptions, entries: Entries): Promise<number> {
  const parsed = execArgs(args);
  const argv = fastParse(parsed) ?? parityFastParse(parsed);
  const name = argv ? commandName(argv) : '';
  let load: (() => Promise<CommandHandler>) | undefined;
  if (argv && Object.hasOwn(HOT, name)) {
    const handler = HOT[name];
    load = async () => handler;
  } else if (argv && entries.cold) {
    const cold = entries.cold();
    if (Object.hasOwn(cold, name)) load = cold[name];
  }
  if (!argv || !load) return (await entries.full())(args, opts);
  return dispatch(argv, parsed, opts, load);
}
