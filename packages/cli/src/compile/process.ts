/**
 * process → ProcessProgram (config.md "Process", config-linux.md for the
 * Linux-only fields).
 */
import type { ProcessProgram } from '@oci/core/program';
import type { Spec } from '@oci/spec';
import { compileCapabilities } from './capabilities.ts';
import { compileRlimits } from './rlimits.ts';
import { IOPRIO_CLASSES, IOPRIO_CLASS_SHIFT, PERSONALITY_DOMAINS, SCHED_FLAGS, SCHED_POLICIES } from './constants.ts';
import { CompileError } from './error.ts';
import { compileSeccomp, type SeccompCompiler } from './seccomp.ts';

export interface ProcessContext {
  preserveFds: number;
  seccompCompiler?: SeccompCompiler;
  /** Which LSMs the host has; a profile asked for on a host without the LSM is an error, never ignored. */
  lsm: { apparmor: boolean; selinux: boolean };
  /** Where warnings go (the command's logger); config.md asks some to be logged, not refused. */
  warn?: (msg: string) => void;
}

export function compileProcess(spec: Spec, ctx: ProcessContext): ProcessProgram {
  const p = spec.process;
  if (!p) throw new CompileError('/process', 'process is required to create a container');
  if (!p.args || p.args.length === 0) throw new CompileError('/process/args', 'args must not be empty');
  if (typeof p.cwd !== 'string' || !p.cwd.startsWith('/')) throw new CompileError('/process/cwd', `cwd must be an absolute path: "${p.cwd}"`);
  const user = p.user ?? { uid: 0, gid: 0 };
  // uid_t and gid_t are 32 bits (and -1 means "unchanged" to setresuid(2)):
  // a larger value must not wrap around to another id.
  const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 0xffffffff;
  for (const k of ['uid', 'gid'] as const) {
    if (!isId(user[k])) throw new CompileError(`/process/user/${k}`, `must be an integer from 0 to 4294967294, found ${JSON.stringify(user[k])}`);
  }
  (user.additionalGids ?? []).forEach((g, i) => {
    if (!isId(g)) throw new CompileError(`/process/user/additionalGids/${i}`, `must be an integer from 0 to 4294967294, found ${JSON.stringify(g)}`);
  });
  (p.env ?? []).forEach((e, i) => {
    // runc's prepareEnv: "environment variable name can't be empty" (also for exec --env =x).
    if (typeof e !== 'string' || e.indexOf('=') <= 0) throw new CompileError(`/process/env/${i}`, `env entry must be KEY=value with a non-empty KEY (environment variable name can't be empty): ${JSON.stringify(e)}`);
  });
  if (p.apparmorProfile && !ctx.lsm.apparmor) {
    throw new CompileError('/process/apparmorProfile', 'apparmor is not enabled on this host', 'ELSMUNAVAILABLE');
  }
  if (p.selinuxLabel && !ctx.lsm.selinux) {
    // runc's config validator refuses it with this text (libcontainer/configs/validate).
    throw new CompileError('/process/selinuxLabel', 'selinux label is specified in config, but selinux is disabled or not supported', 'ELSMUNAVAILABLE');
  }
  const out: ProcessProgram = {
    args: [...p.args],
    env: [...(p.env ?? [])],
    cwd: p.cwd,
    terminal: !!p.terminal,
    uid: user.uid as number, // checked by isId above
    gid: user.gid as number,
    additionalGids: [...(user.additionalGids ?? [])],
    // runc applies 0022 when process.user.umask is absent.
    umask: user.umask ?? 0o022,
    capabilities: compileCapabilities(p.capabilities, ctx.warn),
    noNewPrivileges: !!p.noNewPrivileges,
    rlimits: compileRlimits(p.rlimits),
    preserveFds: ctx.preserveFds,
  };
  if (p.consoleSize) out.consoleSize = { height: Number(p.consoleSize.height), width: Number(p.consoleSize.width) };
  if (p.oomScoreAdj !== undefined) {
    if (!Number.isInteger(p.oomScoreAdj) || p.oomScoreAdj < -1000 || p.oomScoreAdj > 1000) throw new CompileError('/process/oomScoreAdj', 'must be an integer in [-1000, 1000]');
    out.oomScoreAdj = p.oomScoreAdj;
  }
  if (p.apparmorProfile) out.apparmorProfile = p.apparmorProfile;
  if (p.selinuxLabel) out.selinuxLabel = p.selinuxLabel;
  const pers = spec.linux?.personality;
  if (pers) {
    const d = PERSONALITY_DOMAINS[pers.domain ?? ""];
    if (d === undefined) throw new CompileError('/linux/personality/domain', `unknown personality domain "${pers.domain}"`);
    if (pers.flags?.length) throw new CompileError('/linux/personality/flags', 'personality flags are not supported', 'EUNSUPPORTED');
    out.personality = d;
  }
  if (p.ioPriority) {
    const c = IOPRIO_CLASSES[p.ioPriority.class];
    if (c === undefined) throw new CompileError('/process/ioPriority/class', `unknown class "${p.ioPriority.class}"`);
    const prio = p.ioPriority.priority;
    if (typeof prio !== 'number' || !Number.isInteger(prio) || prio < 0 || prio > 7) throw new CompileError('/process/ioPriority/priority', 'must be 0..7 (ioprio_set(2))');
    out.ioPriority = (c << IOPRIO_CLASS_SHIFT) | prio;
  }
  if (p.scheduler) {
    const s = p.scheduler;
    const policy = SCHED_POLICIES[s.policy];
    if (policy === undefined) throw new CompileError('/process/scheduler/policy', `unknown policy "${s.policy}"`);
    let flags = 0;
    (s.flags ?? []).forEach((f, i) => {
      const v = SCHED_FLAGS[f];
      if (v === undefined) throw new CompileError(`/process/scheduler/flags/${i}`, `unknown scheduler flag "${f}"`);
      flags |= v;
    });
    out.scheduler = { policy, nice: s.nice ?? 0, priority: s.priority ?? 0, flags };
    // sched_setattr(2) takes u64 nanoseconds; decimal strings keep them exact.
    if (s.runtime !== undefined) out.scheduler.runtime = String(s.runtime);
    if (s.deadline !== undefined) out.scheduler.deadline = String(s.deadline);
    if (s.period !== undefined) out.scheduler.period = String(s.period);
  }
  const seccomp = compileSeccomp(spec.linux?.seccomp, ctx.seccompCompiler);
  if (seccomp) out.seccomp = seccomp;
  return out;
}
