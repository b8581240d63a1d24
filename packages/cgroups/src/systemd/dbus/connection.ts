/**
 * A D-Bus client connection over a unix socket: SASL EXTERNAL authentication
 * (specification, "Authentication Protocol"), method calls with replies
 * matched by serial, and signals handed to listeners. Enough for a bus
 * (dbus-daemon: `Hello` first) and for a peer-to-peer socket such as
 * systemd's /run/systemd/private (no `Hello`, no destinations).
 */
import net from 'node:net';
import { decodeMessage, encodeMessage, FLAG_NO_REPLY_EXPECTED, messageLength, MessageType, type Message } from './message.ts';
import { DBusWireError, type DValue } from './marshal.ts';

/** A D-Bus error reply (`org.freedesktop.systemd1.NoSuchUnit`, ...) or a transport failure (`name` starts with "oci-ts."). */
export class DBusError extends Error {
  readonly dbusName: string;
  constructor(dbusName: string, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'DBusError';
    this.dbusName = dbusName;
  }
}

export interface CallOptions {
  destination?: string;
  path: string;
  interface?: string;
  member: string;
  signature?: string;
  body?: DValue[];
  /** Milliseconds; default 30 s (runc's timeout for systemd jobs). */
  timeoutMs?: number;
}

export type CallHandler = (m: Message) => Promise<{ signature: string; body: DValue[] } | void> | { signature: string; body: DValue[] } | void;

export interface ConnectOptions {
  path: string;
  /** A message bus: say Hello and get a unique name. False for a peer-to-peer socket. */
  bus: boolean;
  /** The uid for EXTERNAL auth; default our effective uid. */
  uid?: number;
  timeoutMs?: number;
}

const MAX_AUTH_LINE = 16 * 1024;

export class DBusConnection {
  /** Our unique name on a bus (":1.42"); "" on a peer-to-peer socket. */
  uniqueName = '';
  private serial = 0;
  private readonly pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<(m: Message) => void>();
  private handler: CallHandler | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private failed: Error | undefined;

  private constructor(private readonly sock: net.Socket, readonly path: string) {}

