/** dist/bundle/planner.cjs: the planner process the native front end starts (serve.ts). */
import { serve } from './serve.ts';

serve().catch((e) => {
  process.stderr.write(`oci-ts planner: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
