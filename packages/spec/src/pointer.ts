// JSON pointers (RFC 6901) and the dotted field names used in messages.

export function escapeSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapeSegment(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function join(pointer: string, ...segments: (string | number)[]): string {
  let out = pointer;
  for (const s of segments) out += '/' + escapeSegment(String(s));
  return out;
}

export function split(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapeSegment);
}

/** The value at `pointer` in `doc`, or undefined. */
export function get(doc: unknown, pointer: string): unknown {
  let v: any = doc;
  for (const s of split(pointer)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = v[s];
  }
  return v;
}

/** Sets the value at `pointer` (which must exist up to its parent). */
export function set(doc: unknown, pointer: string, value: unknown): void {
  const segs = split(pointer);
  const last = segs.pop();
  if (last === undefined) return;
  const parent: any = get(doc, segs.length ? '/' + segs.map(escapeSegment).join('/') : '');
  if (parent !== null && typeof parent === 'object') parent[last] = value;
}

/** "/linux/namespaces/0/type" -> "linux.namespaces[0].type" (what users read in config.json). */
export function fieldName(pointer: string, root: string): string {
  const segs = split(pointer);
  if (!segs.length) return root;
  let out = '';
  for (const s of segs) {
    if (/^(0|[1-9][0-9]*)$/.test(s)) out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += out ? '.' + s : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
