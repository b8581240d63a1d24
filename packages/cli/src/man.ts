/**
 * Man pages (roff, man(7) macros) from command-defs.ts: oci-ts(8) and one
 * page per command, oci-ts-CMD(8), as runc ships runc(8) and runc-CMD(8).
 * scripts/man.mjs writes them into dist/man at build time; package.json's
 * `directories.man` makes npm install them.
 */
import { APP, COMMAND_DEFS, GLOBAL_FLAGS, HELP_COMMAND, type CommandDef, type FlagDef } from './command-defs.ts';
import { flagSpelling } from './help.ts';

/** Text for roff: backslashes and dashes escaped, no line starting with a control character. */
function esc(s: string): string {
  return s.replace(/\\/g, '\\e').replace(/-/g, '\\-').split('\n').map((l) => (/^[.']/.test(l) ? `\\&${l}` : l)).join('\n');
}

/** Paragraphs as .PP, indented lines (examples) kept verbatim in .nf blocks. */
function paragraphs(text: string): string {
  const out: string[] = [];
  let block: string[] = [];
  const flush = () => {
    if (!block.length) return;
    // The block's common indentation goes (.RS indents it); the rest (JSON nesting) stays.
    const common = Math.min(...block.map((l) => /^ */.exec(l)![0].length));
    out.push('.PP', '.RS', '.nf', ...block.map((l) => esc(l.slice(common))), '.fi', '.RE');
    block = [];
  };
  for (const para of text.split(/\n{2,}/)) {
    const lines = para.split('\n');
    if (lines.some((l) => /^\s/.test(l) || /^[{}]/.test(l))) {
      // A block with indented or JSON lines: the plain lines as text, the rest verbatim.
      for (const l of lines) {
        if (/^\s/.test(l) || /^[{}]/.test(l)) block.push(l);
        else { flush(); out.push('.PP', esc(l)); }
      }
      flush();
    } else {
      out.push('.PP', esc(lines.join(' ')));
    }
  }
  return out.join('\n');
}

function options(flags: FlagDef[]): string {
  return flags.filter((f) => !f.hidden).map((f) => {
    const spelled = flagSpelling(f).split(', ').map((p) => {
      const [name, value] = p.split(' ');
      return `\\fB${esc(name)}\\fR${value ? ` \\fI${value}\\fR` : ''}`;
    }).join(', ');
    const def = f.showDefault !== undefined ? ` (default: ${esc(f.showDefault)})` : '';
    return `.TP\n${spelled}\n${esc(f.describe)}${def}`;
  }).join('\n');
}

// Left-adjusted, no hyphenation: flag names and URLs stay whole (and groff has no line it cannot adjust).
const th = (name: string, version: string) => `.TH ${name.toUpperCase()} 8 "" "${APP.name} ${esc(version)}" "System Manager's Manual"\n.ad l\n.nh`;
const visibleCommands = () => COMMAND_DEFS.filter((c) => !c.hidden);
const pageName = (c: CommandDef) => `${APP.name}-${c.name}`;

export function appManPage(version: string): string {
  return [
    `.\\" Generated from packages/cli/src/command-defs.ts by scripts/man.mjs: do not edit.`,
    th(APP.name, version),
    '.SH NAME',
    `${APP.name} \\- ${esc(APP.summary)}`,
    '.SH SYNOPSIS',
    `.B ${APP.name}`,
    esc(APP.usage),
    '.SH DESCRIPTION',
    paragraphs(APP.description),
    '.SH COMMANDS',
    ...visibleCommands().map((c) => `.TP\n.B ${esc(c.name)}\n${esc(c.summary)} (see \\fB${esc(pageName(c))}\\fR(8))`),
    `.TP\n.B ${HELP_COMMAND.name}, ${HELP_COMMAND.alias}\n${esc(HELP_COMMAND.summary)}`,
    '.SH GLOBAL OPTIONS',
    options(GLOBAL_FLAGS),
    '.SH EXIT STATUS',
    '0 on success; 1 on an error or a usage error; 3 for an unknown command; 255 when \\fBexec\\fR cannot start the process; otherwise, for \\fBrun\\fR and \\fBexec\\fR in the foreground, the process\' exit status (128 + the signal number when a signal ended it).',
    '.SH SEE ALSO',
    visibleCommands().map((c) => `\\fB${esc(pageName(c))}\\fR(8)`).join(', '),
    '',
  ].join('\n');
}

export function commandManPage(c: CommandDef, version: string): string {
  const parts = [
    `.\\" Generated from packages/cli/src/command-defs.ts by scripts/man.mjs: do not edit.`,
    th(pageName(c), version),
    '.SH NAME',
    `${esc(pageName(c))} \\- ${esc(c.summary)}`,
    '.SH SYNOPSIS',
    `.B ${APP.name} ${esc(c.name)}`,
    esc(c.usage),
  ];
  if (c.argsHelp) parts.push(paragraphs(c.argsHelp));
  if (c.description) parts.push('.SH DESCRIPTION', paragraphs(c.description));
  if (c.example) parts.push('.SH EXAMPLE', paragraphs(c.example));
  if (c.flags.some((f) => !f.hidden)) parts.push('.SH OPTIONS', options(c.flags));
  parts.push('.SH SEE ALSO', `\\fB${APP.name}\\fR(8)`, '');
  return parts.join('\n');
}

/** Every page: file name → text. */
export function manPages(version: string): Record<string, string> {
  const pages: Record<string, string> = { [`${APP.name}.8`]: appManPage(version) };
  for (const c of visibleCommands()) pages[`${pageName(c)}.8`] = commandManPage(c, version);
  return pages;
}
