#!/usr/bin/env node
// Builds (once, then cached) what the test guest boots: the uncompressed
// kernel and the initramfs, in tools/.cache/guest/images/<key>/ where key is
// a hash of every input (kernel package version, busybox, the guest's own
// sources, the module list). A change of any input builds a new image.
// Usage: node tools/guest/build.mjs   (prints the image folder)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GuestError } from './errors.mjs';
import { hasCommand, runHost } from './host.mjs';
import { downloadKernel, extractVmlinux, moduleClosure, resolveKernelPackage, unpackKernel } from './kernel.mjs';
import { cpioNewc, guestTree } from './initramfs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const cacheDir = path.join(repoRoot, 'tools/.cache/guest');

/**
 * What CRIU needs to dump and restore containers (issue 18; `criu check`
 * says "Looks good." only with all of them): crc32c for its checksums, the
 * sock_diag modules it reads sockets with, tun, autofs4, veth, and
 * netfilter with conntrack netlink (without nf_conntrack_netlink a
 * container with its own network namespace fails to dump: "-22 reported by
 * netlink"). In this order: busybox insmod does not follow softdeps.
 */
const CRIU_MODULES = ['crc32c_generic', 'unix_diag', 'inet_diag', 'tcp_diag', 'udp_diag', 'netlink_diag', 'af_packet_diag', 'raw_diag',
  'tun', 'autofs4', 'veth', 'nfnetlink', 'libcrc32c', 'nf_tables', 'x_tables', 'nft_compat', 'ip_tables', 'iptable_filter', 'ip6_tables',
  'ip6table_filter', 'nf_defrag_ipv4', 'nf_defrag_ipv6', 'nf_conntrack', 'nf_conntrack_netlink'];

/**
 * What the guest loads (dependencies are added from .modinfo): virtio-pci
 * for the devices, 9p for the shared folders, overlay for /etc and for
 * container tests, virtio_blk for the io controller's scratch disk, CRIU's. (loop
 * is left out: creating its 8 devices costs a second of boot under TCG.)
 */
export const GUEST_MODULES = ['virtio_pci', '9pnet_virtio', '9p', 'overlay', 'virtio_blk', ...CRIU_MODULES];

/** The guest's own sources: editing any of them rebuilds the image. */
const SOURCES = ['build.mjs', 'kernel.mjs', 'initramfs.mjs', 'init.sh'];

/** Debian packages the runner needs on the host (`--no-install-recommends`). */
const HOST_PACKAGES = [
  { cmd: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  { cmd: 'xz', pkg: 'xz-utils' },
];

/**
 * @typedef {{ dir: string, kernel: string, initrd: string, pvh: boolean,
 *   release: string, kernelPackage: string, built: boolean, seconds: number }} GuestImage
 */

/** @param {(msg: string) => void} log */
export function ensureHostPackages(log) {
  const missing = HOST_PACKAGES.filter((p) => !hasCommand(p.cmd)).map((p) => p.pkg);
  if (!findStaticBusybox()) missing.push('busybox-static');
  if (!missing.length) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  const install = () => runHost('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { code: 'GUEST_APT_FAILED' });
  try {
    install();
  } catch {
    runHost('apt-get', ['update', '-qq'], { code: 'GUEST_APT_FAILED' });
    install();
  }
}

/** A busybox with no ELF interpreter (PT_INTERP), i.e. busybox-static's. */
export function findStaticBusybox() {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    let elf;
    try { elf = fs.readFileSync(p); } catch { continue; }
    const phoff = Number(elf.readBigUInt64LE(0x20));
    const phentsize = elf.readUInt16LE(0x36), phnum = elf.readUInt16LE(0x38);
    let interp = false;
    for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) interp = true;
    if (!interp) return p;
  }
  return null;
}

/**
 * resolveKernelPackage() costs two apt-cache runs (seconds under load), so
 * its answer is kept until apt's package lists change (apt-get update).
 * @returns {{ pkg: string, version: string }}
 */
function kernelPackageCached() {
  const file = path.join(cacheDir, 'kernel-package.json');
  const stamp = ['/var/lib/apt/lists', '/var/cache/apt/pkgcache.bin'].map((p) => {
    try { return fs.statSync(p).mtimeMs; } catch { return 0; }
  }).join(' ');
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (c.stamp === stamp) return c.kernel;
  } catch { /* not cached yet */ }
  const kernel = resolveKernelPackage();
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ stamp, kernel }) + '\n');
  return kernel;
}

