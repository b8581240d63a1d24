/**
 * TEST-ONLY fault injection (documented in the README): OCI_TS_TEST_FAIL_AT=<step>
 * makes `create` fail at that step, so tests can check that a failed create
 * leaves nothing behind. Parent steps are thrown here; any other name is
 * handed to the executor as `debugFailStep` (docs/init-program.md "Step names").
 */
import { OciError } from '../errors.ts';

export const PARENT_STEPS = ['config', 'compile', 'state-dir', 'fifo', 'cgroup', 'console-socket', 'spawn',
  'idmap-write', 'cgroup-apply', 'prestart', 'state-write', 'pid-file'] as const;

export function failAtStep(env: NodeJS.ProcessEnv): string | undefined {
  return env.OCI_TS_TEST_FAIL_AT || env.OCI_TS_TEST_FAIL_STEP || undefined;
}

export function maybeFail(env: NodeJS.ProcessEnv, step: string): void {
  if (failAtStep(env) === step) throw new OciError('EINJECTED', `${step}: injected failure (OCI_TS_TEST_FAIL_AT)`, { step });
}

/** The step name to pass to the executor, when it is not one of ours. */
export function childFailStep(env: NodeJS.ProcessEnv): string | undefined {
  const s = failAtStep(env);
  return s && !(PARENT_STEPS as readonly string[]).includes(s) ? s : undefined;
}
