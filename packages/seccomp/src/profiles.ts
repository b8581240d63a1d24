// The Docker and podman default profiles, and the conversion Docker and
// podman apply before handing them to the runtime (moby
// profiles/seccomp/seccomp.go setupSeccomp; containers/common
// pkg/seccomp/seccomp_linux.go): the native arch with its sub-arches from
// archMap, and each rule kept or dropped by its includes/excludes on the Go
// arch name, the capability bounding set and the kernel version.
import type { LinuxSeccomp } from '@oci/spec';
import os from 'node:os';
import { DOCKER_DEFAULT, PODMAN_DEFAULT } from './profiles.generated.ts';
import { findArch } from './arch.ts';
import { SeccompError } from './errors.ts';

export interface ContainerProfileRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: Array<{ index: number; value: number; valueTwo?: number; op: string }>;
  includes?: { arches?: string[]; caps?: string[]; minKernel?: string };
  excludes?: { arches?: string[]; caps?: string[]; minKernel?: string };
}

export interface ContainerProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: Array<{ architecture: string; subArchitectures?: string[] }>;
  syscalls: ContainerProfileRule[];
}

export interface ProfileOptions {
  /** Native arch (OCI name or alias). Default: the host's. */
  arch?: string;
  /** Capability bounding set of the container. Default: Docker's (dockerDefault) or podman's (podmanDefault) default set. */
  capabilities?: readonly string[];
  /** Kernel version for minKernel rules, e.g. "6.1". Default: os.release(). */
  kernel?: string;
}

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** podman's default capability set (containers/common pkg/config default_linux.go, v4+). */
export const PODMAN_DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETFCAP',
  'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];

// Go's GOARCH for each OCI arch: the names includes/excludes.arches use.
const GOARCH: Record<string, string> = {
  SCMP_ARCH_X86_64: 'amd64', SCMP_ARCH_X86: '386', SCMP_ARCH_X32: 'x32', SCMP_ARCH_AARCH64: 'arm64', SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_PPC64LE: 'ppc64le', SCMP_ARCH_PPC64: 'ppc64', SCMP_ARCH_S390X: 's390x', SCMP_ARCH_S390: 's390',
  SCMP_ARCH_RISCV64: 'riscv64', SCMP_ARCH_LOONGARCH64: 'loong64', SCMP_ARCH_MIPSEL64: 'mips64le', SCMP_ARCH_MIPS64: 'mips64',
  SCMP_ARCH_MIPSEL: 'mipsle', SCMP_ARCH_MIPS: 'mips',
};

function kernelAtLeast(have: string, want: string): boolean {
  const p = (v: string) => v.split(/[.-]/).slice(0, 2).map((x) => Number.parseInt(x, 10) || 0);
  const [a, b] = p(have), [c, d] = p(want);
  return a > c || (a === c && b >= d);
}

const RULE_KEYS = new Set(['names', 'action', 'errnoRet', 'args', 'comment', 'includes', 'excludes']);
const FILTER_KEYS = new Set(['arches', 'caps', 'minKernel']);

/**
 * A rule field or an includes/excludes condition this converter does not
 * know is an error: skipping it would drop a condition and could turn a
 * conditional rule into an unconditional one.
 */
function checkRule(r: ContainerProfileRule, pointer: string): void {
  if (typeof r !== 'object' || r === null) throw new SeccompError('EPROFILE', 'rule must be an object', { pointer });
  for (const k of Object.keys(r)) {
    if (!RULE_KEYS.has(k)) throw new SeccompError('EPROFILE', `unknown rule field ${JSON.stringify(k)}`, { pointer: `${pointer}/${k}` });
  }
  if (!Array.isArray(r.names)) throw new SeccompError('EPROFILE', 'rule needs a names array', { pointer: `${pointer}/names` });
  for (const f of ['includes', 'excludes'] as const) {
    const c = r[f];
    if (c === undefined || c === null) continue;
    if (typeof c !== 'object') throw new SeccompError('EPROFILE', `${f} must be an object`, { pointer: `${pointer}/${f}` });
    for (const k of Object.keys(c)) {
      if (!FILTER_KEYS.has(k)) throw new SeccompError('EPROFILE', `unknown ${f} condition ${JSON.stringify(k)}`, { pointer: `${pointer}/${f}/${k}` });
    }
  }
}

/** Convert a Docker/podman-format profile for one arch and capability set. */
export function fromContainerProfile(profile: ContainerProfile, opts: ProfileOptions = {}): LinuxSeccomp {
  const arch = findArch(opts.arch ?? process.arch);
  if (!arch) throw new SeccompError('EARCH', `unknown architecture ${JSON.stringify(opts.arch ?? process.arch)}`);
  const goarch = GOARCH[arch.name] ?? arch.name;
  const caps = new Set(opts.capabilities ?? DOCKER_DEFAULT_CAPABILITIES);
  const kernel = opts.kernel ?? os.release();
  const architectures: string[] = [];
  for (const m of profile.archMap ?? []) {
    if (m.architecture === arch.name) architectures.push(m.architecture, ...(m.subArchitectures ?? []));
  }
  const syscalls: NonNullable<LinuxSeccomp['syscalls']> = [];
  if (!Array.isArray(profile?.syscalls)) throw new SeccompError('EPROFILE', 'a container profile needs a syscalls array', { pointer: '/syscalls' });
  for (const [i, r] of profile.syscalls.entries()) {
    checkRule(r, `/syscalls/${i}`);
    const ex = r.excludes ?? {}, inc = r.includes ?? {};
    if (ex.arches?.includes(goarch)) continue;
    if (ex.caps?.some((c) => caps.has(c))) continue;
    if (ex.minKernel && kernelAtLeast(kernel, ex.minKernel)) continue;
    if (inc.arches?.length && !inc.arches.includes(goarch)) continue;
    if (inc.caps?.length && !inc.caps.every((c) => caps.has(c))) continue;
    if (inc.minKernel && !kernelAtLeast(kernel, inc.minKernel)) continue;
    syscalls.push({
      names: [...r.names],
      action: r.action as never,
      ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
      ...(r.args?.length ? { args: r.args.map((a) => ({ index: a.index, value: a.value, ...(a.valueTwo !== undefined ? { valueTwo: a.valueTwo } : {}), op: a.op as never })) } : {}),
    });
  }
  return {
    defaultAction: profile.defaultAction as never,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    architectures: architectures as never,
    syscalls,
  };
}

/** Docker's default profile as Docker hands it to the runtime. */
export function dockerDefault(opts: ProfileOptions = {}): LinuxSeccomp {
  return fromContainerProfile(DOCKER_DEFAULT, opts);
}

/** podman's default profile (containers/common) as podman hands it to the runtime. */
export function podmanDefault(opts: ProfileOptions = {}): LinuxSeccomp {
  return fromContainerProfile(PODMAN_DEFAULT, { capabilities: PODMAN_DEFAULT_CAPABILITIES, ...opts });
}

export { DOCKER_DEFAULT, PODMAN_DEFAULT };
