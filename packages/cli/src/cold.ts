/**
 * Every command but the five in hot.ts, for the CommonJS fast entry (built
 * into dist/bundle/cold.cjs and loaded only when one of them runs): create,
 * run, exec and the rest, parsed by parity-argv.ts. Loading them from one
 * CommonJS file instead of ES module chunks saves Node's ES module loader
 * (~15 ms of CPU per `create`). yargs (help, usage errors) stays in main.ts.
 */
import type { CommandHandler } from './commands/context.ts';
import { attachCommand, attachHolderCommand } from './commands/attach.ts';
import { createCommand } from './commands/create.ts';
import { eventsCommand } from './commands/events.ts';
import { execCommand } from './commands/exec.ts';
import { featuresCommand } from './commands/features.ts';
import { pauseCommand } from './commands/pause.ts';
import { psCommand } from './commands/ps.ts';
import { resumeCommand } from './commands/resume.ts';
import { runCommand } from './commands/run.ts';
import { specCommand } from './commands/spec.ts';
import { updateCommand } from './commands/update.ts';
import { versionCommand } from './commands/version.ts';

export const COMMANDS: Record<string, CommandHandler> = {
  create: createCommand,
  run: runCommand,
  exec: execCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  ps: psCommand,
  update: updateCommand,
  events: eventsCommand,
  features: featuresCommand,
  spec: specCommand,
  version: versionCommand,
  attach: attachCommand,
  'attach-holder': attachHolderCommand,
};