  static async connect(o: ConnectOptions): Promise<DBusConnection> {
    const timeoutMs = o.timeoutMs ?? 30_000;
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection({ path: o.path });
      const timer = setTimeout(() => { s.destroy(); reject(new DBusError('oci-ts.Timeout', `connecting to ${o.path} timed out`)); }, timeoutMs);
      s.once('connect', () => { clearTimeout(timer); s.removeAllListeners('error'); resolve(s); });
      s.once('error', (e) => { clearTimeout(timer); reject(new DBusError('oci-ts.Connect', `connecting to ${o.path}: ${e.message}`, { cause: e })); });
    });
    const c = new DBusConnection(sock, o.path);
    try {
      const rest = await authenticate(sock, o.uid ?? process.geteuid?.() ?? 0, timeoutMs);
      c.start(rest);
      if (o.bus) {
        const r = await c.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello', timeoutMs });
        c.uniqueName = String(r[0]);
      }
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  private start(initial: Buffer): void {
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', (e) => this.fail(new DBusError('oci-ts.Disconnected', `${this.path}: ${e.message}`, { cause: e })));
    this.sock.on('close', () => this.fail(new DBusError('oci-ts.Disconnected', `${this.path}: connection closed`)));
    if (initial.length) this.onData(initial);
    this.sock.resume();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    try {
      for (;;) {
        const n = messageLength(this.buf);
        if (n === 0 || this.buf.length < n) return;
        const m = decodeMessage(Buffer.from(this.buf.subarray(0, n)));
        this.buf = this.buf.subarray(n);
        this.dispatch(m);
      }
    } catch (e) {
      this.fail(e instanceof DBusWireError ? new DBusError('oci-ts.Protocol', e.message, { cause: e }) : (e as Error));
      this.sock.destroy();
    }
  }

  private dispatch(m: Message): void {
    if (m.type === MessageType.MethodReturn || m.type === MessageType.Error) {
      const p = m.replySerial !== undefined ? this.pending.get(m.replySerial) : undefined;
      if (!p) return;
      this.pending.delete(m.replySerial!);
      clearTimeout(p.timer);
      if (m.type === MessageType.Error) {
        const text = typeof m.body[0] === 'string' ? m.body[0] : m.errorName ?? 'error';
        p.reject(new DBusError(m.errorName ?? 'org.freedesktop.DBus.Error.Failed', text));
      } else p.resolve(m);
      return;
    }
    if (m.type === MessageType.Signal) {
      for (const l of this.listeners) l(m);
      return;
    }
    if (m.type === MessageType.MethodCall) void this.answer(m);
  }

  /** Replies to a method call: the handler's result, its DBusError, or UnknownMethod without a handler (the spec wants an answer). */
  private async answer(m: Message): Promise<void> {
    const noReply = (m.flags & FLAG_NO_REPLY_EXPECTED) !== 0;
    let reply: Message;
    try {
      if (!this.handler) throw new DBusError('org.freedesktop.DBus.Error.UnknownMethod', `no object at ${m.path ?? '?'}`);
      const r = await this.handler(m);
      reply = { type: MessageType.MethodReturn, flags: FLAG_NO_REPLY_EXPECTED, serial: 0, replySerial: m.serial, destination: m.sender, signature: r?.signature ?? '', body: r?.body ?? [] };
    } catch (e) {
      const name = e instanceof DBusError ? e.dbusName : 'org.freedesktop.DBus.Error.Failed';
      reply = { type: MessageType.Error, flags: FLAG_NO_REPLY_EXPECTED, serial: 0, replySerial: m.serial, destination: m.sender, errorName: name, signature: 's', body: [(e as Error).message] };
    }
    if (!noReply && !this.failed) this.send(reply);
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(e); }
    this.pending.clear();
  }

  private send(m: Message): number {
    m.serial = ++this.serial;
    this.sock.write(encodeMessage(m));
    return m.serial;
  }

  /** Calls a method; resolves with the reply's body, rejects with a DBusError. */
  call(o: CallOptions): Promise<DValue[]> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<Message>((resolve, reject) => {
      let serial: number;
      try {
        serial = this.send({ type: MessageType.MethodCall, flags: 0, serial: 0, destination: o.destination, path: o.path, interface: o.interface, member: o.member, signature: o.signature ?? '', body: o.body ?? [] });
      } catch (e) {
        reject(e);
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(new DBusError('oci-ts.Timeout', `${o.interface ?? ''}.${o.member}: no reply in ${o.timeoutMs ?? 30_000} ms`));
      }, o.timeoutMs ?? 30_000);
      this.pending.set(serial, { resolve, reject, timer });
    }).then((m) => m.body);
  }

  /** Serves method calls made to us (a peer-to-peer server, a test's fake service). */
  handleCalls(handler: CallHandler): void {
    this.handler = handler;
  }

  /** Emits a signal (to every peer that matches it on a bus; to the peer on a direct socket). */
  emitSignal(o: { path: string; interface: string; member: string; signature?: string; body?: DValue[]; destination?: string }): void {
    this.send({ type: MessageType.Signal, flags: FLAG_NO_REPLY_EXPECTED, serial: 0, path: o.path, interface: o.interface, member: o.member, destination: o.destination, signature: o.signature ?? '', body: o.body ?? [] });
  }

  /**
   * The server half of a peer-to-peer connection (as systemd's private
   * socket): accepts EXTERNAL authentication and BEGIN on an accepted socket.
   */
  static async accept(sock: net.Socket, guid: string, setup?: (c: DBusConnection) => void, timeoutMs = 10_000): Promise<DBusConnection> {
    const nul = await readBytes(sock, 1, timeoutMs);
    if (nul[0] !== 0) throw new DBusError('oci-ts.Auth', 'the client did not send the NUL byte');
    let rest = nul.subarray(1);
    for (;;) {
      const { line, rest: r } = await readLine(sock, timeoutMs, rest);
      rest = r;
      if (line.startsWith('AUTH EXTERNAL')) sock.write(`OK ${guid}\r\n`);
      else if (line === 'BEGIN') break;
      else if (line.startsWith('NEGOTIATE_UNIX_FD')) sock.write('ERROR\r\n');
      else sock.write('REJECTED EXTERNAL\r\n');
    }
    const c = new DBusConnection(sock, 'peer');
    setup?.(c); // handlers on before the first message is read
    c.start(rest);
    return c;
  }

  onSignal(listener: (m: Message) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.fail(new DBusError('oci-ts.Closed', `${this.path}: connection closed by us`));
    this.sock.destroy();
  }
}

