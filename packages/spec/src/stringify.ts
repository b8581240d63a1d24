// JSON.stringify that writes bigint values (uint64/int64 above 2^53 from parseConfig) as exact integer literals.

/** Like JSON.stringify(value, null, indent), but bigints become plain JSON integers instead of throwing. */
export function stringify(value: unknown, indent?: string | number): string {
  const marks: string[] = [];
  // A raw NUL in a JSON string is always escaped, and the nonce makes a collision with user text hopeless.
  const nonce = Math.random().toString(36).slice(2, 10);
  const text = JSON.stringify(value, (_k, v) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `\u0000${nonce}:${marks.length - 1}\u0000`;
  }, indent);
  if (!marks.length) return text;
  const re = new RegExp(`"\\\\u0000${nonce}:(\\d+)\\\\u0000"`, 'g');
  return text.replace(re, (_m, i) => marks[Number(i)]);
}
