import { OciError } from '../errors.ts';
import { containerPids, psTable } from '../ps.ts';
import { containerId, print, store, type CommandContext } from './context.ts';

export async function psCommand(ctx: CommandContext): Promise<number> {
  const format = String(ctx.argv.format ?? 'table');
  const pids = containerPids(store(ctx), containerId(ctx));
  const psArgs = (ctx.argv['ps-args'] ?? ctx.argv._.slice(1)).map(String);
  if (format === 'json') {
    if (psArgs.length) throw new OciError('EUSAGE', 'ps arguments are not supported with --format json');
    // runc marshals a nil slice: `null` when there is no process.
    print(ctx, JSON.stringify(pids.length ? pids : null) + '\n');
  } else if (format === 'table') {
    print(ctx, psTable(pids, psArgs));
  } else {
    throw new OciError('EUSAGE', `invalid format option: ${format}`);
  }
  return 0;
}
