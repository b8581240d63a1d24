/** `spec [--bundle B] [--rootless]`: writes the default config.json like runc (tab-indented; refuses to overwrite). */
import fs from 'node:fs';
import path from 'node:path';
import { fallbackDefaultConfig } from '../default-config.ts';
import { optionalFn } from '../deps.ts';
import { OciError } from '../errors.ts';
import type { Spec } from '../spec-types.ts';
import type { CommandContext } from './context.ts';

export async function defaultSpec(rootless: boolean): Promise<Spec> {
  const fromSpec = await optionalFn<(o: { rootless?: boolean }) => Spec>('@oci/spec', 'defaultConfig');
  return (fromSpec ?? fallbackDefaultConfig)({ rootless });
}

export async function specCommand(ctx: CommandContext): Promise<number> {
  const bundle = path.resolve(ctx.cwd, ctx.argv.bundle || '.');
  if (!fs.existsSync(bundle)) throw new OciError('ENOENT', `chdir ${bundle}: no such file or directory`);
  const file = path.join(bundle, 'config.json');
  const stringify = (await optionalFn<(v: unknown, indent?: string) => string>('@oci/spec', 'stringify')) ?? ((v, i) => JSON.stringify(v, null, i));
  const text = stringify(await defaultSpec(!!ctx.argv.rootless), '\t');
  try {
    fs.writeFileSync(file, text, { flag: 'wx', mode: 0o666 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new OciError('EEXIST', 'File config.json exists. Remove it first');
    throw e;
  }
  return 0;
}
