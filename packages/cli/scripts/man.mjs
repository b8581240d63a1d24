// Writes the man pages (dist/man/oci-ts.8 and oci-ts-CMD.8) and the shell
// completion scripts (dist/completion/oci-ts.bash, _oci-ts for zsh) from the
// command definitions (src/command-defs.ts through the tsc output), so help,
// man pages and completion never drift. Run by `build` after tsc;
// package.json's directories.man installs the pages with the package.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const { manPages } = await import(path.join(pkgDir, 'dist/man.js'));
const { bashCompletion, zshCompletion } = await import(path.join(pkgDir, 'dist/completion.js'));

const write = (dir, files) => {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(tmp, name), text, { mode: 0o644 });
  // Swapped in whole, so a stale page of a removed command does not linger.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
};
write(path.join(pkgDir, 'dist/man'), manPages(pkg.version));
write(path.join(pkgDir, 'dist/completion'), { 'oci-ts.bash': bashCompletion(), '_oci-ts': zshCompletion() });
