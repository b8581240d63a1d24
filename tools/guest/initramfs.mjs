// The guest's initramfs: an uncompressed cpio "newc" archive (the format the
// kernel unpacks, Documentation/driver-api/early-userspace/buffer-format.rst)
// holding busybox-static, the kernel modules the guest needs and /init.
// Uncompressed because decompression is slow under TCG and the archive is
// small (busybox plus a few modules).
import fs from 'node:fs';
import { stripModuleSignature } from './kernel.mjs';

const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFLNK = 0o120000, S_IFCHR = 0o020000;

/**
 * @typedef {{ path: string, type: 'dir', mode?: number }
 *   | { path: string, type: 'file', data: Buffer, mode?: number }
 *   | { path: string, type: 'symlink', target: string }
 *   | { path: string, type: 'chardev', major: number, minor: number, mode?: number }} CpioEntry
 */

/**
 * Encodes entries as a cpio newc archive ending with the TRAILER!!! entry.
 * Owner root, mtime 0 (the archive is reproducible).
 * @param {CpioEntry[]} entries
 * @returns {Buffer}
 */
export function cpioNewc(entries) {
  /** @type {Buffer[]} */
  const parts = [];
  let size = 0;
  const push = (b) => { parts.push(b); size += b.length; };
  const pad4 = () => { if (size % 4) push(Buffer.alloc(4 - (size % 4))); };
  let ino = 1;
  const add = (name, mode, data, rdevMajor = 0, rdevMinor = 0) => {
    const nameBuf = Buffer.from(`${name}\0`);
    const fields = [ino++, mode, 0, 0, (mode & S_IFDIR) === S_IFDIR ? 2 : 1, 0, data.length, 0, 0, rdevMajor, rdevMinor, nameBuf.length, 0];
    push(Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'latin1'));
    push(nameBuf);
    pad4();
    push(data);
    pad4();
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (e.type === 'dir') add(name, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0));
    else if (e.type === 'file') add(name, S_IFREG | (e.mode ?? 0o644), e.data);
    else if (e.type === 'symlink') add(name, S_IFLNK | 0o777, Buffer.from(e.target));
    else add(name, S_IFCHR | (e.mode ?? 0o600), Buffer.alloc(0), e.major, e.minor);
  }
  add('TRAILER!!!', 0, Buffer.alloc(0));
  return Buffer.concat(parts, size);
}

/**
 * The guest's file tree.
 * @param {{ busybox: string, init: string, modules: { name: string, file: string }[] }} src
 * @returns {CpioEntry[]}
 */
export function guestTree(src) {
  /** @type {CpioEntry[]} */
  const e = [];
  for (const d of ['dev', 'proc', 'sys', 'usr', 'etc', 'tmp', 'run', 'root', 'mnt', 'var',
    '.guest', '.guest/run', '.guest/modules', '.guest/etc-lower', '.guest/etc-rw']) {
    e.push({ path: d, type: 'dir', mode: d === 'tmp' ? 0o1777 : d === 'root' ? 0o700 : 0o755 });
  }
  // Debian's merged /usr: these are symlinks on the host too, so the host's
  // binaries find their interpreter (/lib64/ld-linux-x86-64.so.2).
  for (const l of ['bin', 'sbin', 'lib', 'lib64']) e.push({ path: l, type: 'symlink', target: `usr/${l}` });
  e.push({ path: 'var/tmp', type: 'symlink', target: '../tmp' });
  // The kernel opens /dev/console for init's stdio before devtmpfs is mounted.
  e.push({ path: 'dev/console', type: 'chardev', major: 5, minor: 1, mode: 0o600 });
  e.push({ path: '.guest/busybox', type: 'file', data: fs.readFileSync(src.busybox), mode: 0o755 });
  e.push({ path: 'init', type: 'file', data: fs.readFileSync(src.init), mode: 0o755 });
  for (const m of src.modules) e.push({ path: `.guest/modules/${m.name}.ko`, type: 'file', data: stripModuleSignature(fs.readFileSync(m.file)) });
  e.push({ path: '.guest/modules.list', type: 'file', data: Buffer.from(src.modules.map((m) => m.name).join('\n') + '\n') });
  return e;
}
