// Tab completion: what may come next on a partial command line, for the shell's Tab and for the
// scripts `ipsim completion bash|zsh|fish` print (which call `ipsim __complete WORDS...` on every
// Tab). It runs on every key press, so it loads no command module and no commander: the words
// are read against the table below, and the live names come from a plain read of the state file,
// without the lock and without the load's checks (a state that cannot be read completes no names).
import { matchObject, parseGlobalOptions } from './ip_options.js';
import { readRegular, statePath } from '../store/paths.js';
import type { Sink } from '../ui/output.js';
import { matches } from './utils.js';

/** The live names a completion may offer. */
export interface LiveNames {
  /** Names bound in /run/netns. */
  netns: string[];
  /** The pernet_operations on pernet_list. */
  ops: string[];
}

/**
 * What an argument position takes: a bound name, an ops name, a NET (a name or init_net), a fault
 * selector (a NET or *), a word nothing completes, or one of a list.
 */
type Value = 'netns' | 'ops' | 'net' | 'selector' | 'none' | readonly string[];

interface Sub {
  /** Operand positions after the subcommand word. */
  readonly operands?: readonly Value[];
  /** Options and what their value is ('none' for a value nothing completes; absent: a flag). */
  readonly options?: Readonly<Record<string, Value | undefined>>;
  /** Keywords that may follow (netns list-id). */
  readonly keywords?: Readonly<Record<string, Value>>;
}

/** What each object takes: its subcommands in the order its own matches() chain tries them. */
interface ObjectGrammar {
  readonly subs: readonly (readonly [string, Sub])[];
  /** Options and operands of an object with no subcommand (boot, completion). */
  readonly direct?: Sub;
}

const TRACE = { '--trace': undefined } as const;
const OPS_OPTIONS = {
  ...TRACE,
  '--id': undefined,
  '--size': 'none',
  '--init': 'none',
  '--exit': 'none',
  '--exit-batch': 'none',
  '--fail-init': 'selector',
  '--fail-alloc': 'selector',
} as const;
const FORMATS = ['text', 'dot', 'mermaid', 'svg'] as const;

/** The words of each object, as the modules read them. */
const GRAMMAR: Readonly<Record<string, ObjectGrammar>> = {
  // do_netns()'s chain (commands/netns.ts): show and lst are list's other names.
  netns: {
    subs: [
      ['list', {}],
      ['list-id', { keywords: { 'target-nsid': 'none', nsid: 'none' } }],
      ['help', {}],
      ['add', { operands: ['none'] }],
      ['set', { operands: ['netns', 'none'] }],
      ['delete', { operands: ['netns'] }],
      ['identify', { operands: ['none'] }],
      ['pids', { operands: ['netns'] }],
      ['exec', { operands: ['netns'] }],
      ['monitor', {}],
      ['attach', { operands: ['none', 'none'] }],
    ],
  },
  pernet: {
    subs: [
      ['register-subsys', { operands: ['none'], options: OPS_OPTIONS }],
      ['register-device', { operands: ['none'], options: OPS_OPTIONS }],
      ['unregister-subsys', { operands: ['ops'], options: TRACE }],
      ['unregister-device', { operands: ['ops'], options: TRACE }],
      ['fail', { operands: ['ops'], options: { ...TRACE, '--init': 'selector', '--alloc': 'selector', '--clear': undefined } }],
      ['list', { options: TRACE }],
      ['help', {}],
    ],
  },
  show: {
    subs: [
      ['gen', { operands: ['net'], options: { ...TRACE, '--format': FORMATS, '--all': undefined } }],
      ['net', { operands: ['net'], options: { ...TRACE, '--format': FORMATS } }],
      ['lists', { options: { ...TRACE, '--format': FORMATS } }],
      ['ids', { options: TRACE }],
      ['help', {}],
    ],
  },
  boot: { subs: [], direct: { options: { ...TRACE, '--profile': ['seed', 'bare', 'linux-3.10'] } } },
  reset: { subs: [] },
  shell: { subs: [] },
  completion: { subs: [], direct: { operands: [['bash', 'zsh', 'fish']] } },
};

/** The objects offered for the first word: ipsim's own, ip's only where ipsim has it. */
const OBJECT_WORDS: readonly string[] = ['netns', 'pernet', 'show', 'boot', 'reset', 'shell', 'completion', 'help'];

/** Global options offered before the object (README, "Global options"), in their long forms. */
const GLOBAL_WORDS: readonly string[] = ['-json', '-pretty', '-batch', '-force', '-all', '-netns', '--state', '--trace', '--color', '--help', '--version'];
const COLOR_WORDS: readonly string[] = ['--color=auto', '--color=always', '--color=never'];

/** Words the shell understands besides the objects. */
export const SHELL_WORDS: readonly string[] = ['exit', 'quit'];

function values(value: Value | undefined, live: () => LiveNames): string[] {
  if (value === undefined || value === 'none') return [];
  // Live names sorted, as a shell lists files; the table's words in its order.
  if (value === 'netns') return live().netns.sort();
  if (value === 'ops') return live().ops.sort();
  if (value === 'net') return ['init_net', ...live().netns.sort()];
  if (value === 'selector') return ['init_net', '*', ...live().netns.sort()];
  return [...value];
}

