import { version, versionDetails } from '../version.ts';
import { print, type CommandContext } from './context.ts';

export { version } from '../version.ts';

/** `oci-ts --version` / `oci-ts version` (version.ts: runc's line layout). */
export async function versionCommand(ctx: CommandContext): Promise<number> {
  print(ctx, [`oci-ts version ${version()}`, ...(await versionDetails())].join('\n') + '\n');
  return 0;
}
