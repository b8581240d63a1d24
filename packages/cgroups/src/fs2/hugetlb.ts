/** v2 hugetlb.<size>.max (cgroup-v2.rst "HugeTLB"), and .rsvd.max when present, as runc. */
import fs from 'node:fs';
import type { V2Group } from './group.ts';
import { exists, readOptional } from '../file.ts';
import { parseKeyValues, parseUint } from '../stats.ts';
import { limitToV2 } from '../convert.ts';

export const hugetlb: V2Group = {
  name: 'hugetlb',
  controller: 'hugetlb',
  wants: (r) => !!r.hugepageLimits?.length,
  set(dir, r, j) {
    for (const h of r.hugepageLimits ?? []) {
      const v = limitToV2(h.limit);
      j.write(dir, `hugetlb.${h.pageSize}.max`, v, `hugepageLimits.${h.pageSize}`);
      if (exists(dir, `hugetlb.${h.pageSize}.rsvd.max`)) j.write(dir, `hugetlb.${h.pageSize}.rsvd.max`, v, `hugepageLimits.${h.pageSize}`);
    }
  },
  stats(dir, s) {
    for (const f of fs.readdirSync(dir)) {
      const m = /^hugetlb\.([^.]+)\.current$/.exec(f);
      if (!m) continue;
      const events = parseKeyValues(readOptional(dir, `hugetlb.${m[1]}.events`) ?? '');
      s.hugetlb[m[1]] = { usage: parseUint(readOptional(dir, f) ?? '0'), max: parseUint(readOptional(dir, `hugetlb.${m[1]}.max`) ?? 'max'), failcnt: events.max ?? 0 };
    }
  },
};
