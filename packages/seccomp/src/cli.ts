// `oci-seccomp`: compile | disasm | eval, for people who use the package
// alone. A thin layer: parsing arguments, reading files, printing; the work
// is in compile(), disassemble() and evaluate(). Returns an exit code.
import fs from 'node:fs';
import { compile } from './compile.ts';
import { disassemble } from './disassemble.ts';
import { evaluate } from './evaluate.ts';
import { SeccompError } from './errors.ts';
import { findArch, nativeArch, syscallNumber } from './arch.ts';
import { dockerDefault, podmanDefault, fromContainerProfile, type ProfileOptions } from './profiles.ts';

export interface Io {
  stdout: (s: string | Uint8Array) => void;
  stderr: (s: string) => void;
  readFile: (path: string) => Buffer;
  writeFile: (path: string, data: Uint8Array) => void;
}

const USAGE = `usage:
  oci-seccomp compile <config.json|seccomp.json|-> [--arch A] [--strict] [--no-enosys] [-o out.bpf]
  oci-seccomp disasm <file.bpf|config.json> [--arch A]
  oci-seccomp eval <file.bpf|config.json> (--nr N | --syscall NAME) [--arch A] [--args a0,a1,...]
  oci-seccomp profile docker|podman|<profile.json|-> [--arch A] [--caps CAP_A,CAP_B] [--kernel 6.1]
A config.json is read for its linux.seccomp; a bare linux.seccomp object works too.
A Docker/podman profile file (archMap, includes/excludes) is converted with
\`profile\` for a capability set, arch and kernel; \`compile\` refuses it.
`;

// Flags each command takes (true: takes a value). Anything else is an error
// naming the flag: an ignored `--stirct` would compile a profile the caller
// believed was checked.
const COMMAND_FLAGS: Record<string, Record<string, boolean>> = {
  compile: { '--arch': true, '--strict': false, '--no-enosys': false, '-o': true, '--output': true },
  disasm: { '--arch': true },
  eval: { '--arch': true, '--nr': true, '--syscall': true, '--args': true },
  profile: { '--arch': true, '--caps': true, '--kernel': true },
};

class UsageError extends Error {}

function parseFlags(cmd: string, argv: string[]): { pos: string[]; flags: Map<string, string | true> } {
  const known = COMMAND_FLAGS[cmd] ?? {};
  const pos: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { pos.push(...argv.slice(i + 1)); break; }
    if ((a.startsWith('-') && a !== '-')) {
      const eq = a.indexOf('=');
      const [k, v] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
      if (!(k in known)) throw new UsageError(`unknown flag ${k} for ${cmd}`);
      if (known[k]) {
        const val = v ?? argv[++i];
        if (val === undefined) throw new UsageError(`flag ${k} needs a value`);
        flags.set(k === '--output' ? '-o' : k, val);
      } else {
        if (v !== undefined) throw new UsageError(`flag ${k} takes no value`);
        flags.set(k, true);
      }
    } else pos.push(a);
  }
  return { pos, flags };
}

const BIG = '\u0000bigint:';

/**
 * JSON.parse, but integers too large for a double stay exact as bigints
 * (syscall argument values are uint64): such number tokens are turned into
 * marked strings before parsing and back into bigints by the reviver.
 */
export function parseJsonExact(text: string): any {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if ((c >= '0' && c <= '9') || c === '-') {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j])) j++;
      const tok = text.slice(i, j);
      out += /^-?\d{16,}$/.test(tok) && !Number.isSafeInteger(Number(tok)) ? JSON.stringify(BIG + tok) : tok;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out, (_k, v) => (typeof v === 'string' && v.startsWith(BIG) ? BigInt(v.slice(BIG.length)) : v));
}

function loadProgram(io: Io, file: string, arch: string | undefined): Uint8Array {
  const data = io.readFile(file);
  const text = data.subarray(0, 1).toString();
  if (text === '{') {
    const json = parseJsonExact(data.toString('utf8'));
    const seccomp = json?.linux?.seccomp ?? json;
    return compile(seccomp, arch ? { arch } : {}).bpf;
  }
  return new Uint8Array(data);
}

