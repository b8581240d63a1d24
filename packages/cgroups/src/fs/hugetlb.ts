/** v1 hugetlb controller (cgroup-v1/hugetlb.rst): hugetlb.<size>.limit_in_bytes. */
import fs from 'node:fs';
import type { V1Controller } from './controller.ts';
import { readOptional } from '../file.ts';
import { parseUint } from '../stats.ts';

export const hugetlb: V1Controller = {
  name: 'hugetlb',
  wants: (r) => !!r.hugepageLimits?.length,
  set(dir, r, j) {
    for (const h of r.hugepageLimits ?? []) j.write(dir, `hugetlb.${h.pageSize}.limit_in_bytes`, String(h.limit), `hugepageLimits.${h.pageSize}`);
  },
  stats(dir, s) {
    for (const f of fs.readdirSync(dir)) {
      const m = /^hugetlb\.([^.]+)\.usage_in_bytes$/.exec(f);
      if (!m) continue;
      const r = (x: string) => parseUint(readOptional(dir, `hugetlb.${m[1]}.${x}`) ?? '0');
      s.hugetlb[m[1]] = { usage: r('usage_in_bytes'), max: r('max_usage_in_bytes'), failcnt: r('failcnt') };
    }
  },
};
