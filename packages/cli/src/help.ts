/**
 * Help text in runc's (urfave/cli's) structure, rendered from
 * command-defs.ts: NAME, USAGE, DESCRIPTION, EXAMPLE, COMMANDS, OPTIONS
 * (GLOBAL OPTIONS for `oci-ts --help`). Wrapped at the terminal's width, or
 * 80 columns when stdout is not a terminal, at spaces only (never mid-word);
 * indented lines (examples, JSON) are kept as written.
 */
import { APP, COMMAND_DEFS, GLOBAL_FLAGS, HELP_COMMAND, type CommandDef, type FlagDef } from './command-defs.ts';

/** Wraps `text` to `width` columns: every line starts with `indent`; paragraphs and indented lines are kept. */
export function wrap(text: string, width: number, indent = '', hanging = indent): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    if (para === '' || /^\s/.test(para)) { out.push(para === '' ? '' : indent + para); continue; }
    let line = '';
    let prefix = indent;
    for (const word of para.split(/ +/)) {
      if (line && prefix.length + line.length + 1 + word.length > width) {
        out.push(prefix + line);
        prefix = hanging;
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    out.push(prefix + line);
  }
  return out.join('\n');
}

/** `--bundle value, -b value` as urfave/cli names a flag. */
export function flagSpelling(f: FlagDef): string {
  const v = f.type === 'bool' ? '' : ' value';
  return `--${f.name}${v}` + (f.alias ? `, -${f.alias}${v}` : '');
}

function flagDescription(f: FlagDef): string {
  return f.describe + (f.showDefault !== undefined ? ` (default: ${/^\d+$|^\d+s$/.test(f.showDefault) ? f.showDefault : JSON.stringify(f.showDefault)})` : '');
}

/** Two columns (name, text), the text wrapped under itself. */
function table(rows: [string, string][], width: number): string {
  const col = Math.max(...rows.map(([a]) => a.length)) + 2;
  const pad = ' '.repeat(3 + col);
  return rows.map(([a, b]) => {
    // A narrow terminal still gets at least 30 columns of text per line.
    const w = Math.max(width, pad.length + 30);
    return wrap(b, w, `   ${a.padEnd(col)}`, pad);
  }).join('\n');
}

const visible = (flags: FlagDef[]) => flags.filter((f) => !f.hidden);

export function helpWidth(stdoutFd = 1): number {
  // A terminal's width (process.stdout only describes fd 1), else 80.
  if (stdoutFd === 1 && process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  return 80;
}

export function appHelp(version: string, width = 80): string {
  const parts = [
    `NAME:\n   ${APP.name} - ${APP.summary}`,
    wrap(APP.description, width),
    `USAGE:\n   ${APP.name} ${APP.usage}`,
    `VERSION:\n   ${version}`,
    'COMMANDS:\n' + table([
      ...COMMAND_DEFS.filter((c) => !c.hidden).map((c): [string, string] => [c.name, c.summary]),
      [`${HELP_COMMAND.name}, ${HELP_COMMAND.alias}`, HELP_COMMAND.summary],
    ], width),
    'GLOBAL OPTIONS:\n' + table(visible(GLOBAL_FLAGS).map((f) => [flagSpelling(f), flagDescription(f)]), width),
  ];
  return parts.join('\n\n') + '\n';
}

export function commandHelp(c: CommandDef, width = 80): string {
  const usage = `USAGE:\n${wrap(`${APP.name} ${c.name}${c.usage ? ` ${c.usage}` : ''}`, width, '   ', '     ')}` + (c.argsHelp ? `\n\n${wrap(c.argsHelp, width)}` : '');
  const parts = [
    `NAME:\n${wrap(`${APP.name} ${c.name} - ${c.summary}`, width, '   ', '     ')}`,
    usage,
  ];
  if (c.description) parts.push(`DESCRIPTION:\n${wrap(c.description, width, '   ')}`);
  if (c.example) parts.push(`EXAMPLE:\n${wrap(c.example, width, '   ')}`);
  const flags = visible(c.flags);
  if (flags.length) parts.push('OPTIONS:\n' + table(flags.map((f) => [flagSpelling(f), flagDescription(f)]), width));
  return parts.join('\n\n') + '\n';
}
