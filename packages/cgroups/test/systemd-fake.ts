/**
 * A fake systemd for the host tests (the real one is tested in the systemd
 * guest, tools/guest/systemd): the Manager methods the driver calls, served
 * over a peer-to-peer socket (like /run/systemd/private) or as
 * "org.freedesktop.systemd1" on a real dbus-daemon. StartTransientUnit
 * creates the unit's cgroup directory under `root` and sends JobRemoved
 * with the configured result, as systemd does after the reply.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DBusConnection, DBusError } from '../src/systemd/dbus/connection.ts';
import type { DValue, Variant } from '../src/systemd/dbus/marshal.ts';
import type { Message } from '../src/systemd/dbus/message.ts';
import { expandSlice } from '../src/systemd/unit.ts';

export interface FakeUnit {
  name: string;
  props: Array<[string, Variant]>;
  set: Array<Array<[string, Variant]>>;
  state: 'active' | 'failed';
  result: string;
}

export interface FakeOptions {
  /** The cgroup2 "mountpoint" the fake creates unit directories in. */
  root: string;
  /** The result of the next StartTransientUnit jobs ("done" by default). */
  startResult?: string;
  /** The unit's Result property when a start fails. */
  failResult?: string;
  version?: string;
}

const MANAGER = 'org.freedesktop.systemd1.Manager';
const unitPath = (name: string) => `/org/freedesktop/systemd1/unit/${name.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;

export class FakeSystemd {
  readonly units = new Map<string, FakeUnit>();
  readonly calls: string[] = [];
  private job = 0;
  constructor(readonly o: FakeOptions) {}

  private dirOf(u: FakeUnit): string {
    const slice = u.props.find(([k]) => k === 'Slice')?.[1][1] as string | undefined;
    return u.name.endsWith('.slice') ? path.join(this.o.root, expandSlice(u.name)) : path.join(this.o.root, expandSlice(slice ?? 'system.slice'), u.name);
  }

  /** Serves one connection (`conn`: the peer, or our name on a bus). */
  serve(conn: DBusConnection): void {
    conn.handleCalls((m) => this.call(conn, m));
  }

  private jobDone(conn: DBusConnection, unit: string, result: string, dest?: string): string {
    const id = ++this.job;
    const job = `/org/freedesktop/systemd1/job/${id}`;
    // After the reply, as systemd runs the job from its event loop.
    setImmediate(() => conn.emitSignal({ path: '/org/freedesktop/systemd1', interface: MANAGER, member: 'JobRemoved', signature: 'uoss', body: [id, job, unit, result], destination: dest }));
    return job;
  }

  private call(conn: DBusConnection, m: Message): { signature: string; body: DValue[] } | void {
    this.calls.push(m.member ?? '');
    if (m.interface === 'org.freedesktop.DBus.Properties' && m.member === 'Get') {
      const [iface, name] = m.body as [string, string];
      if (m.path === '/org/freedesktop/systemd1' && iface === MANAGER && name === 'Version') return { signature: 'v', body: [['s', this.o.version ?? '252.38-1~deb12u1']] };
      const u = [...this.units.values()].find((x) => unitPath(x.name) === m.path);
      if (u && name === 'Result') return { signature: 'v', body: [['s', u.result]] };
      if (u && name === 'ActiveState') return { signature: 'v', body: [['s', u.state]] };
      throw new DBusError('org.freedesktop.DBus.Error.UnknownProperty', `Unknown property ${name}`);
    }
    if (m.interface !== MANAGER) throw new DBusError('org.freedesktop.DBus.Error.UnknownInterface', `Unknown interface ${m.interface}`);
    switch (m.member) {
      case 'GetUnit': {
        const [name] = m.body as [string];
        if (!this.units.has(name)) throw new DBusError('org.freedesktop.systemd1.NoSuchUnit', `Unit ${name} not loaded.`);
        return { signature: 'o', body: [unitPath(name)] };
      }
      case 'StartTransientUnit': {
        const [name, mode, props, aux] = m.body as [string, string, Array<[string, Variant]>, unknown[]];
        if (mode !== 'replace' || aux.length) throw new DBusError('org.freedesktop.DBus.Error.InvalidArgs', 'unexpected mode/aux');
        if (this.units.has(name)) throw new DBusError('org.freedesktop.systemd1.UnitExists', `Unit ${name} was already loaded or has a fragment file.`);
        const result = this.o.startResult ?? 'done';
        const u: FakeUnit = { name, props, set: [], state: result === 'done' ? 'active' : 'failed', result: result === 'done' ? 'success' : this.o.failResult ?? 'resources' };
        this.units.set(name, u);
        if (result === 'done') {
          const d = this.dirOf(u);
          fs.mkdirSync(d, { recursive: true });
          for (const f of ['cgroup.procs', 'memory.max', 'memory.swap.max', 'pids.max', 'cgroup.events']) fs.writeFileSync(path.join(d, f), f === 'cgroup.events' ? 'populated 0\nfrozen 0\n' : '');
        }
        return { signature: 'o', body: [this.jobDone(conn, name, result, m.sender)] };
      }
      case 'StopUnit': {
        const [name] = m.body as [string];
        const u = this.units.get(name);
        if (!u) throw new DBusError('org.freedesktop.systemd1.NoSuchUnit', `Unit ${name} not loaded.`);
        fs.rmSync(this.dirOf(u), { recursive: true, force: true });
        this.units.delete(name);
        return { signature: 'o', body: [this.jobDone(conn, name, 'done', m.sender)] };
      }
      case 'ResetFailedUnit': {
        const [name] = m.body as [string];
        const u = this.units.get(name);
        if (!u) throw new DBusError('org.freedesktop.systemd1.NoSuchUnit', `Unit ${name} not loaded.`);
        if (u.state === 'failed') this.units.delete(name);
        return;
      }
      case 'SetUnitProperties': {
        const [name, runtime, props] = m.body as [string, boolean, Array<[string, Variant]>];
        const u = this.units.get(name);
        if (!u) throw new DBusError('org.freedesktop.systemd1.NoSuchUnit', `Unit ${name} not loaded.`);
        if (!runtime) throw new DBusError('org.freedesktop.DBus.Error.InvalidArgs', 'expected runtime=true');
        u.set.push(props);
        return;
      }
    }
    throw new DBusError('org.freedesktop.DBus.Error.UnknownMethod', `Unknown method ${m.member}`);
  }
}

/** A peer-to-peer server socket (systemd's /run/systemd/private) with the fake behind it. */
export async function listenPeer(sockPath: string, fake: FakeSystemd): Promise<net.Server> {
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    DBusConnection.accept(sock, '0123456789abcdef0123456789abcdef', (c) => fake.serve(c)).catch(() => sock.destroy());
  });
  await new Promise<void>((r) => server.listen(sockPath, r));
  return server;
}
