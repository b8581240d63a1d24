// Builds the suite's images offline from Debian's static busybox: a rootfs
// tarball (for `podman import` / `docker import`) and one archive that is at
// the same time an OCI image layout (index.json, for `ctr images import`) and
// a docker-archive (manifest.json, for `docker load`), like `docker save`
// writes since Docker 25. No registry is reachable on this machine.
// Image formats: OCI image-spec image-layout.md, manifest.md, config.md.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sh } from './sh.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const BUSYBOX = '/bin/busybox';
/** Names under which the images are imported (docker.io/library/ is what
 * containerd and Docker normalise short names to). */
export const IMAGE = 'docker.io/library/oci-ts-busybox:1';
/** The CRI sandbox ("pause") image: same layer, a command that only waits. */
export const PAUSE_IMAGE = 'docker.io/library/oci-ts-pause:1';
export const PODMAN_IMAGE = 'localhost/oci-ts-busybox:1';

const ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

const sha = (buf) => createHash('sha256').update(buf).digest('hex');

/**
 * Lays out a busybox rootfs in dir: the static binary, one symlink per applet
 * at the path busybox itself reports (--list-full), /etc/passwd and group.
 */
export async function makeRootfs(dir) {
  if (!fs.existsSync(BUSYBOX)) throw Object.assign(new Error(`${BUSYBOX} missing: apt-get install busybox-static`), { code: 'NO_BUSYBOX' });
  fs.rmSync(dir, { recursive: true, force: true });
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'dev', 'proc', 'sys', 'root', 'var', 'run', 'tmp']) {
    fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o755 });
  }
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  const { stdout } = await sh([BUSYBOX, '--list-full']);
  for (const rel of stdout.split('\n').filter(Boolean)) {
    if (rel === 'bin/busybox') continue;
    const p = path.join(dir, rel);
    if (fs.existsSync(p)) continue;
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.symlinkSync('/bin/busybox', p);
  }
  fs.mkdirSync(path.join(dir, 'usr/local/bin'), { recursive: true });
  fs.copyFileSync(await probeBinary(), path.join(dir, 'usr/local/bin/oci-ts-probe'));
  fs.chmodSync(path.join(dir, 'usr/local/bin/oci-ts-probe'), 0o755);
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  fs.writeFileSync(path.join(dir, 'etc/hostname'), 'busybox\n');
}

/**
 * Writes `<outDir>/rootfs.tar` and `<outDir>/images.tar` and returns their
 * paths. The tar is reproducible (sorted names, uid/gid 0, mtime 0).
 * `more`: further images on the same layer, as [name, config fields] (e.g.
 * tools/critest's stand-ins for the images critest asks for by name).
 * @param {string} outDir
 * @param {[string, object][]} [more]
 */
export async function buildImages(outDir, more = []) {
  fs.mkdirSync(outDir, { recursive: true });
  const rootfs = path.join(outDir, 'rootfs');
  await makeRootfs(rootfs);
  const rootfsTar = path.join(outDir, 'rootfs.tar');
  await sh(['tar', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '-C', rootfs, '-cf', rootfsTar, '.']);
  fs.rmSync(rootfs, { recursive: true, force: true });

  const layout = path.join(outDir, 'layout');
  fs.rmSync(layout, { recursive: true, force: true });
  const blobs = path.join(layout, 'blobs/sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const putBlob = (buf) => {
    const d = sha(buf);
    fs.writeFileSync(path.join(blobs, d), buf);
    return { digest: `sha256:${d}`, size: buf.length, file: `blobs/sha256/${d}` };
  };
  const layerBuf = fs.readFileSync(rootfsTar);
  const layer = putBlob(layerBuf); // uncompressed: digest == diff_id

  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] };
  const dockerManifest = [];
  for (const [name, fields] of [[IMAGE, { Cmd: ['sh'] }], [PAUSE_IMAGE, { Cmd: ['/bin/sleep', '2147483647'] }], ...more]) {
    const config = {
      created: '1970-01-01T00:00:00Z',
      architecture: goArch(),
      os: 'linux',
      config: { Env: ENV, WorkingDir: '/', ...fields },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'oci-ts tools/clients: Debian busybox-static' }],
    };
    const cfg = putBlob(Buffer.from(JSON.stringify(config)));
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
    };
    const man = putBlob(Buffer.from(JSON.stringify(manifest)));
    index.manifests.push({
      mediaType: manifest.mediaType, digest: man.digest, size: man.size,
      // containerd's importer names the image from io.containerd.image.name.
      annotations: { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': name.split(':').pop() },
    });
    dockerManifest.push({ Config: cfg.file, RepoTags: [name.replace(/^docker\.io\/library\//, '')], Layers: [layer.file] });
  }
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
  fs.writeFileSync(path.join(layout, 'manifest.json'), JSON.stringify(dockerManifest));
  const imagesTar = path.join(outDir, 'images.tar');
  await sh(['tar', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', layout, '-cf', imagesTar, '.']);
  fs.rmSync(layout, { recursive: true, force: true });
  return { rootfsTar, imagesTar };
}

/**
 * Builds tools/clients/probe (a static Go helper, see its main.go) into the
 * cache once; Go is on this machine (it also builds crictl).
 */
export async function probeBinary() {
  const out = path.join(repoRoot, 'tools/.cache/clients/bin/oci-ts-probe');
  const src = path.join(repoRoot, 'tools/clients/probe');
  const newest = Math.max(...fs.readdirSync(src).map((f) => fs.statSync(path.join(src, f)).mtimeMs));
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= newest) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const go = ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find((p) => fs.existsSync(p)) ?? 'go';
  await sh([go, 'build', '-trimpath', '-ldflags=-s', '-o', out, '.'], {
    cwd: src, timeoutMs: 300_000, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
  });
  return out;
}

/** The GOARCH name of this machine (image configs use Go's names). */
export function goArch() {
  return { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' }[process.arch] ?? process.arch;
}
