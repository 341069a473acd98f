// Help for ipsim's own objects and commands (`--help` after any of them: stdout, exit 0), and the
// "did you mean" of a mistyped one. ip's own help paths (`ipsim help`, `ipsim netns help`, unknown
// objects) keep ip's texts byte for byte and never come here. Option lists are commander's, from
// the options each command defines (options.ts); this file holds what commander cannot know.
import { Fatal, type Ctx } from './context.js';

export interface CommandHelp {
  /** One line for the object's list of commands. */
  brief: string;
  /** What it does, in the kernel's words. */
  summary: string;
  /** One command line that works as typed on a fresh state. */
  example: string;
}

/** Every command of ipsim's own objects, keyed "OBJECT COMMAND"; objects without commands by OBJECT. */
export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  'pernet register-subsys': {
    brief: 'register_pernet_subsys(): add ops, init in every namespace',
    summary:
      'register_pernet_subsys(): link a pernet_operations before first_device and run its init in every namespace (ops_init; a failure unwinds with ops_exit_list/ops_free_list). On a terminal, with no NAME, asks for each field.',
    example: 'ipsim --trace pernet register-subsys vlan_net_ops --id --size 32 --init vlan_init_net',
  },
  'pernet register-device': {
    brief: 'register_pernet_device(): add ops at the tail',
    summary:
      'register_pernet_device(): link a pernet_operations at the tail of pernet_list (first_device points at the first device) and run its init in every namespace. On a terminal, with no NAME, asks for each field.',
    example: 'ipsim --trace pernet register-device loopback_net_ops --init loopback_net_init',
  },
  'pernet unregister-subsys': {
    brief: 'unregister_pernet_subsys(): exit in every namespace, unlink',
    summary: 'unregister_pernet_subsys(): unlink the ops and run its exit and exit_batch in every namespace (ops_exit_list, ops_free_list).',
    example: 'ipsim --trace pernet unregister-subsys vlan_net_ops',
  },
  'pernet unregister-device': {
    brief: 'unregister_pernet_device(): likewise, for a device',
    summary: 'unregister_pernet_device(): as unregister-subsys, moving first_device on when it pointed at this ops.',
    example: 'ipsim --trace pernet unregister-device loopback_net_ops',
  },
  'pernet fail': {
    brief: "make an ops' init or its data allocation fail in a namespace",
    summary:
      'Fault injection on a registered ops: its init returns -ERRNO (default ENOMEM) in NET, or the kzalloc of its net_generic data fails in NET. NET := NAME | init_net | net:[INUM] | *.',
    example: 'ipsim pernet fail vlan_net_ops --init blue:ENOSPC',
  },
  'pernet list': {
    brief: 'pernet_list in order and first_device',
    summary: 'pernet_list in order, with each ops’ id, size, callbacks and faults, then first_device.',
    example: 'ipsim pernet list',
  },
  'show gen': {
    brief: 'struct net_generic of each namespace, and the ids',
    summary: 'max_gen_ptrs, the net_generic ids in use, and the ptr[] slots of each namespace’s struct net_generic (NULL ones with --all).',
    example: 'ipsim show gen init_net --all',
  },
  'show net': {
    brief: 'Figure 0.1: a struct net',
    summary: 'Figure 0.1: a struct net (count, passive, proc_inum, gen, user_ns, loopback_dev), its names and its nsid table.',
    example: 'ipsim show net init_net',
  },
  'show lists': {
    brief: 'Figure 0.2: net_namespace_list and pernet_list',
    summary: 'Figure 0.2: net_namespace_list and pernet_list with each ops’ callbacks, and first_device.',
    example: 'ipsim show lists --format mermaid',
  },
  'show ids': {
    brief: 'the IDAs in use: net_generic ids, proc inode numbers',
    summary: 'The IDAs in use: net_generic ids and proc inode numbers (those /proc reserved at boot apart), and max_gen_ptrs.',
    example: 'ipsim -j -p show ids',
  },
  boot: {
    brief: 'net_ns_init() and a profile',
    summary: 'net_ns_init() on an empty kernel, then a profile (seed, bare, linux-3.10 or a file of ipsim lines). Refused when a kernel is booted: reset first.',
    example: 'ipsim boot --profile linux-3.10 --trace',
  },
  reset: {
    brief: 'forget the emulated kernel',
    summary:
      'Forget the emulated kernel: delete the state file and its journal (also a corrupt one). On a terminal it asks first; -force or --force does not ask.',
    example: 'ipsim reset --force',
  },
  shell: {
    brief: 'a prompt for ipsim lines',
    summary: 'A prompt for ipsim lines against the same state: each line locks, loads, writes and unlocks on its own. Tab completes; history is kept.',
    example: 'ipsim shell',
  },
  completion: {
    brief: 'a completion script for bash, zsh or fish',
    summary: 'Print a script that completes ipsim’s objects, commands, options and live namespace and ops names in bash, zsh or fish.',
    example: 'source <(ipsim completion bash)',
  },
};

