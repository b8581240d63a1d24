import { parseDuration, statsEvent, streamEvents } from '../events.ts';
import { containerId, print, store, type CommandContext } from './context.ts';

export async function eventsCommand(ctx: CommandContext): Promise<number> {
  const id = containerId(ctx);
  if (ctx.argv.stats) {
    print(ctx, JSON.stringify(await statsEvent(store(ctx), id)) + '\n');
    return 0;
  }
  const interval = parseDuration(String(ctx.argv.interval ?? '5s'));
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await streamEvents(store(ctx), id, interval, (e) => print(ctx, JSON.stringify(e) + '\n'), ac.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}
