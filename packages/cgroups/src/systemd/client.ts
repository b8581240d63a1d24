/**
 * The few calls of systemd's D-Bus API (org.freedesktop.systemd1(5)) the
 * driver makes: StartTransientUnit, StopUnit, ResetFailedUnit,
 * SetUnitProperties, property reads, and waiting for a job's JobRemoved
 * signal, which carries its result ("done", "failed", "timeout", ...).
 *
 * Connection: the system bus (/run/dbus/system_bus_socket, or
 * $DBUS_SYSTEM_BUS_ADDRESS), then, for root, systemd's private socket
 * /run/systemd/private, in the order go-systemd's dbus.New uses. A user
 * manager (rootless, later) is the same API on the session bus:
 * `socketPaths` takes its address.
 */
import fs from 'node:fs';
import { CgroupError } from '../errors.ts';
import { DBusConnection, DBusError } from './dbus/connection.ts';
import type { DValue } from './dbus/marshal.ts';
import type { Message } from './dbus/message.ts';
import type { Property } from './properties.ts';

const DEST = 'org.freedesktop.systemd1';
const PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';
const PROPS = 'org.freedesktop.DBus.Properties';
export const SYSTEM_BUS = '/run/dbus/system_bus_socket';
export const PRIVATE_SOCKET = '/run/systemd/private';
/** runc waits 30 s for a job. */
const JOB_TIMEOUT_MS = 30_000;

export interface Endpoint {
  path: string;
  /** A message bus (Hello, destinations, AddMatch) rather than systemd's peer socket. */
  bus: boolean;
}

/** sd_booted(3): systemd is PID 1 when /run/systemd/system is a directory. */
export function systemdBooted(root = '/run/systemd/system'): boolean {
  try {
    return fs.lstatSync(root).isDirectory();
  } catch {
    return false;
  }
}

/** The system bus address from $DBUS_SYSTEM_BUS_ADDRESS ("unix:path=..."), else the default socket. */
export function systemBusPath(env: NodeJS.ProcessEnv = process.env): string {
  const a = env.DBUS_SYSTEM_BUS_ADDRESS;
  if (a) {
    for (const part of a.split(';')) {
      const m = /^unix:(?:.*,)?path=([^,]+)/.exec(part);
      if (m) return decodeURIComponent(m[1]);
    }
  }
  return SYSTEM_BUS;
}

export function defaultEndpoints(): Endpoint[] {
  const out: Endpoint[] = [{ path: systemBusPath(), bus: true }];
  if (process.geteuid?.() === 0) out.push({ path: PRIVATE_SOCKET, bus: false });
  return out;
}

export interface JobResult {
  job: string;
  unit: string;
  result: string;
}

export class Systemd {
  private readonly jobs = new Map<string, JobResult>();
  private readonly waiters = new Map<string, (r: JobResult) => void>();
  private versionCache: number | undefined;

  private constructor(readonly conn: DBusConnection, readonly endpoint: Endpoint) {
    conn.onSignal((m) => this.onSignal(m));
  }

