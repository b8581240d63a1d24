/** `spec [--bundle B] [--rootless]`: writes the default config.json like runc (tab-indented; refuses to overwrite). */
import fs from 'node:fs';
import path from 'node:path';
import { spec } from '../deps.ts';
import { OciError } from '../errors.ts';
import type { Spec } from '@oci/spec';
import type { CommandContext } from './context.ts';

export async function defaultSpec(rootless: boolean): Promise<Spec> {
  return (await spec()).defaultConfig({ rootless });
}

export async function specCommand(ctx: CommandContext): Promise<number> {
  const bundle = path.resolve(ctx.cwd, ctx.argv.bundle || '.');
  if (!fs.existsSync(bundle)) throw new OciError('ENOENT', `chdir ${bundle}: no such file or directory`);
  const file = path.join(bundle, 'config.json');
  const { stringify } = await spec();
  const text = stringify(await defaultSpec(!!ctx.argv.rootless), '\t');
  try {
    fs.writeFileSync(file, text, { flag: 'wx', mode: 0o666 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new OciError('EEXIST', 'File config.json exists. Remove it first');
    throw e;
  }
  return 0;
}
