// Starts a private containerd (config version 2, containerd 1.6) whose CRI
// plugin has a runtime handler `under-test`: io.containerd.runc.v2 with
// options.BinaryName = the runtime under test. Everything lives under the
// session directory; the CRI streaming server listens on 127.0.0.1 only.
import fs from 'node:fs';
import path from 'node:path';
import { sh } from './sh.mjs';
import { clientsDir } from './session.mjs';
import { PAUSE_IMAGE } from './image.mjs';

export const CRI_HANDLER = 'under-test';
/** The handler (and Docker runtime) name of runtime index i. */
export const handlerName = (i) => (i ? `${CRI_HANDLER}-${i}` : CRI_HANDLER);

/** TOML basic string. */
const s = (v) => JSON.stringify(v);

export function containerdConfig(sess) {
  const root = sess.path('containerd');
  return `version = 2
root = ${s(path.join(root, 'root'))}
state = ${s(path.join(root, 'state'))}
# Snapshotters that cannot work here only add start-up noise.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = ${s(sess.path('containerd.sock'))}
[ttrpc]
  address = ${s(sess.path('containerd.sock.ttrpc'))}
[debug]
  level = "warn"

[plugins."io.containerd.internal.v1.opt"]
  path = ${s(path.join(root, 'opt'))}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${s(PAUSE_IMAGE)}
  # No registry is reachable; images are imported with ctr.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  # The host lacks CAP_SYS_RESOURCE: a negative oom_score_adj would fail.
  restrict_oom_score_adj = true
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = ${s(CRI_HANDLER)}
${(sess.runtimes ?? [sess.runtime]).map((rt, i) => `    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${handlerName(i)}]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${handlerName(i)}.options]
        BinaryName = ${s(rt)}
        Root = ${s(sess.path(`runtime-root/cri-${i}`))}
        SystemdCgroup = false
`).join('')}  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${s(sess.path('cni/bin'))}
    conf_dir = ${s(sess.path('cni/conf'))}
    max_conf_num = 1
`;
}

/** Writes the CNI directory: the loopback plugin plus our netns-only plugin. */
function writeCni(sess) {
  const bin = sess.path('cni/bin');
  const conf = sess.path('cni/conf');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(conf, { recursive: true });
  const lo = ['/usr/lib/cni/loopback', '/opt/cni/bin/loopback'].find((p) => fs.existsSync(p));
  if (lo) fs.symlinkSync(lo, path.join(bin, 'loopback'));
  fs.copyFileSync(path.join(clientsDir, 'cni/oci-ts-netns'), path.join(bin, 'oci-ts-netns'));
  fs.chmodSync(path.join(bin, 'oci-ts-netns'), 0o755);
  fs.writeFileSync(path.join(conf, '10-oci-ts.conflist'), JSON.stringify({
    cniVersion: '0.4.0', name: 'oci-ts-clients', plugins: [{ type: 'oci-ts-netns' }],
  }));
}

/** Starts containerd once per session; later calls return the same socket. */
export async function ensureContainerd(sess) {
  if (sess.containerd) return sess.containerd;
  const cfg = sess.path('containerd.toml');
  fs.mkdirSync(sess.path('containerd'), { recursive: true, mode: 0o711 });
  fs.writeFileSync(cfg, containerdConfig(sess), { mode: 0o600 });
  writeCni(sess);
  const sock = sess.path('containerd.sock');
  const entry = await sess.startDaemon('containerd', ['containerd', '--config', cfg],
    async () => fs.existsSync(sock) && (await sh(['ctr', '--address', sock, 'version'], { check: false, timeoutMs: 5000 })).code === 0);
  sess.containerd = { sock, entry };
  return sess.containerd;
}

/** `ctr` argv prefix for a namespace. */
export const ctrArgv = (sess, ns) => ['ctr', '--address', sess.containerd.sock, '--namespace', ns];

/** Imports the suite's images into a containerd namespace (offline). */
export async function importImages(sess, ns) {
  const { imagesTar } = await sess.images();
  await sh([...ctrArgv(sess, ns), 'images', 'import', '--no-unpack=false', imagesTar], { timeoutMs: 120_000, env: sess.env });
}