  /** Connects to the first endpoint that answers; the error names every one tried. */
  static async connect(endpoints: Endpoint[] = defaultEndpoints()): Promise<Systemd> {
    const errors: string[] = [];
    for (const ep of endpoints) {
      let conn: DBusConnection | undefined;
      try {
        conn = await DBusConnection.connect({ path: ep.path, bus: ep.bus, timeoutMs: 10_000 });
        const sd = new Systemd(conn, ep);
        // JobRemoved is broadcast on a bus: ask the daemon to route it to us.
        // (systemd sends it on the bus to a job's requester without
        // Subscribe(); on its private socket to every peer.)
        if (ep.bus) {
          await conn.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'AddMatch', signature: 's', body: [`type='signal',sender='${DEST}',path='${PATH}',interface='${MANAGER}',member='JobRemoved'`] });
        }
        return sd;
      } catch (e) {
        conn?.close();
        errors.push((e as Error).message);
      }
    }
    throw new CgroupError('ESYSTEMD', `cgroups: cannot connect to systemd over D-Bus (${errors.join('; ')})`);
  }

  close(): void {
    this.conn.close();
  }

  private onSignal(m: Message): void {
    if (m.interface !== MANAGER || m.member !== 'JobRemoved' || m.signature !== 'uoss') return;
    const r: JobResult = { job: String(m.body[1]), unit: String(m.body[2]), result: String(m.body[3]) };
    const w = this.waiters.get(r.job);
    if (w) w(r);
    else if (this.jobs.size < 1024) this.jobs.set(r.job, r);
  }

  private waitJob(job: string, timeoutMs: number): Promise<JobResult | undefined> {
    const seen = this.jobs.get(job);
    if (seen) {
      this.jobs.delete(job);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.waiters.delete(job); resolve(undefined); }, timeoutMs);
      this.waiters.set(job, (r) => { clearTimeout(timer); this.waiters.delete(job); resolve(r); });
    });
  }

  private manager(member: string, signature: string, body: DValue[]): Promise<DValue[]> {
    return this.conn.call({ destination: this.endpoint.bus ? DEST : undefined, path: PATH, interface: MANAGER, member, signature, body, timeoutMs: JOB_TIMEOUT_MS });
  }

  /** A property of an object (Properties.Get); the variant's value. */
  async property(objectPath: string, iface: string, name: string): Promise<DValue> {
    const [v] = await this.conn.call({ destination: this.endpoint.bus ? DEST : undefined, path: objectPath, interface: PROPS, member: 'Get', signature: 'ss', body: [iface, name] });
    return (v as [string, DValue])[1];
  }

  /** systemd's version number (runc systemdVersionAtoi: "252.38-1~deb12u1" → 252); -1 if unknown. */
  async version(): Promise<number> {
    if (this.versionCache === undefined) {
      try {
        this.versionCache = parseVersion(String(await this.property(PATH, MANAGER, 'Version')));
      } catch {
        this.versionCache = -1;
      }
    }
    return this.versionCache;
  }

  /** A unit property by unit name (GetUnit + Properties.Get); undefined when the unit is not loaded. */
  async unitProperty(unit: string, iface: string, name: string): Promise<DValue | undefined> {
    let p: string;
    try {
      [p] = (await this.manager('GetUnit', 's', [unit])) as [string];
    } catch (e) {
      if (e instanceof DBusError && e.dbusName === 'org.freedesktop.systemd1.NoSuchUnit') return undefined;
      throw e;
    }
    return this.property(p, iface, name);
  }

  /** StartTransientUnit(name, "replace", props, []) and waits for the job: its result ("done" on success). */
  async startTransientUnit(unit: string, props: Property[]): Promise<JobResult | undefined> {
    const [job] = (await this.manager('StartTransientUnit', 'ssa(sv)a(sa(sv))', [unit, 'replace', props, []])) as [string];
    return this.waitJob(job, JOB_TIMEOUT_MS);
  }

  /** StopUnit(name, "replace") and waits; undefined result when the unit was not loaded. */
  async stopUnit(unit: string): Promise<JobResult | 'not-loaded' | undefined> {
    let job: string;
    try {
      [job] = (await this.manager('StopUnit', 'ss', [unit, 'replace'])) as [string];
    } catch (e) {
      if (e instanceof DBusError && e.dbusName === 'org.freedesktop.systemd1.NoSuchUnit') return 'not-loaded';
      throw e;
    }
    return this.waitJob(job, JOB_TIMEOUT_MS);
  }

  /** ResetFailedUnit: lets systemd unload a failed unit; "not loaded" is not an error. */
  async resetFailedUnit(unit: string): Promise<void> {
    try {
      await this.manager('ResetFailedUnit', 's', [unit]);
    } catch (e) {
      if (e instanceof DBusError && e.dbusName === 'org.freedesktop.systemd1.NoSuchUnit') return;
      throw e;
    }
  }

  /** SetUnitProperties(name, runtime=true, props): drop-ins under /run/systemd/transient, gone at reboot. */
  async setUnitProperties(unit: string, props: Property[]): Promise<void> {
    if (!props.length) return;
    await this.manager('SetUnitProperties', 'sba(sv)', [unit, true, props]);
  }
}

export function parseVersion(s: string): number {
  const m = /^"?v?(\d+)/.exec(s);
  return m ? Number(m[1]) : -1;
}
