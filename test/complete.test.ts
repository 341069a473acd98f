// Completion (issue 10): the engine on partial lines, `ipsim __complete` against a live state, and
// the scripts `ipsim completion bash|zsh|fish` print, run by the shells they are for.
import { describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { complete, type LiveNames } from '../commands/complete.js';
import { cleanEnv, ipsim, IPSIM, stateFixture } from './helpers/cli.js';

const t = stateFixture();

const LIVE: LiveNames = { netns: ['red', 'blue'], ops: ['net_ns_ops', 'foo_ops'] };

/** The candidates for a line typed after `ipsim ` (the part after the last space is being typed). */
function candidates(line: string, shell = false): string[] {
  return complete(line.split(' '), () => LIVE, shell);
}

describe('the completion engine', () => {
  test.each([
    ['', ['netns', 'pernet', 'show', 'boot', 'reset', 'shell', 'completion', 'help']],
    ['p', ['pernet']],
    ['netns ', ['list', 'list-id', 'help', 'add', 'set', 'delete', 'identify', 'pids', 'exec', 'monitor', 'attach']],
    ['netns li', ['list', 'list-id']],
    ['netns delete ', ['blue', 'red']],
    ['netns del r', ['red']],
    ['netns exec b', ['blue']],
    ['netns exec blue ', []],
    ['-all netns exec ', []],
    ['netns add ', []],
    ['netns set red ', []],
    ['netns list-id ', ['target-nsid', 'nsid']],
    ['-n ', ['blue', 'red']],
    ['-j -n r', ['red']],
    ['--state ', []],
    ['-', ['-json', '-pretty', '-batch', '-force', '-all', '-netns', '--state', '--trace', '--color', '--help', '--version']],
    ['--color=a', ['--color=auto', '--color=always']],
    ['pernet u', ['unregister-subsys', 'unregister-device']],
    ['pernet unregister-device ', ['foo_ops', 'net_ns_ops']],
    ['pernet register-subsys x --', ['--trace', '--id', '--size', '--init', '--exit', '--exit-batch', '--fail-init', '--fail-alloc']],
    ['pernet register-subsys x --fail-init ', ['init_net', '*', 'blue', 'red']],
    ['pernet register-subsys x --init ', []],
    ['pernet fail foo_ops --alloc b', ['blue']],
    ['pernet fail foo_ops --c', ['--clear']],
    ['show ', ['gen', 'net', 'lists', 'ids', 'help']],
    ['show gen ', ['init_net', 'blue', 'red']],
    ['show gen red ', []],
    ['show g --format ', ['text', 'dot', 'mermaid', 'svg']],
    ['boot --profile ', ['seed', 'bare', 'linux-3.10']],
    ['completion ', ['bash', 'zsh', 'fish']],
    ['route ', []],
    ['-zzz ', []],
  ])('after "ipsim %s"', (line, expected) => {
    expect(candidates(line)).toEqual(expected);
  });

  test('the shell adds its own words at the start of a line', () => {
    expect(candidates('', true)).toEqual(['netns', 'pernet', 'show', 'boot', 'reset', 'shell', 'completion', 'help', 'exit', 'quit']);
    expect(candidates('q', true)).toEqual(['quit']);
  });

  test('reads the state only for a position that takes a live name', () => {
    let reads = 0;
    const live = (): LiveNames => {
      reads++;
      return LIVE;
    };
    complete(['netns', ''], live);
    complete(['show', 'gen', '--format', ''], live);
    expect(reads).toBe(0);
    complete(['netns', 'delete', ''], live);
    expect(reads).toBe(1);
  });

  test('reads the state that --state names on the line', () => {
    const seen: (string | undefined)[] = [];
    complete(['--state', 'other.json', 'netns', 'delete', ''], (state) => {
      seen.push(state);
      return LIVE;
    });
    expect(seen).toEqual(['other.json']);
  });
});

/** `ipsim __complete WORDS...` with the fixture's state. */
function callBack(words: string[], env: Record<string, string> = {}): { stdout: string; exit: number | null } {
  const run = ipsim(['__complete', ...words], { state: t.state, env });
  expect(run.stderr).toBe('');
  return run;
}

describe('ipsim __complete', () => {
  test('names the live namespaces and ops, one a line', () => {
    ipsim(['-batch', '-'], { state: t.state, stdin: 'netns add red\nnetns add rose\nnetns add blue\npernet register-subsys foo_ops\n' });
    expect(callBack(['netns', 'delete', 'r'])).toMatchObject({ stdout: 'red\nrose\n', exit: 0 });
    expect(callBack(['-n', '']).stdout).toBe('blue\nred\nrose\n');
    expect(callBack(['pernet', 'unregister-subsys', 'f']).stdout).toBe('foo_ops\n');
    expect(callBack(['show', 'net', '']).stdout).toBe('init_net\nblue\nred\nrose\n');
  });

  test('names them from a version 1 file too (an object per name)', () => {
    writeFileSync(t.state, JSON.stringify({ format: 'ipsim-state', version: 1, kernel: { names: [{ name: 'red', serial: 1 }, { name: 'rose', serial: 2 }], pernet_list: [{ name: 'foo_ops' }] } }));
    expect(callBack(['netns', 'delete', 'r']).stdout).toBe('red\nrose\n');
    expect(callBack(['pernet', 'unregister-subsys', 'f']).stdout).toBe('foo_ops\n');
  });

  test('completes words without a state, and creates none', () => {
    expect(callBack(['pernet', 'l']).stdout).toBe('list\n');
    expect(callBack(['netns', 'delete', '']).stdout).toBe('');
    expect(spawnSync('test', ['-e', t.state]).status).toBe(1);
  });

  test('offers no names from a state it cannot use, and says nothing', () => {
    writeFileSync(t.state, '{"kernel":');
    expect(callBack(['netns', 'delete', '']).stdout).toBe('');
    const fifo = join(t.dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    expect(callBack(['--state', fifo, 'netns', 'delete', '']).stdout).toBe('');
  });
});

/** A bash that sourced the script, completing `line` (the cursor at its end) as bash would on Tab. */
function bashComplete(line: string): string[] {
  const script = `
source <("${IPSIM}" completion bash)
complete -p ipsim
COMP_LINE=$1 COMP_POINT=\${#1}
COMP_WORDBREAKS=$' \\t\\n"\\'><=;|&(:'
# bash's own split: at blanks and at the COMP_WORDBREAKS characters, which are words of their own.
COMP_WORDS=()
word=
for ((i = 0; i < \${#1}; i++)); do
  c=\${1:i:1}
  if [[ $c == [[:space:]] ]]; then [[ -n $word ]] && COMP_WORDS+=("$word"); word=
  elif [[ $COMP_WORDBREAKS == *"$c"* ]]; then [[ -n $word ]] && COMP_WORDS+=("$word"); COMP_WORDS+=("$c"); word=
  else word+=$c; fi
done
COMP_WORDS+=("$word")
COMP_WORDS[0]=ipsim
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_ipsim
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const bin = join(t.dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'ipsim'), `#!/bin/sh\nexec "${process.execPath}" "${IPSIM}" "$@"\n`);
  chmodSync(join(bin, 'ipsim'), 0o755);
  const out = execFileSync('bash', ['-c', script, 'bash', line], { env: cleanEnv({ IPSIM_STATE: t.state, PATH: `${bin}:${process.env.PATH}` }), encoding: 'utf8' });
  const [registered, ...replies] = out.split('\n').slice(0, -1);
  expect(registered).toBe('complete -F _ipsim ipsim');
  return replies.filter((reply) => reply !== '');
}

const has = (shell: string): boolean => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

describe('ipsim completion', () => {
  test('bash: bash -n accepts the script', () => {
    const script = ipsim(['completion', 'bash'], { state: t.state });
    expect(script.exit).toBe(0);
    expect(spawnSync('bash', ['-n'], { input: script.stdout }).status).toBe(0);
  });

  test('bash: sourcing it registers _ipsim, which completes words and live names', () => {
    ipsim(['netns', 'add', 'red'], { state: t.state });
    expect(bashComplete('ipsim ne')).toEqual(['netns']);
    expect(bashComplete('ipsim netns exec ')).toEqual(['red']);
    expect(bashComplete('ipsim pernet unregister-subsys net_n')).toEqual(['net_ns_ops']);
  });

  test('bash: a word bash cuts at "=" is completed by the part bash replaces', () => {
    expect(bashComplete('ipsim --color=n')).toEqual(['never']);
  });

  test.each([
    ['zsh', ['-n']],
    ['fish', ['--no-execute']],
  ])('%s: the script passes the shell\'s syntax check (skipped when it is not installed)', (shell, check) => {
    if (!has(shell)) {
      console.log(`${shell} is not installed: its completion script was not syntax-checked`);
      return;
    }
    const script = ipsim(['completion', shell], { state: t.state });
    expect(script.exit).toBe(0);
    const file = join(t.dir, `ipsim.${shell}`);
    writeFileSync(file, script.stdout);
    expect(spawnSync(shell, [...check, file], { encoding: 'utf8' })).toMatchObject({ stderr: '', status: 0 });
  });

  test('needs one known shell', () => {
    expect(ipsim(['completion'], { state: t.state })).toEqual({ stdout: '', stderr: 'Error: completion needs a shell: bash, zsh or fish\n', exit: 1, signal: null });
    expect(ipsim(['completion', 'tcsh'], { state: t.state })).toEqual({ stdout: '', stderr: 'Error: no completion for "tcsh": bash, zsh or fish\n', exit: 255, signal: null });
    expect(ipsim(['completion', 'bash', 'zsh'], { state: t.state })).toEqual({ stdout: '', stderr: 'Error: completion takes one shell, not "zsh"\n', exit: 255, signal: null });
  });
});

describe('the table and the commands agree', () => {
  test('every subcommand the engine offers is one its object knows', () => {
    const lines: string[] = [];
    for (const object of ['pernet', 'show']) {
      for (const sub of candidates(`${object} `)) if (sub !== 'help') lines.push(`${object} ${sub} --no-such-option`);
    }
    // The shell goes on after a usage error, where a batch would stop.
    const run = ipsim(['shell'], { state: t.state, stdin: `${lines.join('\n')}\n` });
    expect(run.stderr).not.toContain('is unknown');
    expect(run.stderr.match(/--no-such-option/g)).toHaveLength(lines.length);
  });
});
