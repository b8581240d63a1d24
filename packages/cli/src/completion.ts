/**
 * bash and zsh completion scripts, generated from command-defs.ts (the same
 * definitions as help and the man pages, so they list the same commands and
 * flags). `oci-ts completion [bash|zsh]` prints one; the build also writes
 * both into dist/completion/ for packagers. Container ids are completed from
 * `oci-ts list -q` with the --root already on the command line.
 */
import { APP, COMMAND_DEFS, GLOBAL_FLAGS, type CommandDef, type FlagDef } from './command-defs.ts';

const shown = (flags: FlagDef[]) => flags.filter((f) => !f.hidden);
const commands = () => COMMAND_DEFS.filter((c) => !c.hidden);
const spellings = (f: FlagDef) => [`--${f.name}`, ...(f.alias ? [`-${f.alias}`] : [])];
const takesId = (c: CommandDef) => c.usage.includes('<container-id>') && c.name !== 'create' && c.name !== 'run';

/** bash: one function, `complete -F`. */
export function bashCompletion(): string {
  const valueCase = (flags: FlagDef[]) => {
    const arms: string[] = [];
    for (const f of shown(flags)) {
      if (f.type === 'bool') continue;
      const pat = spellings(f).join('|');
      const action = f.complete === 'file' ? 'COMPREPLY=($(compgen -f -- "$cur"))'
        : f.complete === 'dir' ? 'COMPREPLY=($(compgen -d -- "$cur"))'
          : Array.isArray(f.complete) ? `COMPREPLY=($(compgen -W "${f.complete.join(' ')}" -- "$cur"))`
            : 'COMPREPLY=()';
      arms.push(`      ${pat}) ${action}; return ;;`);
    }
    return arms.join('\n');
  };
  const globalValue = shown(GLOBAL_FLAGS).filter((f) => f.type !== 'bool').flatMap(spellings).join('|');
  const perCommand = commands().map((c) => {
    const flags = shown(c.flags).flatMap(spellings).join(' ');
    const values = valueCase(c.flags);
    return `    ${c.name})
      case "$prev" in
${values || '      __none__) ;;'}
      esac
      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${flags} --help" -- "$cur")); return; fi
${takesId(c) ? '      [[ $npos -eq 0 ]] && COMPREPLY=($(compgen -W "$(__oci_ts_ids)" -- "$cur"))' : c.name === 'completion' ? '      COMPREPLY=($(compgen -W "bash zsh" -- "$cur"))' : '      :'}
      ;;`;
  }).join('\n');
  return `# bash completion for ${APP.name}, generated from its command definitions (oci-ts completion bash)
__oci_ts_ids() {
  local root=()
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --root|-root) root=(--root "\${COMP_WORDS[i+1]}") ;;
      --root=*|-root=*) root=(--root "\${COMP_WORDS[i]#*=}") ;;
    esac
  done
  ${APP.name} "\${root[@]}" list -q 2>/dev/null
}

_oci_ts() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local i cmd="" npos=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    local w="\${COMP_WORDS[i]}"
    if [[ -z "$cmd" ]]; then
      case "$w" in
        ${globalValue}) ((i++)) ;;
        -*) ;;
        *) cmd="$w" ;;
      esac
    elif [[ "$w" != -* ]]; then
      ((npos++))
    fi
  done
  COMPREPLY=()
  if [[ -z "$cmd" ]]; then
    case "$prev" in
${valueCase(GLOBAL_FLAGS)}
    esac
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W "${shown(GLOBAL_FLAGS).flatMap(spellings).join(' ')}" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "${commands().map((c) => c.name).join(' ')} help" -- "$cur"))
    fi
    return
  fi
  case "$cmd" in
    help|h) [[ $npos -eq 0 ]] && COMPREPLY=($(compgen -W "${commands().map((c) => c.name).join(' ')}" -- "$cur")) ;;
${perCommand}
  esac
}
complete -F _oci_ts ${APP.name}
`;
}

/** zsh's _arguments spec text: brackets and colons escaped, one-line. */
const zq = (s: string) => s.replace(/\s+/g, ' ').replace(/[\\[\]:]/g, (m) => `\\${m}`).replace(/'/g, `'\\''`);

function zshFlag(f: FlagDef): string[] {
  const action = f.type === 'bool' ? ''
    : f.complete === 'file' ? ':file:_files' : f.complete === 'dir' ? ':directory:_files -/'
      : Array.isArray(f.complete) ? `:value:(${f.complete.join(' ')})` : ':value: ';
  const repeat = f.type === 'strings' || f.type === 'numbers' ? '*' : '';
  const names = spellings(f);
  const excl = !repeat && names.length > 1 ? `(${names.join(' ')})` : '';
  const desc = zq(f.describe.split('. ')[0]);
  return names.map((n) => {
    const eq = f.type === 'bool' ? '' : n.startsWith('--') ? '=' : '+';
    return `'${excl}${repeat}${n}${eq}[${desc}]${action}'`;
  });
}

/** zsh: a `#compdef` function with _arguments. */
export function zshCompletion(): string {
  const cmds = commands().map((c) => `    '${c.name}:${zq(c.summary)}'`).join('\n');
  const arms = commands().map((c) => {
    const specs = [...shown(c.flags).flatMap(zshFlag), "'(- *)--help[show help]'"];
    if (takesId(c)) specs.push("'1:container id:__oci_ts_ids'");
    if (c.name === 'exec') specs.push("'*::command:_normal'");
    if (c.name === 'completion') specs.push("'1:shell:(bash zsh)'");
    return `    (${c.name})\n      _arguments -s \\\n        ${specs.join(' \\\n        ')}\n      ;;`;
  }).join('\n');
  const globals = shown(GLOBAL_FLAGS).flatMap(zshFlag).join(' \\\n    ');
  return `#compdef ${APP.name}
# zsh completion for ${APP.name}, generated from its command definitions (oci-ts completion zsh)

__oci_ts_ids() {
  local -a ids root
  local i=\${words[(I)--root]}
  (( i )) && root=(--root "\${words[i+1]}")
  ids=(\${(f)"$(_call_program ids ${APP.name} "\${root[@]}" list -q 2>/dev/null)"})
  _describe -t containers 'container id' ids
}

_oci-ts() {
  local curcontext="$curcontext" state line
  local -a commands
  commands=(
${cmds}
    'help:Shows a list of commands or help for one command'
  )
  _arguments -C \\
    ${globals} \\
    '1:command:->command' \\
    '*::arg:->args'
  case $state in
    (command) _describe -t commands '${APP.name} command' commands ;;
    (args)
      case $words[1] in
    (help) _describe -t commands '${APP.name} command' commands ;;
${arms}
      esac
      ;;
  esac
}

_oci-ts "$@"
`;
}
