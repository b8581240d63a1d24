// Which QEMU accelerator to use. /dev/kvm on these machines is nested KVM
// that cannot run a stock kernel (emulation failures, issue 8), so KVM is
// used only when a real boot under it worked; the probe's answer is cached
// per image and host kernel. Otherwise TCG (software emulation).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runInGuest } from './qemu.mjs';

/**
 * @param {{ image: { dir: string, kernel: string, initrd: string }, repo: string,
 *   cacheDir: string, log?: (m: string) => void }} o
 * @returns {Promise<'kvm' | 'tcg'>}
 */
export async function chooseAccel(o) {
  const forced = process.env.OCI_TS_GUEST_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return 'tcg';
  }
  const key = `${path.basename(o.image.dir)} ${os.release()}`;
  const file = path.join(o.cacheDir, 'kvm-probe.json');
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (cached.key === key) return cached.accel;
  } catch { /* no probe yet */ }
  o.log?.('probing whether KVM can boot the guest');
  let accel = /** @type {'kvm' | 'tcg'} */ ('tcg');
  try {
    // Under working KVM this takes well under a second; a broken nested KVM
    // aborts QEMU or hangs after the BIOS, and the 10 s boot deadline ends it.
    const r = await runInGuest({ image: o.image, repo: o.repo, argv: ['true'], accel: 'kvm', timeoutSec: 5, bootTimeoutSec: 10, bootRetries: 0 });
    if (r.status === 0) accel = 'kvm';
  } catch { /* KVM does not work here */ }
  fs.mkdirSync(o.cacheDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ key, accel }) + '\n');
  o.log?.(`KVM ${accel === 'kvm' ? 'works' : 'does not work'}: using ${accel}`);
  return accel;
}
