// Options of ipsim's own commands (pernet, show, boot), parsed by commander. iproute2's words stay
// with the hand port in ip_options.ts; these are ipsim's --long options, where commander's rules
// (repeatable options, --opt=value, unknown-option errors, --help) are exactly what users expect.
import type { Command } from 'commander';
import { Fatal, HelpShown, type Ctx } from './context.js';
import { COMMAND_HELP, didYouMean } from './help.js';
import { TRACE_SOURCE } from './ip_options.js';

export interface Parsed {
  opts: Record<string, unknown>;
  operands: string[];
}

/**
 * Parses args for `ipsim PATH` (PATH: "pernet register-subsys", "boot", …). A bad option or value
 * prints one line (with commander's "did you mean", on the same line) and is a usage error (exit
 * 255, fatal in a batch); missing operands are the caller's to report. `--help` prints the
 * command's help on stdout and ends the command with 0 (HelpShown).
 */
export async function parseOptions(ctx: Ctx, path: string, args: readonly string[], define: (cmd: Command) => Command): Promise<Parsed> {
  const { Command: CommandClass, CommanderError } = await import('commander');
  const help = COMMAND_HELP[path];
  // TRACE_SOURCE is matched exactly, as before OBJECT (ip_options.ts); commander sees --trace.
  const end = args.indexOf('--');
  const words = args.map((word, i) => (word === TRACE_SOURCE && (end < 0 || i < end) ? '--trace' : word));
  const source = words.some((word, i) => word !== args[i]);
  const cmd = define(new CommandClass(`ipsim ${path}`))
    .option('--trace', 'print the kernel call tree of this command (--trace=source: with where 3.10 defines each function)')
    .helpOption('--help', 'print this help')
    .exitOverride()
    .configureOutput({
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
  const opts = cmd.opts();
  // ipsim's own commands take --trace after the object too; runLine turns it off again.
  if (opts.trace === true) ctx.tracer.enabled = true;
  if (source) ctx.tracer.source = true;
  return { opts, operands: cmd.args };
}

/**
 * parseOptions for a command whose options have no defaults: with no arguments there is nothing to
 * parse, and commander, the largest library ipsim bundles, is not even started (README, Speed).
 */
export async function parseOptionsIfAny(ctx: Ctx, path: string, args: readonly string[], define: (cmd: Command) => Command): Promise<Parsed> {
  if (args.length === 0) return { opts: {}, operands: [] };
  return parseOptions(ctx, path, args, define);
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