export function main(argv: string[], io: Io): number {
  const [cmd, ...rest] = argv;
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(cmd ?? '', rest);
  } catch (e) {
    if (e instanceof UsageError && cmd !== undefined && cmd in COMMAND_FLAGS) { io.stderr(`oci-seccomp: ${e.message}\n${USAGE}`); return 2; }
    parsed = { pos: [], flags: new Map() };
  }
  const { pos, flags } = parsed;
  const arch = typeof flags.get('--arch') === 'string' ? (flags.get('--arch') as string) : undefined;
  try {
    switch (cmd) {
      case 'compile': {
        if (pos.length !== 1) { io.stderr(USAGE); return 2; }
        const json = parseJsonExact(io.readFile(pos[0]).toString('utf8'));
        const seccomp = json?.linux?.seccomp ?? json;
        const r = compile(seccomp, {
          ...(arch ? { arch } : {}),
          strict: flags.has('--strict'),
          enosysStub: !flags.has('--no-enosys'),
          log: (m) => io.stderr(`${m}\n`),
        });
        const out = flags.get('-o');
        if (typeof out === 'string' && out !== '-') io.writeFile(out, r.bpf); else io.stdout(r.bpf);
        io.stderr(`${r.instructions} instructions, flags 0x${r.flags.toString(16)}${r.listener ? ', listener' : ''}, arches ${r.architectures.join(' ')}\n`);
        return 0;
      }
      case 'disasm': {
        if (pos.length !== 1) { io.stderr(USAGE); return 2; }
        const bpf = loadProgram(io, pos[0], arch);
        io.stdout(disassemble(bpf, { arch: arch ? findArch(arch) : nativeArch() }));
        return 0;
      }
      case 'eval': {
        if (pos.length !== 1) { io.stderr(USAGE); return 2; }
        const bpf = loadProgram(io, pos[0], arch);
        const a = arch ? findArch(arch) : nativeArch();
        if (!a) { io.stderr(`oci-seccomp: unknown architecture ${arch}\n`); return 2; }
        let nr: number | undefined;
        if (typeof flags.get('--nr') === 'string') nr = Number(flags.get('--nr'));
        else if (typeof flags.get('--syscall') === 'string') nr = syscallNumber(a, flags.get('--syscall') as string);
        if (nr === undefined || !Number.isInteger(nr)) { io.stderr('oci-seccomp: give --nr N or a --syscall known on this arch\n'); return 2; }
        const args = typeof flags.get('--args') === 'string' ? (flags.get('--args') as string).split(',').map((x) => BigInt(x)) : [];
        const r = evaluate(bpf, { nr, arch: a.token, args });
        io.stdout(`${r.name} (${r.steps} instructions)\n`);
        return 0;
      }
      case 'profile': {
        if (pos.length !== 1) { io.stderr(USAGE); return 2; }
        const make = pos[0] === 'docker' ? dockerDefault : pos[0] === 'podman' ? podmanDefault
          : (o: ProfileOptions) => fromContainerProfile(parseJsonExact(io.readFile(pos[0]).toString('utf8')), o);
        const caps = flags.get('--caps');
        const kernel = flags.get('--kernel');
        const p = make({
          ...(arch ? { arch } : {}),
          ...(typeof caps === 'string' ? { capabilities: caps.split(',').filter(Boolean) } : {}),
          ...(typeof kernel === 'string' ? { kernel } : {}),
        });
        io.stdout(`${JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n`);
        return 0;
      }
      default:
        io.stderr(USAGE);
        return cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 2;
    }
  } catch (e) {
    if (e instanceof SeccompError) { io.stderr(`oci-seccomp: ${e.message} (${e.code})\n`); return 1; }
    if (e instanceof SyntaxError) { io.stderr(`oci-seccomp: invalid JSON: ${e.message}\n`); return 1; }
    if (e instanceof InputError) { io.stderr(`oci-seccomp: ${e.message}\n`); return 1; }
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) { io.stderr(`oci-seccomp: ${(e as Error).message}\n`); return 1; }
    throw e;
  }
}

/** An input file the tool will not read (too large, not a file or pipe). */
class InputError extends Error {}

/** 16 MiB: far above any profile or config.json, far below what hurts. */
const MAX_INPUT = 16 << 20;

/**
 * Reads `-` (standard input, whatever it is: a pipe, a socket, a file) or a
 * path, bounded by MAX_INPUT. A path is opened O_NONBLOCK so a FIFO with no
 * writer cannot hang the tool; a device or directory is refused.
 */
function readInput(p: string): Buffer {
  const fd = p === '-' ? 0 : fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (p !== '-' && !st.isFile()) throw new InputError(`${p}: not a regular file`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(64 << 10);
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        // stdin in non-blocking mode (a shared pipe or tty): wait and retry.
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); continue; }
        throw e;
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT) throw new InputError(`${p === '-' ? 'standard input' : p}: larger than ${MAX_INPUT} bytes`);
      chunks.push(buf.subarray(0, n));
    }
    return Buffer.concat(chunks);
  } finally {
    if (p !== '-') fs.closeSync(fd);
  }
}

export const processIo: Io = {
  stdout: (s) => { if (typeof s === 'string') fs.writeSync(1, s); else fs.writeSync(1, s); },
  stderr: (s) => { fs.writeSync(2, s); },
  readFile: readInput,
  writeFile: (p, d) => fs.writeFileSync(p, d),
};
