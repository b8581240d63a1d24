/**
 * `start` (runtime.md "Lifecycle" steps 6-8): open exec.fifo for reading,
 * which releases the init blocked opening it for writing; it then runs the
 * startContainer hooks and execs the user process. poststart hooks run here,
 * after the process started; their failures are warnings (runtime.md step 8).
 */
import fs from 'node:fs';
import { ociState, statusOf } from '../container.ts';
import { since } from '../debug-log.ts';
import { OciError } from '../errors.ts';
import { runHooksCollect } from '../hooks.ts';
import type { Logger } from '../log.ts';
import { isSameLiveProcess, sleep } from '../proc.ts';
import type { SavedState, StateStore } from '../state.ts';

export async function start(store: StateStore, id: string, logger: Logger): Promise<SavedState> {
  const release = await store.lock(id);
  try {
    const s = store.read(id);
    const status = statusOf(store, s);
    switch (status) {
      case 'created': break;
      case 'stopped': throw new OciError('ESTOPPED', 'cannot start a container that has stopped');
      case 'running': throw new OciError('ERUNNING', 'cannot start an already running container');
      default: throw new OciError('ESTATUS', `cannot start a container in the ${status} state`);
    }
    const t0 = performance.now();
    await releaseFifo(store.fifoPath(id), s);
    logger.debug('start: exec.fifo opened, the init runs startContainer hooks and execs', { id, pid: s.pid, ms: since(t0) });
    await waitForExec(s);
    logger.debug('start: the process runs', { id, pid: s.pid, ms: since(t0) });
    const errors = await runHooksCollect('poststart', s.hooks?.poststart, JSON.stringify(ociState(s, 'running')), logger);
    for (const e of errors) logger.warn(e.message);
    return s;
  } finally {
    release();
  }
}

/**
 * The fifo can reach EOF before the init has run its startContainer hooks and
 * exec'd, but poststart hooks and `start` returning must come after the user
 * process started (runtime.md "Lifecycle" steps 7-8). So wait until the init
 * no longer runs the executor (its /proc/<pid>/exe changed at execve) or is gone.
 */
async function waitForExec(s: SavedState, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let d = 1; ; d = Math.min(d * 2, 10)) {
    let exe: string;
    try { exe = fs.readlinkSync(`/proc/${s.pid}/exe`); } catch { return; } // exited (or a zombie)
    if (!exe.includes('oci-ts-init') || !isSameLiveProcess(s.pid, s.pidStartTime)) return;
    if (Date.now() > deadline) return;
    await sleep(d);
  }
}

/**
 * Opening a FIFO for reading blocks until a writer opens it (fifo(7)), and the
 * init may die before it does; so the open runs on the libuv pool while the
 * init's liveness is polled. If it died, opening the fifo for writing
 * ourselves unblocks the pending open.
 */
async function releaseFifo(fifo: string, s: SavedState): Promise<void> {
  let opened = false;
  const open = fs.promises.open(fifo, fs.constants.O_RDONLY).then((fh) => { opened = true; return fh; });
  const watch = (async () => {
    for (let d = 1; !opened; d = Math.min(d * 2, 20)) {
      if (!isSameLiveProcess(s.pid, s.pidStartTime)) {
        try { fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)); } catch { /* open already done */ }
        return;
      }
      await sleep(d);
    }
  })();
  const fh = await open;
  let data: Buffer;
  try {
    data = await fh.readFile();
  } finally {
    await fh.close();
  }
  await watch;
  // The init writes one byte ("0") once it has the fifo open; nothing means it
  // never did. (initDied alone is no failure: a process like `true` may have
  // run and exited by the time this is checked.)
  if (data.length === 0) throw new OciError('ESTART', 'cannot start container: the init process exited before start');
  fs.rmSync(fifo, { force: true });
}
