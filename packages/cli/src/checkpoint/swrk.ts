/**
 * One `criu swrk` session, as runc drives CRIU (libcontainer/criu_linux.go
 * criuSwrk): a SOCK_SEQPACKET socketpair, CRIU started with its end as fd 3
 * (`criu swrk 3`) and extra fds from 4 on, one `criu_req` written, then
 * `criu_resp` records read until the final answer. NOTIFY records (the
 * "action scripts" of criu(8): setup-namespaces, post-restore,
 * orphan-pts-master...) are passed to `onNotify` and acknowledged with
 * `notify_success`; a notify handler that throws ends the session (CRIU then
 * aborts and, on dump, resumes the tasks it had frozen).
 *
 * CRIU resolves `images_dir_fd` / `work_dir_fd` as /proc/<peer>/fd/<n> of
 * the process on the other end of the socket (SO_PEERCRED): ours, so those
 * are plain fds of this process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { core } from '../deps.ts';
import { OciError } from '../errors.ts';
import { decodeResp, encodeReq, ReqType, reqTypeName, type CriuReq, type CriuResp } from './rpc.ts';

export interface Notify { script: string; pid: number; fds: number[] }

export interface SwrkOptions {
  /** The criu binary (global --criu; default "criu" from PATH). */
  criu: string;
  /** CRIU's fds 0, 1, 2 (restore: the restored tasks inherit pipes from there; runc passes its own stdio). */
  stdio?: [number | 'ignore', number | 'ignore', number | 'ignore'];
  /** CRIU's fds 4, 5, ... (inherit_fd sources, e.g. a network namespace by path). */
  extraFds?: number[];
  /** Called with CRIU's pid before the request is sent (restore: put CRIU in the container's cgroups). */
  started?: (pid: number, req: CriuReq) => Promise<void> | void;
  onNotify?: (n: Notify) => Promise<void> | void;
}

export interface SwrkResult { resp: CriuResp; exit: { code: number | null; signal: NodeJS.Signals | null } }

type RecvMsg = (fd: number, maxLen: number, timeoutMs?: number) => { data: Buffer; fds: number[] };

const MAX_RECORD = 1 << 20;
const tick = () => new Promise((r) => setImmediate(r));

export async function swrk(req: CriuReq, o: SwrkOptions): Promise<SwrkResult> {
  const c = await core();
  const socketpair = c.socketpair as (seqpacket?: boolean) => [number, number];
  const recvMsg = c.recvMsg as RecvMsg | undefined;
  if (typeof recvMsg !== 'function') throw new OciError('EDEPENDENCY', 'checkpoint/restore: @oci/core does not provide recvMsg() (rebuild @oci/core)');
  const [client, server] = socketpair(true);
  let child;
  try {
    child = spawn(o.criu, ['swrk', '3'], { stdio: [...(o.stdio ?? ['ignore', 'ignore', 'ignore']), server, ...(o.extraFds ?? [])] });
  } finally {
    // Ours is closed at once so that a CRIU that dies makes our reads end (EOF), never hang.
    fs.closeSync(server);
  }
  const exit = new Promise<SwrkResult['exit']>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  if (child.pid === undefined) {
    fs.closeSync(client);
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new OciError('ENOCRIU', `criu: cannot run ${o.criu}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'executable file not found in $PATH or --criu' : err.message}`, { cause: err });
  }
  const criuPid = child.pid;
  let closed = false;
  const closeClient = () => { if (!closed) { closed = true; fs.closeSync(client); } };
  try {
    await o.started?.(criuPid, req);
    send(client, req);
    for (;;) {
      const msg = await receive(recvMsg, client);
      if (msg.data.length === 0) {
        closeClient();
        const e = await exit;
        throw new OciError('ECRIU', `criu exited unexpectedly (${e.signal ? `signal ${e.signal}` : `status ${e.code}`}) during ${reqTypeName(req.type)}`);
      }
      let resp: CriuResp;
      try {
        resp = decodeResp(msg.data);
      } catch (e) {
        for (const fd of msg.fds) fs.closeSync(fd);
        throw new OciError('ECRIU', `criu: cannot decode its answer: ${(e as Error).message}`, { cause: e });
      }
      if (!resp.success) {
        for (const fd of msg.fds) fs.closeSync(fd);
        throw new OciError('ECRIU', `criu failed: type ${reqTypeName(resp.type)} errno ${resp.crErrno ?? 0}${resp.crErrmsg ? `: ${resp.crErrmsg}` : ''}`, { errno: resp.crErrno });
      }
      if (resp.type === ReqType.NOTIFY) {
        try {
          await o.onNotify?.({ script: resp.notify?.script ?? '', pid: resp.notify?.pid ?? 0, fds: msg.fds });
        } finally {
          for (const fd of msg.fds) { try { fs.closeSync(fd); } catch { /* the handler kept or closed it */ } }
        }
        send(client, { type: ReqType.NOTIFY, notifySuccess: true });
        continue;
      }
      for (const fd of msg.fds) fs.closeSync(fd);
      if (resp.type !== req.type) throw new OciError('ECRIU', `criu: unexpected answer ${reqTypeName(resp.type)} to ${reqTypeName(req.type)}`);
      closeClient();
      const e = await exit;
      // A PRE_DUMP CRIU waits for the next request and ends with an error status once the socket closes (runc ignores it too).
      if (req.type !== ReqType.PRE_DUMP && (e.code !== 0 || e.signal)) {
        throw new OciError('ECRIU', `criu failed: ${e.signal ? `signal ${e.signal}` : `exit status ${e.code}`}`);
      }
      return { resp, exit: e };
    }
  } catch (err) {
    closeClient();
    // Ends CRIU's session: it sees EOF, undoes what it did (a dump resumes the tasks) and exits.
    const e = await Promise.race([exit, new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
    if (e === null) { try { process.kill(criuPid, 'SIGKILL'); } catch { /* gone */ } await exit; }
    throw err;
  }
}

function send(fd: number, req: CriuReq): void {
  const buf = encodeReq(req);
  // One write(2) on a SOCK_SEQPACKET socket is one record.
  if (fs.writeSync(fd, buf) !== buf.length) throw new OciError('ECRIU', 'criu rpc: short write on the swrk socket');
}

/** recvmsg in short blocking slices, yielding to the event loop between them (CRIU's exit event, signals). */
async function receive(recvMsg: RecvMsg, fd: number): Promise<{ data: Buffer; fds: number[] }> {
  for (;;) {
    try {
      return recvMsg(fd, MAX_RECORD, 50);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw new OciError('ECRIU', `criu rpc: ${(e as Error).message}`, { cause: e });
    }
    await tick();
  }
}
