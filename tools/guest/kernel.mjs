// The guest kernel: Debian's generic kernel package (the cloud kernel lacks
// 9p, issue 8), fetched with `apt-get download` and unpacked with
// `dpkg-deb -x` into our cache, never installed into the host's /boot.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { GuestError } from './errors.mjs';
import { runHost } from './host.mjs';

/** The metapackage whose dependency names the current generic kernel image. */
export const KERNEL_META_PACKAGE = 'linux-image-amd64';

/**
 * Asks apt which kernel image linux-image-amd64 currently points at, and its
 * candidate version (part of the cache key: a kernel update rebuilds).
 * @returns {{ pkg: string, version: string }}
 */
export function resolveKernelPackage() {
  const deps = runHost('apt-cache', ['depends', KERNEL_META_PACKAGE], { code: 'GUEST_KERNEL_NOT_FOUND' }).toString();
  const m = /Depends:\s*(linux-image-[^\s]+-amd64)\b/.exec(deps);
  if (!m) throw new GuestError('GUEST_KERNEL_NOT_FOUND', `apt-cache depends ${KERNEL_META_PACKAGE} names no linux-image-*-amd64 package:\n${deps}`);
  const pkg = m[1];
  const show = runHost('apt-cache', ['show', '--no-all-versions', pkg], { code: 'GUEST_KERNEL_NOT_FOUND' }).toString();
  const v = /^Version:\s*(\S+)/m.exec(show);
  if (!v) throw new GuestError('GUEST_KERNEL_NOT_FOUND', `apt-cache show ${pkg} gives no Version`);
  return { pkg, version: v[1] };
}

/**
 * Downloads the .deb into dir (kept there between builds) and returns its path.
 * Retries once after `apt-get update` because a fresh CI machine may have
 * stale package lists.
 * @param {{ pkg: string, version: string }} k
 * @param {string} dir
 */
export function downloadKernel(k, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const find = () => fs.readdirSync(dir).find((f) => f.startsWith(`${k.pkg}_`) && f.endsWith('.deb') &&
    decodeURIComponent(f.split('_')[1]) === k.version);
  let deb = find();
  if (deb) return path.join(dir, deb);
  const get = () => runHost('apt-get', ['download', '-q', `${k.pkg}=${k.version}`], { cwd: dir, code: 'GUEST_KERNEL_DOWNLOAD_FAILED' });
  try {
    get();
  } catch {
    runHost('apt-get', ['update', '-qq'], { code: 'GUEST_KERNEL_DOWNLOAD_FAILED' });
    get();
  }
  deb = find();
  if (!deb) throw new GuestError('GUEST_KERNEL_DOWNLOAD_FAILED', `apt-get download ${k.pkg}=${k.version} left no .deb in ${dir}`);
  return path.join(dir, deb);
}

/**
 * Unpacks the .deb (dpkg-deb -x, no maintainer scripts run) and returns the
 * paths we need from it.
 * @param {string} deb
 * @param {string} dir an empty directory
 */
export function unpackKernel(deb, dir) {
  runHost('dpkg-deb', ['-x', deb, dir], { code: 'GUEST_KERNEL_UNPACK_FAILED' });
  const boot = path.join(dir, 'boot');
  const vmlinuz = fs.readdirSync(boot).find((f) => f.startsWith('vmlinuz-'));
  if (!vmlinuz) throw new GuestError('GUEST_KERNEL_UNPACK_FAILED', `${deb} has no boot/vmlinuz-*`);
  const release = vmlinuz.slice('vmlinuz-'.length);
  return {
    release,
    bzImage: path.join(boot, vmlinuz),
    config: path.join(boot, `config-${release}`),
    modulesDir: path.join(dir, 'lib/modules', release),
  };
}

/**
 * Extracts the uncompressed ELF vmlinux from a bzImage: under TCG the
 * kernel's own decompressor (xz in Debian) costs seconds, so we decompress
 * once on the host. The payload is located from the boot protocol header
 * (Documentation/arch/x86/boot.rst: setup_sects at 0x1f1, payload_offset at
 * 0x248 and payload_length at 0x24c, relative to the protected-mode code),
 * like scripts/extract-vmlinux but without guessing by magic. The kernel's
 * build appends the uncompressed size as 4 bytes (size_append), dropped here.
 * @param {Buffer} bz
 * @returns {{ vmlinux: Buffer, pvh: boolean }}
 */
export function extractVmlinux(bz) {
  if (bz.length < 0x250 || bz.toString('latin1', 0x202, 0x206) !== 'HdrS') {
    throw new GuestError('GUEST_KERNEL_FORMAT', 'not a bzImage (no HdrS boot protocol header)');
  }
  const setupSects = bz[0x1f1] || 4; // 0 means 4 (boot.rst)
  const pm = (setupSects + 1) * 512;
  const off = bz.readUInt32LE(0x248), len = bz.readUInt32LE(0x24c);
  const payload = bz.subarray(pm + off, pm + off + len);
  let vmlinux;
  if (payload[0] === 0xfd && payload.toString('latin1', 1, 6) === '7zXZ\0') {
    vmlinux = runHost('xz', ['-dc'], { input: payload.subarray(0, payload.length - 4), code: 'GUEST_KERNEL_FORMAT' });
  } else if (payload[0] === 0x1f && payload[1] === 0x8b) {
    vmlinux = zlib.gunzipSync(payload.subarray(0, payload.length - 4));
  } else if (payload.readUInt32LE(0) === 0xfd2fb528) {
    vmlinux = runHost('zstd', ['-dcq'], { input: payload.subarray(0, payload.length - 4), code: 'GUEST_KERNEL_FORMAT' });
  } else {
    throw new GuestError('GUEST_KERNEL_FORMAT', `unknown bzImage payload compression (magic ${payload.subarray(0, 6).toString('hex')})`);
  }
  if (vmlinux.readUInt32BE(0) !== 0x7f454c46) throw new GuestError('GUEST_KERNEL_FORMAT', 'decompressed payload is not an ELF vmlinux');
  return { vmlinux, pvh: hasPvhNote(vmlinux) };
}

