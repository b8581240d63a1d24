import { runcState, statusOf } from '../container.ts';
import { containerId, print, store, type CommandContext } from './context.ts';

export async function stateCommand(ctx: CommandContext): Promise<number> {
  const st = store(ctx);
  const s = st.read(containerId(ctx));
  print(ctx, JSON.stringify(runcState(s, statusOf(st, s)), null, 2) + '\n');
  return 0;
}
