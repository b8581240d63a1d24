/** `completion [bash|zsh]`: prints the shell completion script (completion.ts). */
import { bashCompletion, zshCompletion } from '../completion.ts';
import { OciError } from '../errors.ts';
import { print, type CommandContext } from './context.ts';

export async function completionCommand(ctx: CommandContext): Promise<number> {
  const shell = String(ctx.argv.shell ?? 'bash');
  if (shell === 'bash') print(ctx, bashCompletion());
  else if (shell === 'zsh') print(ctx, zshCompletion());
  else throw new OciError('EUSAGE', `completion: unknown shell "${shell}" (bash or zsh)`);
  return 0;
}
