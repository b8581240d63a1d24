import path from 'node:path';
import { OciError } from '../errors.ts';
import { MAX_CONFIG_BYTES, readBounded, readRegularFile } from '../files.ts';
import { resourcesFromFlags, update } from '../update.ts';
import { containerId, store, type CommandContext } from './context.ts';

export async function updateCommand(ctx: CommandContext): Promise<number> {
  let base = {};
  const file = ctx.argv.resources as string | undefined;
  if (file) {
    let text: string;
    try {
      const o = { what: 'read --resources', maxBytes: MAX_CONFIG_BYTES };
      text = file === '-' ? readBounded(ctx.stdio.stdin, 'stdin', o) : readRegularFile(path.resolve(ctx.cwd, file), o);
    } catch (e) {
      throw new OciError('ERESOURCES', (e as Error).message, { cause: e });
    }
    try { base = JSON.parse(text); } catch (e) { throw new OciError('ERESOURCES', `decoding --resources ${file}: ${(e as Error).message}`, { cause: e }); }
    if (!base || typeof base !== 'object' || Array.isArray(base)) throw new OciError('ERESOURCES', `--resources ${file}: not a JSON object`);
  }
  const warnings = await update(store(ctx), containerId(ctx), resourcesFromFlags(ctx.argv, base));
  for (const w of warnings) ctx.logger.warn(w);
  return 0;
}