/**
 * SASL EXTERNAL: the credentials are the socket's (SO_PEERCRED); we name our
 * uid in hex-encoded ASCII decimal. Resolves with any bytes read past the
 * OK line (none from a conforming server).
 */
async function authenticate(sock: net.Socket, uid: number, timeoutMs: number): Promise<Buffer> {
  const hex = Buffer.from(String(uid), 'ascii').toString('hex');
  sock.write(Buffer.concat([Buffer.of(0), Buffer.from(`AUTH EXTERNAL ${hex}\r\n`, 'ascii')]));
  const { line, rest } = await readLine(sock, timeoutMs);
  if (!line.startsWith('OK ')) {
    throw new DBusError('oci-ts.Auth', `${line.startsWith('REJECTED') ? 'EXTERNAL authentication rejected' : 'authentication failed'} (server said ${JSON.stringify(line.slice(0, 200))})`);
  }
  sock.write('BEGIN\r\n');
  return rest;
}

function readBytes(sock: net.Socket, n: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let acc = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.off('data', onData); reject(new DBusError('oci-ts.Timeout', 'authentication timed out')); }, timeoutMs);
    const onData = (d: Buffer) => {
      acc = Buffer.concat([acc, d]);
      if (acc.length >= n) {
        clearTimeout(timer);
        sock.off('data', onData);
        sock.pause();
        resolve(acc);
      }
    };
    sock.on('data', onData);
    sock.resume();
  });
}

function readLine(sock: net.Socket, timeoutMs: number, initial: Buffer = Buffer.alloc(0)): Promise<{ line: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let acc: Buffer = initial;
    const first = acc.indexOf('\r\n');
    if (first >= 0) {
      resolve({ line: acc.toString('ascii', 0, first), rest: acc.subarray(first + 2) });
      return;
    }
    const done = (err: Error | undefined, v?: { line: string; rest: Buffer }) => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('error', onErr);
      sock.off('close', onClose);
      if (err) reject(err);
      else resolve(v!);
    };
    const onData = (d: Buffer) => {
      acc = Buffer.concat([acc, d]);
      const i = acc.indexOf('\r\n');
      if (i >= 0) {
        sock.pause(); // start() resumes once its own listener is on
        done(undefined, { line: acc.toString('ascii', 0, i), rest: acc.subarray(i + 2) });
      } else if (acc.length > MAX_AUTH_LINE) done(new DBusError('oci-ts.Auth', 'authentication line too long'));
    };
    const onErr = (e: Error) => done(new DBusError('oci-ts.Auth', `authentication: ${e.message}`, { cause: e }));
    const onClose = () => done(new DBusError('oci-ts.Auth', 'the server closed the connection during authentication'));
    const timer = setTimeout(() => done(new DBusError('oci-ts.Timeout', 'authentication timed out')), timeoutMs);
    sock.on('data', onData);
    sock.on('error', onErr);
    sock.on('close', onClose);
    sock.resume();
  });
}
