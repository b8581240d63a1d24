/**
 * CRIU's RPC messages (criu/images/rpc.proto, proto2; Debian ships it as
 * /usr/include/criu/rpc.proto): `criu_req` out, `criu_resp` in, over the
 * `criu swrk` socket, one message per SOCK_SEQPACKET record.
 *
 * Hand-written instead of a protobuf library (README "CRIU"): we need two
 * messages, five wire-level cases (varint, length-delimited strings and
 * sub-messages, repeated fields, skipping unknown fields) and no reflection.
 * protobufjs would add ~200 KB to the CLI bundle plus code generation or
 * runtime .proto parsing, for what the schema tables below say in 60 lines.
 * Field numbers are checked against rpc.proto in test/criu-rpc.test.ts.
 */

/** criu_req_type. */
export const ReqType = {
  EMPTY: 0, DUMP: 1, RESTORE: 2, CHECK: 3, PRE_DUMP: 4, PAGE_SERVER: 5, NOTIFY: 6,
  CPUINFO_DUMP: 7, CPUINFO_CHECK: 8, FEATURE_CHECK: 9, VERSION: 10, WAIT_PID: 11, PAGE_SERVER_CHLD: 12,
} as const;
export const reqTypeName = (t: number): string => Object.entries(ReqType).find(([, v]) => v === t)?.[0] ?? String(t);

/** criu_cg_mode. */
export const CgMode = { IGNORE: 0, CG_NONE: 1, PROPS: 2, SOFT: 3, FULL: 4, STRICT: 5, DEFAULT: 6 } as const;

export interface ExtMount { key: string; val: string }
export interface InheritFd { key: string; fd: number }
export interface CgroupRoot { ctrl?: string; path: string }
export interface JoinNamespace { ns: string; nsFile: string; extraOpt?: string }
export interface Features { memTrack?: boolean; lazyPages?: boolean }

/** criu_opts (the fields oci-ts sets). */
export interface CriuOpts {
  imagesDirFd: number;
  pid?: number;
  leaveRunning?: boolean;
  extUnixSk?: boolean;
  tcpEstablished?: boolean;
  evasiveDevices?: boolean;
  shellJob?: boolean;
  fileLocks?: boolean;
  logLevel?: number;
  logFile?: string;
  notifyScripts?: boolean;
  root?: string;
  parentImg?: string;
  trackMem?: boolean;
  autoDedup?: boolean;
  workDirFd?: number;
  linkRemap?: boolean;
  extMnt?: ExtMount[];
  manageCgroups?: boolean;
  cgRoot?: CgroupRoot[];
  rstSibling?: boolean;
  inheritFd?: InheritFd[];
  manageCgroupsMode?: number;
  external?: string[];
  emptyNs?: number;
  joinNs?: JoinNamespace[];
  freezeCgroup?: string;
  tcpSkipInFlight?: boolean;
  lazyPages?: boolean;
  statusFd?: number;
  orphanPtsMaster?: boolean;
  configFile?: string;
  lsmProfile?: string;
  lsmMountContext?: string;
}

export interface CriuReq { type: number; opts?: CriuOpts; notifySuccess?: boolean; keepOpen?: boolean; features?: Features; pid?: number }

export interface CriuResp {
  type: number;
  success: boolean;
  dump?: { restored?: boolean };
  restore?: { pid: number };
  notify?: { script?: string; pid?: number };
  crErrno?: number;
  features?: Features;
  crErrmsg?: string;
  version?: { majorNumber: number; minorNumber: number; gitid?: string; sublevel?: number; extra?: number; name?: string };
  status?: number;
}

type Kind = 'int32' | 'uint32' | 'bool' | 'string' | Schema;
/** name → [field number, kind, repeated?] */
type Schema = { [name: string]: [number, Kind, boolean?] };

const EXT_MOUNT: Schema = { key: [1, 'string'], val: [2, 'string'] };
const INHERIT_FD: Schema = { key: [1, 'string'], fd: [2, 'int32'] };
const CGROUP_ROOT: Schema = { ctrl: [1, 'string'], path: [2, 'string'] };
const JOIN_NS: Schema = { ns: [1, 'string'], nsFile: [2, 'string'], extraOpt: [3, 'string'] };
const FEATURES: Schema = { memTrack: [1, 'bool'], lazyPages: [2, 'bool'] };

