/**
 * `oci-ts planner status|stop`: show or end the warm planner of this `--root`
 * (design.md "The fast path"). status prints its JSON (pid, build, calls,
 * RSS, CPU) and exits 1 when none runs; stop asks it to finish its calls and
 * exit.
 */
import net from 'node:net';
import { OciError } from '../errors.ts';
import { FrameReader, frame, plannerSocket } from '../planner/socket.ts';
import { print, type CommandContext } from './context.ts';

export async function plannerCommand(ctx: CommandContext): Promise<number> {
  const action = String(ctx.argv.action ?? '');
  if (action !== 'status' && action !== 'stop') throw new OciError('EUSAGE', `planner: unknown action "${action}" (status or stop)`);
  const root = String(ctx.argv.root ?? '/run/oci-ts');
  const socket = plannerSocket(root, ctx.env);
  const reply = socket ? await ask(socket, action) : undefined;
  if (!reply) {
    print(ctx, JSON.stringify({ root, socket, running: false }, null, 2) + '\n');
    return action === 'stop' ? 0 : 1;
  }
  const { t: _t, ...rest } = reply;
  print(ctx, JSON.stringify({ running: true, ...rest }, null, 2) + '\n');
  return 0;
}

function ask(socket: string, op: string): Promise<any> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    const reader = new FrameReader();
    const done = (v: any) => { c.destroy(); resolve(v); };
    c.setTimeout(5000, () => done(undefined));
    c.on('error', () => done(undefined));
    c.on('connect', () => c.write(Buffer.concat([Buffer.from('OCIC'), frame({ op })])));
    c.on('data', (d) => { try { reader.push(d); const v = reader.next(); if (v) done(v); } catch { done(undefined); } });
    c.on('end', () => done(undefined));
  });
}