/** The objects with commands: what the object is, and its commands in the order of its usage. */
const OBJECT_HELP: Readonly<Record<string, { summary: string; commands: readonly string[]; example: string }>> = {
  pernet: {
    summary:
      'The kernel’s pernet_operations registry (net/core/net_namespace.c):\nregister and unregister ops, inject faults, list pernet_list.',
    commands: ['register-subsys', 'register-device', 'unregister-subsys', 'unregister-device', 'fail', 'list'],
    example: 'ipsim --trace pernet register-subsys vlan_net_ops --id --size 32 --init vlan_init_net',
  },
  show: {
    summary: 'The kernel’s data structures drawn from the live state: the walkthrough’s\nfigures, -j JSON, or --format dot|mermaid|svg.',
    commands: ['gen', 'net', 'lists', 'ids'],
    example: 'ipsim show lists',
  },
};

/** Whether the words after an object ask for help, so the command reads and writes nothing. */
export function asksHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--help');
}

/** `ipsim pernet --help`, `ipsim show --help`: the object, its commands, where to look next. */
export function objectHelp(object: string): string {
  const help = OBJECT_HELP[object];
  if (!help) throw new Error(`no help for object ${object}`);
  const width = Math.max(...help.commands.map((c) => c.length));
  const lines = [
    `Usage: ipsim ${object} COMMAND [OPTIONS]`,
    '',
    help.summary,
    '',
    'Commands:',
    ...help.commands.map((c) => `  ${c.padEnd(width)}  ${COMMAND_HELP[`${object} ${c}`]!.brief}`),
    '',
    `"ipsim ${object} COMMAND --help" shows a command's options.`,
    '',
    'Example:',
    `  ${help.example}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The "did you mean" of a mistyped word: commander's suggestSimilar (edit distance, at most 3 and
 * 40% similar), reached through an unknown-command parse: one sentence, or ''.
 */
export async function suggestion(word: string, candidates: readonly string[]): Promise<string> {
  const { Command, CommanderError } = await import('commander');
  const probe = new Command('ipsim').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  for (const candidate of candidates) probe.command(candidate).action(() => undefined);
  try {
    probe.parse([word], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return didYouMean(err.message);
  }
  return '';
}

/** Commander's "\n(Did you mean X?)" tail as a sentence for the same line, `Did you mean "X"?`, or ''. */
export function didYouMean(message: string): string {
  const m = /\n\(Did you mean (one of )?(.+)\?\)$/.exec(message);
  if (!m) return '';
  const names = m[2]!.split(', ').map((n) => `"${n}"`);
  return m[1] ? `Did you mean one of ${names.join(', ')}?` : `Did you mean ${names[0]}?`;
}

/** An unknown command of ipsim's own object: one line, a suggestion when one is close, exit 255. */
export async function unknownCommand(ctx: Ctx, object: string, word: string, candidates: readonly string[]): Promise<never> {
  const hint = await suggestion(word, candidates);
  ctx.out.err(`Command "${word}" is unknown, try "ipsim ${object} help".${hint ? ` ${hint}` : ''}\n`);
  throw new Fatal();
}