export const OPTS_SCHEMA: Schema = {
  imagesDirFd: [1, 'int32'], pid: [2, 'int32'], leaveRunning: [3, 'bool'], extUnixSk: [4, 'bool'], tcpEstablished: [5, 'bool'],
  evasiveDevices: [6, 'bool'], shellJob: [7, 'bool'], fileLocks: [8, 'bool'], logLevel: [9, 'int32'], logFile: [10, 'string'],
  notifyScripts: [12, 'bool'], root: [13, 'string'], parentImg: [14, 'string'], trackMem: [15, 'bool'], autoDedup: [16, 'bool'],
  workDirFd: [17, 'int32'], linkRemap: [18, 'bool'], extMnt: [23, EXT_MOUNT, true], manageCgroups: [24, 'bool'],
  cgRoot: [25, CGROUP_ROOT, true], rstSibling: [26, 'bool'], inheritFd: [27, INHERIT_FD, true], manageCgroupsMode: [34, 'uint32'],
  external: [37, 'string', true], emptyNs: [38, 'uint32'], joinNs: [39, JOIN_NS, true], freezeCgroup: [44, 'string'],
  tcpSkipInFlight: [46, 'bool'], lazyPages: [48, 'bool'], statusFd: [49, 'int32'], orphanPtsMaster: [50, 'bool'],
  configFile: [51, 'string'], lsmProfile: [53, 'string'], lsmMountContext: [63, 'string'],
};
export const REQ_SCHEMA: Schema = {
  type: [1, 'uint32'], opts: [2, OPTS_SCHEMA], notifySuccess: [3, 'bool'], keepOpen: [4, 'bool'], features: [5, FEATURES], pid: [6, 'uint32'],
};
export const RESP_SCHEMA: Schema = {
  type: [1, 'uint32'], success: [2, 'bool'], dump: [3, { restored: [1, 'bool'] }], restore: [4, { pid: [1, 'int32'] }],
  notify: [5, { script: [1, 'string'], pid: [2, 'int32'] }], crErrno: [7, 'int32'], features: [8, FEATURES], crErrmsg: [9, 'string'],
  version: [10, { majorNumber: [1, 'int32'], minorNumber: [2, 'int32'], gitid: [3, 'string'], sublevel: [4, 'int32'], extra: [5, 'int32'], name: [6, 'string'] }],
  status: [11, 'int32'],
};

// --- wire format (protobuf encoding: varint = 0, length-delimited = 2) ---

function varint(out: number[], v: bigint): void {
  let x = BigInt.asUintN(64, v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
}

function encodeInto(out: number[], schema: Schema, msg: Record<string, unknown>): void {
  for (const [name, [num, kind, repeated]] of Object.entries(schema)) {
    const v = msg[name];
    if (v === undefined || v === null) continue;
    for (const item of repeated ? (v as unknown[]) : [v]) {
      if (kind === 'string' || typeof kind === 'object') {
        const bytes = kind === 'string' ? Buffer.from(String(item)) : encode(kind, item as Record<string, unknown>);
        varint(out, BigInt((num << 3) | 2));
        varint(out, BigInt(bytes.length));
        for (const b of bytes) out.push(b);
      } else {
        varint(out, BigInt(num << 3));
        // int32 negatives are sign-extended to 64 bits (10 bytes), as protobuf does.
        varint(out, kind === 'bool' ? (item ? 1n : 0n) : BigInt(Number(item)));
      }
    }
  }
}

export function encode(schema: Schema, msg: Record<string, unknown>): Buffer {
  const out: number[] = [];
  encodeInto(out, schema, msg);
  return Buffer.from(out);
}

export class RpcDecodeError extends Error {
  readonly code = 'ECRIURPC';
}

export function decode<T>(schema: Schema, buf: Buffer): T {
  const byNum = new Map<number, [string, Kind, boolean?]>();
  for (const [name, [num, kind, repeated]] of Object.entries(schema)) byNum.set(num, [name, kind, repeated]);
  const msg: Record<string, unknown> = {};
  let i = 0;
  const readVarint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length || shift > 63n) throw new RpcDecodeError('criu rpc: truncated or overlong varint');
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(readVarint());
    const num = key >>> 3;
    const wire = key & 7;
    const field = byNum.get(num);
    let value: unknown;
    if (wire === 0) {
      const v = readVarint();
      if (field) value = field[1] === 'bool' ? v !== 0n : field[1] === 'int32' ? Number(BigInt.asIntN(32, v)) : Number(BigInt.asUintN(32, v));
    } else if (wire === 2) {
      const len = Number(readVarint());
      if (i + len > buf.length) throw new RpcDecodeError('criu rpc: a length-delimited field runs past the message');
      const bytes = buf.subarray(i, i + len);
      i += len;
      if (field) value = field[1] === 'string' ? bytes.toString('utf8') : typeof field[1] === 'object' ? decode(field[1], bytes) : undefined;
    } else if (wire === 1) {
      i += 8;
    } else if (wire === 5) {
      i += 4;
    } else {
      throw new RpcDecodeError(`criu rpc: unsupported wire type ${wire} (field ${num})`);
    }
    if (!field || value === undefined) continue;
    const [name, , repeated] = field;
    if (repeated) ((msg[name] ??= []) as unknown[]).push(value);
    else msg[name] = value;
  }
  if (i > buf.length) throw new RpcDecodeError('criu rpc: a fixed-width field runs past the message');
  return msg as T;
}

export const encodeReq = (req: CriuReq): Buffer => encode(REQ_SCHEMA, req as unknown as Record<string, unknown>);
export const decodeResp = (buf: Buffer): CriuResp => decode<CriuResp>(RESP_SCHEMA, buf);
