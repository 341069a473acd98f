// Guided prompts (inquirer) for people at a terminal: the fields of a pernet registration, and the
// question before `reset` deletes a state. Only for one command typed at a terminal (stdin and
// stdout terminals, README "At a terminal"), never in a batch or a boot profile: scripts see the old
// behaviour. Every answer has a flag, so nothing here is needed to do anything. inquirer is
// imported here only, when a question is asked.
import { C_IDENTIFIER } from '../lib/state.js';
import { Fatal, type Ctx } from './context.js';

/** Whether this command may ask: a person at the terminal, and no batch or profile reading lines. */
export function mayAsk(ctx: Ctx): boolean {
  return ctx.out.interactive === true && ctx.opts.batch === undefined && !ctx.inProfile;
}

/** The answers to a registration's questions, in the flags' words. */
export interface OpsAnswers {
  name: string;
  id: boolean;
  size: string;
  init: string;
  exit: string;
  exitBatch: string;
  failInit: string;
  failAlloc: string;
}

/** Ctrl-C (or a closed terminal) at a question: the command ends, nothing changed, exit 130 like a SIGINT'd shell command. */
function cancelled(ctx: Ctx, err: unknown): never {
  const name = (err as Error | undefined)?.name;
  if (name !== 'ExitPromptError' && name !== 'AbortPromptError') throw err;
  ctx.out.err('Error: cancelled at the prompt; nothing was changed\n');
  throw new Fatal(130);
}

/**
 * Asks for the fields of `pernet register-subsys|device` that the command line did not give.
 * `given` names the flags that were given (commander's keys); their questions are skipped.
 */
export async function askOps(ctx: Ctx, kind: 'subsys' | 'device', given: ReadonlySet<string>): Promise<Partial<OpsAnswers>> {
  const { default: inquirer } = await import('inquirer');
  const fn = (what: string) => (value: string) => value === '' || C_IDENTIFIER.test(value) || `a C identifier, or empty for no ${what}`;
  const questions = [
    { type: 'input', name: 'name', message: `Name of the pernet_operations (register_pernet_${kind}):`, validate: (v: string) => v.trim() !== '' || 'a name is needed' },
    { type: 'confirm', name: 'id', message: 'Ask for a net_generic id (ops->id)?', default: false },
    { type: 'input', name: 'size', message: 'Size of its per-namespace data, in bytes (ops->size):', default: '0', validate: (v: string) => /^[0-9]+$/.test(v) || 'a non-negative integer' },
    { type: 'input', name: 'init', message: 'init callback (empty: none):', validate: fn('init') },
    { type: 'input', name: 'exit', message: 'exit callback (empty: none):', validate: fn('exit') },
    { type: 'input', name: 'exitBatch', message: 'exit_batch callback (empty: none):', validate: fn('exit_batch') },
    { type: 'input', name: 'failInit', message: 'Namespaces where init fails (NET[:ERRNO], space-separated; empty: none):' },
    { type: 'input', name: 'failAlloc', message: 'Namespaces where kzalloc fails (NET, space-separated; empty: none):' },
  ] as const;
  try {
    return (await inquirer.prompt(questions.filter((q) => !given.has(q.name)) as never)) as Partial<OpsAnswers>;
  } catch (err) {
    return cancelled(ctx, err);
  }
}

/** A yes/no question, no by default. */
export async function confirm(ctx: Ctx, message: string): Promise<boolean> {
  const { default: inquirer } = await import('inquirer');
  try {
    const { ok } = (await inquirer.prompt([{ type: 'confirm', name: 'ok', message, default: false }] as never)) as { ok: boolean };
    return ok;
  } catch (err) {
    return cancelled(ctx, err);
  }
}
