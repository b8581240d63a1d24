#!/usr/bin/env node
// The oci-ts command for callers that run this path (`node bin/oci-ts.mjs`):
// the same as bin/oci-ts.cjs, which the package's bin is. Being an ES module,
// this file costs Node's ES module loader start (~6 ms) that oci-ts.cjs avoids.
import { createRequire } from 'node:module';
createRequire(import.meta.url)('./oci-ts.cjs');