/** @param {string | Buffer} data */
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * Returns the cached image for the current inputs, building it first when
 * there is none.
 * @param {{ log?: (msg: string) => void, rebuild?: boolean }} [opts]
 * @returns {GuestImage}
 */
export function buildGuest(opts = {}) {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  ensureHostPackages(log);
  const busybox = findStaticBusybox();
  if (!busybox) throw new GuestError('GUEST_NO_BUSYBOX', 'no static busybox found (apt-get install busybox-static)');
  const k = kernelPackageCached();
  const key = sha256(JSON.stringify({
    kernel: k,
    busybox: sha256(fs.readFileSync(busybox)),
    modules: GUEST_MODULES,
    sources: SOURCES.map((f) => sha256(fs.readFileSync(path.join(here, f)))),
  })).slice(0, 16);
  const dir = path.join(cacheDir, 'images', key);
  const manifestPath = path.join(dir, 'manifest.json');
  if (!opts.rebuild && fs.existsSync(manifestPath)) {
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    return { ...m, dir, kernel: path.join(dir, m.kernel), initrd: path.join(dir, m.initrd), built: false, seconds: (performance.now() - t0) / 1000 };
  }

  log(`building the guest image for ${k.pkg} ${k.version}`);
  fs.mkdirSync(path.join(cacheDir, 'images'), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cacheDir, 'images', '.tmp-'));
  try {
    const deb = downloadKernel(k, path.join(cacheDir, 'deb'));
    const tree = path.join(tmp, 'tree');
    fs.mkdirSync(tree);
    const kx = unpackKernel(deb, tree);
    const config = fs.readFileSync(kx.config, 'utf8');
    for (const opt of ['CONFIG_CGROUPS', 'CONFIG_MEMCG', 'CONFIG_9P_FS', 'CONFIG_NET_9P_VIRTIO', 'CONFIG_OVERLAY_FS', 'CONFIG_SERIAL_8250_CONSOLE']) {
      if (!new RegExp(`^${opt}=[ym]$`, 'm').test(config)) throw new GuestError('GUEST_KERNEL_CONFIG', `${k.pkg} lacks ${opt}`);
    }
    const { vmlinux, pvh } = extractVmlinux(fs.readFileSync(kx.bzImage));
    // QEMU's -kernel takes an ELF only through its PVH entry; without one we
    // boot the compressed bzImage (slower under TCG, but it boots).
    const kernelName = pvh ? 'vmlinux' : 'bzImage';
    if (pvh) fs.writeFileSync(path.join(tmp, kernelName), vmlinux);
    else fs.copyFileSync(kx.bzImage, path.join(tmp, kernelName));
    const modules = moduleClosure(kx.modulesDir, GUEST_MODULES);
    fs.writeFileSync(path.join(tmp, 'initramfs.cpio'), cpioNewc(guestTree({ busybox, init: path.join(here, 'init.sh'), modules })));
    fs.rmSync(tree, { recursive: true, force: true });
    const manifest = { kernel: kernelName, initrd: 'initramfs.cpio', pvh, release: kx.release, kernelPackage: `${k.pkg}=${k.version}`, modules: modules.map((m) => m.name) };
    fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    if (opts.rebuild) fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      // Another build of the same inputs finished first: use that one.
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'ENOTEMPTY' && /** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
    }
    // Older images are dead weight (about 70 MB each).
    for (const old of fs.readdirSync(path.join(cacheDir, 'images'))) {
      if (old !== key && !old.startsWith('.tmp-')) fs.rmSync(path.join(cacheDir, 'images', old), { recursive: true, force: true });
    }
    const seconds = (performance.now() - t0) / 1000;
    log(`built ${dir} in ${seconds.toFixed(1)} s`);
    return { ...manifest, dir, kernel: path.join(dir, kernelName), initrd: path.join(dir, 'initramfs.cpio'), built: true, seconds };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const img = buildGuest({ log: (m) => process.stderr.write(`guest: ${m}\n`), rebuild: process.argv.includes('--rebuild') });
    process.stdout.write(`${img.dir}\n`);
    process.stderr.write(`guest: ${img.built ? 'built' : 'cached'} (${img.release}, ${img.pvh ? 'uncompressed PVH vmlinux' : 'bzImage'}) in ${img.seconds.toFixed(2)} s\n`);
  } catch (e) {
    process.stderr.write(`guest build failed: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = 1;
  }
}
