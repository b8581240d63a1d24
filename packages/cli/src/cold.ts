/**
 * Every command but the five in hot.ts, for the CommonJS fast entry (built
 * into dist/bundle/cold.cjs and loaded only when one of them runs): create,
 * run, exec and the rest, parsed by parity-argv.ts. Loading them from one
 * CommonJS file instead of ES module chunks saves Node's ES module loader
 * (~15 ms of CPU per `create`). yargs (help, usage errors) stays in main.ts.
 */
import type { CommandHandler } from './commands/context.ts';

// Lazy even inside the one file: esbuild wraps each module reached only by
// import() in an init function, so a command initialises (and requires the
// builtins of, e.g. node:net) only what it uses.
export const COMMANDS: Record<string, () => Promise<CommandHandler>> = {
  create: async () => (await import('./commands/create.ts')).createCommand,
  run: async () => (await import('./commands/run.ts')).runCommand,
  exec: async () => (await import('./commands/exec.ts')).execCommand,
  pause: async () => (await import('./commands/pause.ts')).pauseCommand,
  resume: async () => (await import('./commands/resume.ts')).resumeCommand,
  ps: async () => (await import('./commands/ps.ts')).psCommand,
  update: async () => (await import('./commands/update.ts')).updateCommand,
  events: async () => (await import('./commands/events.ts')).eventsCommand,
  features: async () => (await import('./commands/features.ts')).featuresCommand,
  spec: async () => (await import('./commands/spec.ts')).specCommand,
  version: async () => (await import('./commands/version.ts')).versionCommand,
  attach: async () => (await import('./commands/attach.ts')).attachCommand,
  planner: async () => (await import('./commands/planner.ts')).plannerCommand,
  'attach-holder': async () => (await import('./commands/attach.ts')).attachHolderCommand,
  checkpoint: async () => (await import('./commands/checkpoint.ts')).checkpointCommand,
  restore: async () => (await import('./commands/restore.ts')).restoreCommand,
};