/**
 * QEMU boots an ELF vmlinux with -kernel only through the PVH entry point,
 * which the kernel advertises with a Xen ELF note of type
 * XEN_ELFNOTE_PHYS32_ENTRY (18) when CONFIG_PVH=y.
 * @param {Buffer} elf
 */
export function hasPvhNote(elf) {
  if (elf[4] !== 2 || elf[5] !== 1) return false; // ELFCLASS64, little-endian only
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36), phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (elf.readUInt32LE(ph) !== 4) continue; // PT_NOTE
    let p = Number(elf.readBigUInt64LE(ph + 8));
    const end = p + Number(elf.readBigUInt64LE(ph + 32));
    while (p + 12 <= end) {
      const namesz = elf.readUInt32LE(p), descsz = elf.readUInt32LE(p + 4), type = elf.readUInt32LE(p + 8);
      const name = elf.toString('latin1', p + 12, p + 12 + namesz).replace(/\0+$/, '');
      if (name === 'Xen' && type === 18) return true;
      p += 12 + align4(namesz) + align4(descsz);
    }
  }
  return false;
}

const SIG_MAGIC = Buffer.from('~Module signature appended~\n');

/**
 * Drops a module's appended signature (scripts/sign-file: module, signature,
 * struct module_signature of 12 bytes, magic). The guest kernel does not
 * enforce signatures and checking RSA signatures under TCG costs a large
 * part of the boot; an unsigned module only taints the kernel (E flag).
 * @param {Buffer} ko
 */
export function stripModuleSignature(ko) {
  if (ko.length < SIG_MAGIC.length + 12 || !ko.subarray(ko.length - SIG_MAGIC.length).equals(SIG_MAGIC)) return ko;
  const info = ko.length - SIG_MAGIC.length - 12;
  const signerLen = ko[info + 3], keyIdLen = ko[info + 4], sigLen = ko.readUInt32BE(info + 8);
  return ko.subarray(0, info - sigLen - signerLen - keyIdLen);
}

/** @param {number} n */
const align4 = (n) => (n + 3) & ~3;

/** @param {string} name */
const modName = (name) => name.replace(/\.ko(\.(xz|gz|zst))?$/, '').replace(/-/g, '_');

/**
 * Reads a module's `depends=` from its .modinfo ELF section (what depmod
 * reads; the package ships no modules.dep, depmod runs at install time).
 * @param {Buffer} ko
 * @returns {string[]}
 */
export function moduleDepends(ko) {
  const shoff = Number(ko.readBigUInt64LE(0x28));
  const shentsize = ko.readUInt16LE(0x3a), shnum = ko.readUInt16LE(0x3c), shstrndx = ko.readUInt16LE(0x3e);
  const sec = (i) => {
    const s = shoff + i * shentsize;
    return { name: ko.readUInt32LE(s), off: Number(ko.readBigUInt64LE(s + 24)), size: Number(ko.readBigUInt64LE(s + 32)) };
  };
  const strtab = sec(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = sec(i);
    const nameEnd = ko.indexOf(0, strtab.off + s.name);
    if (ko.toString('latin1', strtab.off + s.name, nameEnd) !== '.modinfo') continue;
    for (const kv of ko.toString('latin1', s.off, s.off + s.size).split('\0')) {
      if (kv.startsWith('depends=')) return kv.slice(8).split(',').filter(Boolean).map(modName);
    }
    return [];
  }
  throw new GuestError('GUEST_MODULE_FORMAT', 'kernel module has no .modinfo section');
}

/**
 * The modules to load, dependencies first, skipping built-in ones.
 * @param {string} modulesDir lib/modules/<release>
 * @param {string[]} wanted module names
 * @returns {{ name: string, file: string }[]}
 */
export function moduleClosure(modulesDir, wanted) {
  /** @type {Map<string, string>} */
  const index = new Map();
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ko$/.test(e.name)) index.set(modName(e.name), p);
    }
  };
  walk(path.join(modulesDir, 'kernel'));
  const builtin = new Set();
  try {
    for (const l of fs.readFileSync(path.join(modulesDir, 'modules.builtin'), 'utf8').split('\n')) {
      if (l) builtin.add(modName(path.basename(l)));
    }
  } catch { /* no list: treat nothing as built in */ }
  /** @type {{ name: string, file: string }[]} */
  const order = [];
  const seen = new Set();
  const visit = (name, chain) => {
    name = modName(name);
    if (seen.has(name) || builtin.has(name)) return;
    const file = index.get(name);
    if (!file) throw new GuestError('GUEST_MODULE_NOT_FOUND', `kernel module ${name} not found (needed by ${chain.join(' <- ') || 'the guest'})`);
    seen.add(name);
    for (const d of moduleDepends(fs.readFileSync(file))) visit(d, [name, ...chain]);
    order.push({ name, file });
  };
  for (const w of wanted) visit(w, []);
  return order;
}
