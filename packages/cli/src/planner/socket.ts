/**
 * Where the planner of a `--root` listens (design.md "The fast path"): one
 * socket per root, `<dir>/<FNV-1a 64 of the root>.sock`, in a directory only
 * its owner can enter. The native front end (packages/core-rs/src/bin/oci-ts.rs)
 * computes the same path; keep the two in step.
 */
import path from 'node:path';

/** The planner directory: OCI_TS_PLANNER_DIR, else /run/oci-ts-planner for root, $XDG_RUNTIME_DIR/oci-ts-planner otherwise. */
export function plannerDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OCI_TS_PLANNER_DIR) return env.OCI_TS_PLANNER_DIR;
  if (process.geteuid?.() === 0) return '/run/oci-ts-planner';
  return env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'oci-ts-planner') : undefined;
}

export function fnv1a64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

/** The socket of the planner serving `root` (an absolute path, as given: not resolved). */
export function plannerSocket(root: string, env: NodeJS.ProcessEnv): string | undefined {
  const dir = plannerDir(env);
  return dir && path.join(dir, `${fnv1a64(Buffer.from(root)).toString(16).padStart(16, '0')}.sock`);
}

/** A length-prefixed JSON frame (u32 little-endian length, then the JSON). */
export function frame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length);
  return Buffer.concat([head, body]);
}

/**
 * Reads frames from a stream: `push` chunks, `next()` returns each complete
 * frame's JSON; frames over `max` bytes throw (a peer that is not ours).
 */
export class FrameReader {
  #buf: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  constructor(readonly max = 4 << 20) {}
  push(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
  }
  next(): any {
    if (this.#buf.length < 4) return undefined;
    const len = this.#buf.readUInt32LE(0);
    if (len > this.max) throw Object.assign(new Error(`planner: a frame of ${len} bytes`), { code: 'EMSGSIZE' });
    if (this.#buf.length < 4 + len) return undefined;
    const body = this.#buf.subarray(4, 4 + len);
    this.#buf = this.#buf.subarray(4 + len);
    return JSON.parse(body.toString('utf8'));
  }
}
