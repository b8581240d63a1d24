#!/usr/bin/env node
import { main, processIo } from './cli.ts';

process.exitCode = main(process.argv.slice(2), processIo);
