// `ipsim completion bash|zsh|fish`: a script for the user's shell that completes ipsim's words by
// calling back `ipsim __complete WORDS...` (commands/complete.ts) on every Tab, so that namespace
// and ops names come from the live state. The command that is being completed is the one called
// back (`ipsim`, or `./bin/ipsim` when that is what was typed and registered).
import { Fatal, type Ctx, type ObjectModule } from './context.js';
import { asksHelp } from './help.js';
import { parseOptions } from './options.js';

/**
 * bash: the words are cut from the line itself, because bash splits them at COMP_WORDBREAKS
 * (`--color=always`, `net:[4026531840]`); the candidates are then trimmed back to the part bash
 * replaces. No compgen -W: names are data, never expanded.
 */
const BASH = `# ipsim completion for bash: source <(ipsim completion bash)
_ipsim() {
    local line=\${COMP_LINE:0:COMP_POINT}
    local -a words
    read -r -a words <<< "$line"
    [[ $line == *[[:space:]] || \${#words[@]} -eq 0 ]] && words+=("")
    local cur=\${COMP_WORDS[COMP_CWORD]} word=\${words[\${#words[@]}-1]}
    local head=\${word:0:\${#word}-\${#cur}}
    [[ $word == *"$cur" ]] || head=
    local candidate
    COMPREPLY=()
    while IFS= read -r candidate; do
        COMPREPLY+=("\${candidate#"$head"}")
    done < <("\${COMP_WORDS[0]}" __complete "\${words[@]:1}" 2>/dev/null)
}
complete -F _ipsim ipsim
`;

const ZSH = `#compdef ipsim
# ipsim completion for zsh: source <(ipsim completion zsh), after compinit
_ipsim() {
    local -a candidates
    candidates=("\${(@f)$("\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
    candidates=("\${(@)candidates:#}")
    (( \${#candidates} )) && compadd -Q -U -- "\${candidates[@]}"
}
compdef _ipsim ipsim
`;

const FISH = `# ipsim completion for fish: ipsim completion fish | source
function __ipsim_complete
    set -l words (commandline -opc)
    $words[1] __complete $words[2..-1] (commandline -ct) 2>/dev/null
end
complete -c ipsim -f -a '(__ipsim_complete)'
`;

const SCRIPTS: Readonly<Record<string, string>> = { bash: BASH, zsh: ZSH, fish: FISH };

const completion: ObjectModule = {
  writes: () => false,

  async run(ctx: Ctx, args: string[]): Promise<number> {
    // `--help` (the only option) goes through commander like every ipsim command's (help.ts).
    if (asksHelp(args)) await parseOptions(ctx, 'completion', args, { argument: '[shell]' });
    const shell = args[0];
    if (shell === undefined) {
      ctx.out.err('Error: completion needs a shell: bash, zsh or fish\n');
      return 1;
    }
    const script = Object.hasOwn(SCRIPTS, shell) ? SCRIPTS[shell] : undefined;
    if (script === undefined || args.length > 1) {
      ctx.out.err(args.length > 1 ? `Error: completion takes one shell, not "${args.slice(1).join(' ')}"\n` : `Error: no completion for "${shell}": bash, zsh or fish\n`);
      throw new Fatal();
    }
    ctx.out.out(script);
    return 0;
  },
};

export default completion;
