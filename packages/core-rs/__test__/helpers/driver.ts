// The parent side of the init protocol (docs/init-program.md), as small as
// the CLI's: answers idmap / pid / createRuntime, waits for ready, then
// "starts" the container by opening the exec fifo, and collects the
// container's output and exit status.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { execFileSync } from 'node:child_process';
import { spawnInit, waitPid, setChildSubreaper } from '../../index.js';
import type { InitProgram } from '../../program.d.ts';

export interface Message { type: string; [k: string]: unknown }

export interface DriveOptions {
  /** Directory for the output file and the fifo. */
  dir: string;
  idMapping?: { uidMap: string; gidMap: string; setgroups: 'allow' | 'deny' };
  preserveFds?: number[];
  consoleSocketFd?: number;
  stdin?: number;
  /** Called at "ready" before start (the container is created, not started). */
  onReady?: (info: { pid: number }) => Promise<void> | void;
  /** Called right after `start` (the fifo opened), while the process runs. */
  onStarted?: (info: { pid: number }) => Promise<void> | void;
  /** Called at "pid" before the reply (where the CLI would join cgroups). */
  onPid?: (pid: number) => Promise<void> | void;
  /** Called at "createRuntime". */
  onCreateRuntime?: () => Promise<void> | void;
  state?: unknown;
}

export interface DriveResult {
  messages: Message[];
  /** ms from spawnInit to each message, in order (for the benchmark). */
  times: number[];
  error?: { step: string; errno: number; message: string };
  /** Exit status of the container process (absent when create failed). */
  exit?: { exitCode: number | null; signal: number | null };
  stage1: { exitCode: number | null; signal: number | null };
  output: string;
  pid?: number;
}

let subreaper = false;

export async function drive(program: InitProgram, o: DriveOptions): Promise<DriveResult> {
  if (!subreaper) {
    setChildSubreaper(true);
    subreaper = true;
  }
  const outPath = path.join(o.dir, `out-${process.hrtime.bigint()}`);
  const outFd = fs.openSync(outPath, 'w+');
  const nul = o.stdin ?? fs.openSync('/dev/null', 'r');
  if (program.execFifo === undefined) {
    const fifo = path.join(o.dir, `fifo-${process.hrtime.bigint()}`);
    execFileSync('mkfifo', ['-m', '0622', fifo]);
    program = { ...program, execFifo: fifo };
  } else if (program.execFifo === null) {
    const { execFifo: _, ...rest } = program;
    program = rest as InitProgram;
  }
  const t0 = process.hrtime.bigint();
  const times: number[] = [];
  const { pid, syncFd } = spawnInit({
    program: JSON.stringify(program),
    stdio: [nul, outFd, outFd],
    preserveFds: o.preserveFds,
    consoleSocketFd: o.consoleSocketFd,
  });
  fs.closeSync(outFd);
  if (o.stdin === undefined) fs.closeSync(nul);
  const sock = new net.Socket({ fd: syncFd, readable: true, writable: true });
  const send = (m: unknown) => sock.write(JSON.stringify(m) + '\n');
  const rl = readline.createInterface({ input: sock });
  const messages: Message[] = [];
  let error: DriveResult['error'];
  let containerPid: number | undefined;
  let ready = false;
  for await (const line of rl) {
    const m = JSON.parse(line) as Message;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    messages.push(m);
    if (m.type === 'idmap') {
      const n = m.pid as number;
      const map = o.idMapping!;
      fs.writeFileSync(`/proc/${n}/setgroups`, map.setgroups);
      fs.writeFileSync(`/proc/${n}/uid_map`, map.uidMap);
      fs.writeFileSync(`/proc/${n}/gid_map`, map.gidMap);
      send({ type: 'ok' });
    } else if (m.type === 'pid') {
      containerPid = m.pid as number;
      await o.onPid?.(containerPid);
      send({ type: 'ok', state: o.state ?? { ociVersion: '1.2.0', id: 'test', status: 'creating', pid: containerPid, bundle: o.dir } });
    } else if (m.type === 'createRuntime') {
      await o.onCreateRuntime?.();
      send({ type: 'ok' });
    } else if (m.type === 'ready') {
      ready = true;
      break;
    } else if (m.type === 'error') {
      error = m as unknown as DriveResult['error'];
      break;
    }
  }
  rl.close();
  sock.destroy();
  const stage1 = containerPid === pid && ready ? { exitCode: 0, signal: null } : await waitPid(pid);
  let exit: DriveResult['exit'];
  if (ready && containerPid !== undefined) {
    await o.onReady?.({ pid: containerPid });
    if (program.execFifo) {
      // `start`: a reader on the fifo releases the init's open(O_WRONLY).
      const fd = fs.openSync(program.execFifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const exited = waitPid(containerPid);
      await o.onStarted?.({ pid: containerPid });
      exit = await exited;
      fs.closeSync(fd);
    } else {
      exit = await waitPid(containerPid);
    }
  }
  const output = fs.readFileSync(outPath, 'utf8');
  return { messages, times, error, exit: exit as DriveResult['exit'], stage1: stage1 as DriveResult['stage1'], output, pid: containerPid };
}
