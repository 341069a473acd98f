// Options of ipsim's own commands (pernet, show, boot), parsed by commander. iproute2's words stay
// with the hand port in ip_options.ts; these are ipsim's --long options, where commander's rules
// (repeatable options, --opt=value, unknown-option errors, --help) are exactly what users expect.
// Each command describes its options as data (CommandSpec), from which commander's Command is
// built; a command line made only of known options with plain values and the operands the command
// takes, which commander would accept without a word, is read from that data without loading
// commander (parsePlain), since loading and starting it cost a write 1.4 ms, 5.5 ms without a code
// cache (README, Speed). test/options.test.ts checks that both read every such line alike.
import type { Command } from 'commander';
import { Fatal, HelpShown, type Ctx } from './context.js';
import { COMMAND_HELP, didYouMean } from './help.js';
import { TRACE_SOURCE } from './ip_options.js';

export interface Parsed {
  opts: Record<string, unknown>;
  operands: string[];
}

/** One --long option, as commander's option() takes it. */
export interface OptionSpec {
  /** `--name` (a switch) or `--name <value>`. */
  readonly flags: string;
  readonly description: string;
  /** Repeatable: the values in order, [] when not given. */
  readonly repeat?: true;
  readonly default?: string;
  readonly choices?: readonly string[];
}

/** What a command takes: at most one optional operand (`[name]`), and options. */
export interface CommandSpec {
  readonly argument?: string;
  readonly options?: readonly OptionSpec[];
}

/** The option every ipsim command takes. */
const TRACE_OPTION: OptionSpec = {
  flags: '--trace',
  description: 'print the kernel call tree of this command (--trace=source: with where 3.10 defines each function)',
};

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The Command commander parses `ipsim PATH` with: the spec's operand and options, then --trace and --help. */
export function commandOf(CommandClass: typeof Command, path: string, spec: CommandSpec): Command {
  const cmd = new CommandClass(`ipsim ${path}`);
  if (spec.argument !== undefined) cmd.argument(spec.argument);
  for (const option of [...(spec.options ?? []), TRACE_OPTION]) {
    if (option.choices !== undefined) {
      const made = cmd.createOption(option.flags, option.description).choices(option.choices);
      cmd.addOption(option.default === undefined ? made : made.default(option.default));
    } else if (option.repeat) cmd.option(option.flags, option.description, collect, []);
    else if (option.default !== undefined) cmd.option(option.flags, option.description, option.default);
    else cmd.option(option.flags, option.description);
  }
  return cmd.helpOption('--help', 'print this help').exitOverride();
}

/** commander's key for an option: `--exit-batch <fn>` is exitBatch. */
function keyOf(flags: string): string {
  return flags.slice(2).split(' ')[0]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * What commander would make of `words`, for the lines it accepts without a word: each word an
 * operand the spec takes, a known switch, or a known option with its value (`--name=V` or
 * `--name V`) that starts with no `-` and is among its choices. Undefined for any other line
 * (--help, `--`, a short or unknown option, a missing value, an operand too many), which
 * commander then parses, and reports on.
 */
export function parsePlain(words: readonly string[], spec: CommandSpec): Parsed | undefined {
  const options = [...(spec.options ?? []), TRACE_OPTION];
  const opts: Record<string, unknown> = {};
  for (const option of options) {
    if (option.repeat) opts[keyOf(option.flags)] = [];
    else if (option.default !== undefined) opts[keyOf(option.flags)] = option.default;
  }
  const operands: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    if (!word.startsWith('-')) {
      if (spec.argument === undefined || operands.length === 1) return undefined;
      operands.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq < 0 ? word : word.slice(0, eq);
    const option = options.find((o) => o.flags === name || o.flags.startsWith(`${name} `));
    if (option === undefined) return undefined;
    const key = keyOf(option.flags);
    if (!option.flags.includes(' ')) {
      if (eq >= 0) return undefined;
      opts[key] = true;
      continue;
    }
    const value = eq < 0 ? words[(i += 1)] : word.slice(eq + 1);
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    if (option.choices !== undefined && !option.choices.includes(value)) return undefined;
    opts[key] = option.repeat ? [...(opts[key] as string[]), value] : value;
  }
  return { opts, operands };
}

/**
 * Parses args for `ipsim PATH` (PATH: "pernet register-subsys", "boot", …). A bad option or value
 * prints one line (with commander's "did you mean", on the same line) and is a usage error (exit
 * 255, fatal in a batch); missing operands are the caller's to report. `--help` prints the
 * command's help on stdout and ends the command with 0 (HelpShown).
 */
export async function parseOptions(ctx: Ctx, path: string, args: readonly string[], spec: CommandSpec = {}): Promise<Parsed> {
  // TRACE_SOURCE is matched exactly, as before OBJECT (ip_options.ts); commander sees --trace.
  const end = args.indexOf('--');
  const words = args.map((word, i) => (word === TRACE_SOURCE && (end < 0 || i < end) ? '--trace' : word));
  const source = words.some((word, i) => word !== args[i]);
  const parsed = parsePlain(words, spec) ?? (await parseWithCommander(ctx, path, words, spec));
  // ipsim's own commands take --trace after the object too; runLine turns it off again.
  if (parsed.opts.trace === true) ctx.tracer.enabled = true;
  if (source) ctx.tracer.source = true;
  return parsed;
}

async function parseWithCommander(ctx: Ctx, path: string, words: readonly string[], spec: CommandSpec): Promise<Parsed> {
  const { Command: CommandClass, CommanderError } = await import('commander');
  const help = COMMAND_HELP[path];
  const cmd = commandOf(CommandClass, path, spec).configureOutput({
    writeOut: (text) => ctx.out.out(text),
    writeErr: () => undefined,
    outputError: () => undefined,
    getOutHelpWidth: () => ctx.out.columns ?? 80,
    getOutHasColors: () => false,
  });
  // A command without an entry in COMMAND_HELP still lists its usage and options.
  if (help) cmd.description(help.summary).addHelpText('after', `\nExample:\n  ${help.example}`);
  try {
    cmd.parse(words, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.code === 'commander.helpDisplayed') throw new HelpShown();
    const [first] = err.message.replace(/^error: /, '').split('\n');
    const hint = didYouMean(err.message);
    ctx.out.err(`Error: ${first}${hint ? `. ${hint}` : ''}\n`);
    throw new Fatal();
  }
  return { opts: cmd.opts(), operands: cmd.args };
}
