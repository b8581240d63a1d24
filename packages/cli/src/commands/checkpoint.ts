/** `checkpoint [flags] ID` (runc checkpoint): thin over checkpoint/checkpoint.ts. */
import path from 'node:path';
import { checkpoint, emptyNsFlags } from '../checkpoint/checkpoint.ts';
import { OciError } from '../errors.ts';
import { containerId, store, type CommandContext } from './context.ts';

/** The flags checkpoint and restore share (runc criuOptions). */
export function criuCommon(ctx: CommandContext) {
  const a = ctx.argv;
  const abs = (p: string) => path.resolve(ctx.cwd, p);
  if (a['page-server']) throw new OciError('EUSAGE', '--page-server is not supported by oci-ts');
  if (a['status-fd'] !== undefined && Number(a['status-fd']) !== -1) throw new OciError('EUSAGE', '--status-fd is not supported by oci-ts');
  return {
    criu: (a.criu as string) || 'criu',
    // runc's default image path: ./checkpoint under the caller's working directory.
    imagePath: abs(a['image-path'] || 'checkpoint'),
    workPath: a['work-path'] ? abs(a['work-path']) : undefined,
    tcpEstablished: !!a['tcp-established'],
    extUnixSk: !!a['ext-unix-sk'],
    shellJob: !!a['shell-job'],
    fileLocks: !!a['file-locks'],
    manageCgroupsMode: a['manage-cgroups-mode'] || undefined,
    emptyNs: emptyNsFlags(a['empty-ns'] || undefined),
    autoDedup: !!a['auto-dedup'],
    lazyPages: !!a['lazy-pages'],
    logger: ctx.logger,
  };
}

export async function checkpointCommand(ctx: CommandContext): Promise<number> {
  const a = ctx.argv;
  await checkpoint(store(ctx), containerId(ctx), {
    ...criuCommon(ctx),
    parentPath: a['parent-path'] || undefined,
    leaveRunning: !!a['leave-running'],
    preDump: !!a['pre-dump'],
  });
  return 0;
}
