import { features } from '../features.ts';
import { print, type CommandContext } from './context.ts';
import { specVersion, version } from '../version.ts';

export async function featuresCommand(ctx: CommandContext): Promise<number> {
  const seccomp = await import('@oci/seccomp').catch(() => undefined);
  print(ctx, JSON.stringify(features({ seccomp, version: version(), specVersion: await specVersion() }), null, 2) + '\n');
  return 0;
}