/** The candidates of `sub` for the word after `args` (the words already complete after the subcommand). */
function subCandidates(sub: Sub, args: readonly string[], partial: string, live: () => LiveNames): string[] {
  const options = sub.options ?? {};
  const keywords = sub.keywords ?? {};
  const last = args[args.length - 1];
  if (last !== undefined && Object.hasOwn(options, last) && options[last] !== undefined) return values(options[last], live);
  if (last !== undefined && Object.hasOwn(keywords, last)) return values(keywords[last], live);
  if (partial.startsWith('-')) return Object.keys(options);
  // Operands are the words that are not options, nor option values, nor keywords with theirs.
  let position = 0;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (Object.hasOwn(options, word) || Object.hasOwn(keywords, word)) {
      if (options[word] !== undefined || Object.hasOwn(keywords, word)) i++;
      continue;
    }
    if (word.startsWith('--')) continue;
    position++;
  }
  const operand = sub.operands?.[position];
  if (operand !== undefined) return values(operand, live);
  return position >= (sub.operands?.length ?? 0) ? Object.keys(keywords) : [];
}

/**
 * The candidates for the last word of `words` (the words after `ipsim`; the last one is being
 * typed, '' after a space), those that start with it.
 * `shell` adds the shell's own words at the start of a line. The state is read only when a
 * position takes a live name: `live` is called at most once.
 */
export function complete(words: readonly string[], live: (state: string | undefined) => LiveNames, shell = false): string[] {
  const partial = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const parsed = parseGlobalOptions(before);
  if (!parsed.ok || parsed.options.help || parsed.options.version || parsed.options.batch !== undefined) return [];
  let names: LiveNames | undefined;
  const liveNames = (): LiveNames => (names ??= live(parsed.options.state));
  const offer = (candidates: readonly string[]): string[] => candidates.filter((c) => c.startsWith(partial));
  if (parsed.rest.length === 0) {
    // The word before may be an option still waiting for its value: -n NAME, --state FILE, -b FILE.
    const probe = parseGlobalOptions([...before, 'x']);
    const waiting = before.length > 0 && probe.ok && probe.rest.length === 0;
    if (waiting) {
      const option = before[before.length - 1]!;
      // ip's chain: a leading "--" is taken once; -n is -netns (files are the shell's to complete).
      return option !== '--state' && matches(option.replace(/^--/, '-'), '-netns') ? offer(values('netns', liveNames)) : [];
    }
    if (partial.startsWith('--color=')) return offer(COLOR_WORDS);
    if (partial.startsWith('-')) return offer(GLOBAL_WORDS);
    return offer(shell ? [...OBJECT_WORDS, ...SHELL_WORDS] : OBJECT_WORDS);
  }
  const object = matchObject(parsed.rest[0]!);
  const grammar = object === undefined ? undefined : GRAMMAR[object];
  if (!grammar) return [];
  const args = parsed.rest.slice(1);
  if (grammar.direct) return offer(subCandidates(grammar.direct, args, partial, liveNames));
  if (args.length === 0) return offer(grammar.subs.map(([word]) => word));
  const entry = grammar.subs.find(([word]) => matches(args[0]!, word));
  if (!entry) return [];
  // netns exec NAME CMD...: what follows the name is the command's, not ipsim's.
  if (object === 'netns' && entry[0] === 'exec' && (parsed.options.all || args.length > 2)) return [];
  return offer(subCandidates(entry[1], args.slice(1), partial, liveNames));
}

/** The names in a state file, read as they are: no lock, no checks; unreadable (or a FIFO, never opened) means none. */
export function readLiveNames(path: string): LiveNames {
  try {
    const doc = JSON.parse(readRegular(path, 'use state file')?.toString('utf8') ?? '{}') as { kernel?: { names?: unknown; pernet_list?: unknown } };
    const strings = (list: unknown): string[] => (Array.isArray(list) ? list.filter((name): name is string => typeof name === 'string') : []);
    /** An object per entry (pernet_list; names in a version 1 file): their names. */
    const named = (list: unknown): string[] => strings(Array.isArray(list) ? list.map((item: { name?: unknown } | null) => item?.name) : []);
    const names = doc.kernel?.names;
    return { netns: Array.isArray(names) ? named(names) : strings((names as { name?: unknown } | undefined)?.name), ops: named(doc.kernel?.pernet_list) };
  } catch {
    return { netns: [], ops: [] };
  }
}

/** `ipsim __complete WORDS...`: the candidates for the last word, one a line (an unusable state gives none). */
export function completeCommand(words: readonly string[], env: NodeJS.ProcessEnv, stdout: Sink): void {
  const candidates = complete(words.length === 0 ? [''] : words, (state) => readLiveNames(statePath(state, env)));
  try {
    stdout.write(candidates.map((c) => `${c}\n`).join(''));
  } catch {
    // The script stopped reading: nothing to complete.
  }
}
