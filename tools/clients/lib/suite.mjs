// Runs the scenarios for a set of clients against one runtime, in a fresh
// Session (own daemons, own state), and always closes the session.
import { Session, missingTools } from './session.mjs';
import { runScenarios, timeRunRm } from './scenarios.mjs';
import { podmanDriver } from '../drivers/podman.mjs';
import { ctrDriver } from '../drivers/ctr.mjs';
import { criDriver } from '../drivers/cri.mjs';
import { dockerDriver, DOCKER, DOCKERD } from '../drivers/docker.mjs';

export const CLIENTS = {
  podman: { make: podmanDriver, tools: ['podman', 'conmon'] },
  containerd: { make: ctrDriver, tools: ['containerd', 'ctr', 'containerd-shim-runc-v2'] },
  cri: { make: criDriver, tools: ['containerd', 'ctr', 'containerd-shim-runc-v2', 'crictl', 'nsenter', 'ip'] },
  docker: { make: dockerDriver, tools: ['containerd', 'containerd-shim-runc-v2', DOCKER, DOCKERD] },
};

/** Names of the clients whose binaries are missing (run install.sh). */
export function missingClients(names) {
  return names.map((n) => [n, missingTools([...CLIENTS[n].tools, 'script', 'tar'])]).filter(([, m]) => m.length);
}

/**
 * `timeAlso`: more runtimes timed (not tested) alongside, interleaved.
 * @param {{ runtime: string, timeAlso?: string[], clients: string[], timing?: number, filter?: (name: string) => boolean, scenarioTimeoutMs?: number,
 *           keep?: boolean, onResult?: (client: string, r: object) => void }} opts
 * @returns {Promise<{ runtime: string, results: Record<string, object[]>, runRmMs: Record<string, number|null>, problems: string[] }>}
 */
export async function runSuite(opts) {
  const { clients, timing = 5, filter = () => true, onResult = () => {} } = opts;
  const sess = new Session({ runtime: opts.runtime, also: opts.timeAlso, keep: opts.keep });
  /** runRmMs[client] = median ms per runtime of sess.runtimes (null: failed) */
  const out = { runtime: sess.runtime, runtimes: sess.runtimes, results: {}, runRmMs: {}, problems: [], dir: sess.dir };
  const onSignal = () => { sess.close().finally(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { scenarios } = await import('./scenarios.mjs');
    const list = scenarios.filter((s) => filter(s.name));
    for (const name of clients) {
      const driver = CLIENTS[name].make(sess);
      const t0 = Date.now();
      try {
        await driver.setup();
      } catch (e) {
        const r = { name: 'setup', status: 'fail', detail: e.message.split('\n').slice(0, 12).join('\n'), ms: Date.now() - t0 };
        out.results[name] = [r];
        onResult(name, r);
        continue;
      }
      out.results[name] = await runScenarios(driver, list, (r) => onResult(name, r), { timeoutMs: opts.scenarioTimeoutMs });
      if (timing > 0) {
        try { out.runRmMs[name] = await timeRunRm(driver, timing, sess.runtimes.length); } catch (e) {
          out.runRmMs[name] = sess.runtimes.map(() => null);
          out.problems.push(`${name}: timing run --rm failed: ${e.message.split('\n')[0]}`);
        }
      }
    }
  } finally {
    out.problems.push(...(await sess.close()));
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return out;
}
