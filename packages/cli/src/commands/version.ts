import { print, type CommandContext } from './context.ts';

declare const OCI_TS_VERSION: string | undefined; // replaced by the bundler

export function version(): string {
  return typeof OCI_TS_VERSION === 'string' ? OCI_TS_VERSION : '0.1.0';
}

export async function versionCommand(ctx: CommandContext): Promise<number> {
  print(ctx, `oci-ts version ${version()}\nspec: 1.2.0\nnode: ${process.version}\n`);
  return 0;
}
