// node --import=tools/guest/ts/register.mjs file.test.ts
// Runs TypeScript test files by transforming them with esbuild (a native
// binary) instead of tap's ts-node: under TCG in the guest, loading the
// TypeScript compiler costs about 10 s per test process, esbuild well under 1 s.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
