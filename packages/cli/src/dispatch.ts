/**
 * Runs one parsed command: opens the logger (`--log`, `--log-format`,
 * `--debug`), calls the handler and turns a thrown error into runc's log line
 * and exit code (1, or the error's `exitCode`). Shared by the full entry (main.ts, every command, yargs)
 * and the fast CommonJS entry (hot.ts), so both print errors the same way.
 */
import fs from 'node:fs';
import { causeChain, errnoText } from './errors.ts';
import { Logger, type LogFormat } from './log.ts';
import type { CommandContext, CommandHandler } from './commands/context.ts';

export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdio?: { stdin: number; stdout: number; stderr: number };
}

/** The command name yargs' argv selects (`--version` alone is `version`). */
export function commandName(argv: Record<string, any>): string {
  return argv.version && argv._.length === 0 ? 'version' : String(argv._[0] ?? '');
}

export async function dispatch(
  argv: Record<string, any>,
  args: string[],
  opts: MainOptions,
  load: ((name: string) => Promise<CommandHandler>) | undefined,
): Promise<number> {
  const env = opts.env ?? process.env;
  const stdio = opts.stdio ?? { stdin: 0, stdout: 1, stderr: 2 };
  let logger: Logger;
  try {
    logger = new Logger({ file: argv.log || undefined, fd: stdio.stderr, format: argv['log-format'] as LogFormat, debug: argv.debug });
  } catch (e) {
    // runc: `open FILE: no such file or directory` as a log line on stderr, exit 1.
    const msg = `open ${argv.log}: ${errnoText(e)}`;
    try {
      new Logger({ fd: stdio.stderr, format: argv['log-format'] as LogFormat }).error(msg);
    } catch {
      fs.writeSync(stdio.stderr, `${msg}\n`);
    }
    return 1;
  }
  const name = commandName(argv);
  const ctx: CommandContext = { argv, env, cwd: opts.cwd ?? process.cwd(), stdio, logger };
  try {
    if (!load) {
      // runc (urfave/cli): an unknown command is a missing help topic, exit 3.
      logger.error(name ? `No help topic for '${name}'\n` : 'a command is required');
      return name ? 3 : 1;
    }
    logger.debug(`command ${name}`, { args });
    return await (await load(name))(ctx);
  } catch (e) {
    // Logged once, with its cause chain; the plain message also goes to stderr when the log is a file (as runc).
    const msg = causeChain(e).join(': ');
    logger.error(msg);
    if (logger.toFile) fs.writeSync(stdio.stderr, `${msg}\n`);
    // An error may carry runc's exit code for its command (exec's failures: 255).
    const code = (e as { exitCode?: unknown } | null)?.exitCode;
    return typeof code === 'number' ? code : 1;
  } finally {
    logger.close();
  }
}
