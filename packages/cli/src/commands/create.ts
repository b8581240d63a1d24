import { OciError } from '../errors.ts';
import { create } from '../lifecycle/create.ts';
import { containerId, store, type CommandContext } from './context.ts';

/**
 * The global --rootless (runc: "ignore cgroup permission errors", true,
 * false or auto; Go's strconv.ParseBool spellings). auto is false for root.
 * oci-ts has no rootless cgroup handling: where that would matter (not
 * root) it is an error; as root, true only changes what runc would do on a
 * cgroup permission error, which oci-ts still reports.
 */
export function rootlessCgroups(ctx: CommandContext): boolean {
  const v = String(ctx.argv['global-rootless'] ?? 'auto');
  const on = v === 'auto' ? process.geteuid?.() !== 0 : ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v) ? true
    : ['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v) ? false : undefined;
  if (on === undefined) throw new OciError('EUSAGE', `invalid --rootless value "${v}": want true, false or auto`);
  if (on && process.geteuid?.() !== 0) throw new OciError('ENOTSUPPORTED', 'rootless containers are not supported by oci-ts: run it as root');
  if (on) ctx.logger.warn('--rootless=true: oci-ts does not ignore cgroup permission errors');
  return on;
}

export function createOptions(ctx: CommandContext) {
  rootlessCgroups(ctx);
  return {
    store: store(ctx),
    id: containerId(ctx),
    bundle: ctx.argv.bundle || '.',
    cwd: ctx.cwd,
    env: ctx.env,
    logger: ctx.logger,
    pidFile: ctx.argv['pid-file'] || undefined,
    consoleSocket: ctx.argv['console-socket'] || undefined,
    noPivot: !!ctx.argv['no-pivot'],
    noNewKeyring: !!ctx.argv['no-new-keyring'],
    preserveFds: Number(ctx.argv['preserve-fds'] ?? 0),
    systemdCgroup: !!ctx.argv['systemd-cgroup'],
    stdio: [ctx.stdio.stdin, ctx.stdio.stdout, ctx.stdio.stderr] as [number, number, number],
  };
}

export async function createCommand(ctx: CommandContext): Promise<number> {
  await create(createOptions(ctx));
  return 0;
}
