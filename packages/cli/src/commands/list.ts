/** `list [--format table|json] [--quiet]` with runc's output (runc list.go: tabwriter minwidth 12, padding 3). */
import fs from 'node:fs';
import { runcState, statusOf } from '../container.ts';
import { OciError } from '../errors.ts';
import { print, store, type CommandContext } from './context.ts';

function userName(uid: number): string {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length > 2 && Number(f[2]) === uid) return f[0];
    }
  } catch { /* no passwd */ }
  return `#${uid}`;
}

/** Go text/tabwriter with minwidth 12, padding 3, the last cell unpadded. */
export function tabwrite(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.slice(0, -1).forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, Math.max(12, c.length + 3)); });
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c)).join('') + '\n').join('');
}

export async function listCommand(ctx: CommandContext): Promise<number> {
  const st = store(ctx);
  const items = [];
  for (const id of st.ids()) {
    let s;
    try {
      s = st.read(id);
    } catch (e) {
      // A create in progress or a bare directory has no state yet: skip it
      // quietly. Anything else is reported and skipped, as runc's
      // "load container X: ..." warning: one bad entry never hides the rest.
      if ((e as OciError).code !== 'ENOTEXIST') ctx.logger.warn(`load container ${id}: ${(e as Error).message}`);
      continue;
    }
    const state = runcState(s, statusOf(st, s));
    let uid = 0;
    try { uid = fs.statSync(st.dir(id)).uid; } catch { continue; }
    state.owner = userName(uid);
    items.push(state);
  }
  const format = ctx.argv.format ?? 'table';
  if (ctx.argv.quiet) {
    print(ctx, items.map((i) => `${i.id}\n`).join(''));
  } else if (format === 'json') {
    // runc encodes a nil slice: "null" when there are no containers.
    print(ctx, JSON.stringify(items.length ? items : null) + '\n');
  } else if (format === 'table') {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
    for (const i of items) rows.push([String(i.id), String(i.pid), String(i.status), String(i.bundle), String(i.created), String(i.owner)]);
    print(ctx, tabwrite(rows));
  } else {
    throw new OciError('EUSAGE', `invalid format option`);
  }
  return 0;
}
