import { deleteContainer } from '../lifecycle/delete.ts';
import { containerId, store, type CommandContext } from './context.ts';

export async function deleteCommand(ctx: CommandContext): Promise<number> {
  await deleteContainer(store(ctx), containerId(ctx), !!ctx.argv.force, ctx.logger);
  return 0;
}
