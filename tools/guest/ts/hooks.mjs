// Module loader hooks (https://nodejs.org/api/module.html#customization-hooks)
// for register.mjs: .ts/.mts files become ES modules through esbuild's
// transform, types stripped, every non-type import kept (the repo compiles
// with verbatimModuleSyntax, so an import may be there for its side effects).
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

/**
 * @param {string} url
 * @param {{ format?: string }} context
 * @param {(url: string, context: object) => Promise<object>} nextLoad
 */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !/\.m?ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const r = await transform(await fs.readFile(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: file,
    sourcemap: 'inline',
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  });
  return { format: 'module', source: r.code, shortCircuit: true };
}
