import fs from 'node:fs';
import path from 'node:path';
import { OciError } from '../errors.ts';
import { resourcesFromFlags, update } from '../update.ts';
import { containerId, store, type CommandContext } from './context.ts';

export async function updateCommand(ctx: CommandContext): Promise<number> {
  let base = {};
  const file = ctx.argv.resources as string | undefined;
  if (file) {
    let text: string;
    try {
      text = file === '-' ? fs.readFileSync(ctx.stdio.stdin, 'utf8') : fs.readFileSync(path.resolve(ctx.cwd, file), 'utf8');
    } catch (e) {
      throw new OciError('ERESOURCES', `reading --resources ${file}: ${(e as Error).message}`, { cause: e });
    }
    try { base = JSON.parse(text); } catch (e) { throw new OciError('ERESOURCES', `decoding --resources ${file}: ${(e as Error).message}`, { cause: e }); }
    if (!base || typeof base !== 'object' || Array.isArray(base)) throw new OciError('ERESOURCES', `--resources ${file}: not a JSON object`);
  }
  const warnings = await update(store(ctx), containerId(ctx), resourcesFromFlags(ctx.argv, base));
  for (const w of warnings) ctx.logger.warn(w);
  return 0;
}
