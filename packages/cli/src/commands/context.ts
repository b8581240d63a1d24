/** What every command handler gets: plain values, no globals (design.md "Keep the fast path open"). */
import fs from 'node:fs';
import type { Logger } from '../log.ts';
import { StateStore } from '../state.ts';

export interface CommandContext {
  argv: Record<string, any>;
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdio: { stdin: number; stdout: number; stderr: number };
  logger: Logger;
}

export type CommandHandler = (ctx: CommandContext) => Promise<number>;

export function store(ctx: CommandContext): StateStore {
  return new StateStore(ctx.argv.root ?? '/run/oci-ts');
}

export function print(ctx: CommandContext, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length;) off += fs.writeSync(ctx.stdio.stdout, buf, off);
}

export function containerId(ctx: CommandContext): string {
  const id = ctx.argv.id ?? ctx.argv['container-id'];
  if (typeof id !== 'string' || !id) throw Object.assign(new Error('container id cannot be empty'), { code: 'EUSAGE' });
  return id;
}
