// Options of ipsim's own commands (pernet, show, boot), parsed by commander. iproute2's words stay
// with the hand port in ip_options.ts; these are ipsim's --long options, where commander's rules
// (repeatable options, --opt=value, unknown-option errors) are exactly what users expect.
import type { Command } from 'commander';
import { Fatal, type Ctx } from './context.js';

export interface Parsed {
  opts: Record<string, unknown>;
  operands: string[];
}

/**
 * Parses args for `ipsim OBJECT COMMAND`: a bad option or value prints one line and is a usage
 * error (exit 255, fatal in a batch); missing operands are the caller's to report.
 */
export async function parseOptions(ctx: Ctx, command: string, args: readonly string[], define: (cmd: Command) => Command): Promise<Parsed> {
  const { Command: CommandClass, CommanderError } = await import('commander');
  const cmd = define(new CommandClass(command))
    .option('--trace', 'print the kernel call tree of this command')
    .helpOption(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  try {
    cmd.parse([...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    ctx.out.err(`Error: ${err.message.replace(/^error: /, '')}\n`);
    throw new Fatal();
  }
  const opts = cmd.opts();
  // ipsim's own commands take --trace after the object too; runLine turns it off again.
  if (opts.trace === true) ctx.tracer.enabled = true;
  return { opts, operands: cmd.args };
}

/**
 * parseOptions for a command whose only option is --trace, with at most the optional operand
 * `operand` ('[net]'): with no arguments there is nothing to parse, and commander, the largest
 * library ipsim bundles, is not even started. Returns the operands.
 */
export async function parseOperands(ctx: Ctx, command: string, args: readonly string[], operand?: string): Promise<string[]> {
  if (args.length === 0) return [];
  return (await parseOptions(ctx, command, args, (cmd) => (operand === undefined ? cmd : cmd.argument(operand)))).operands;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
