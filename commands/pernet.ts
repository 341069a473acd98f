// `ipsim pernet`: the kernel's registration API (README, `ipsim pernet …`) — register_pernet_subsys/device,
// unregister_pernet_subsys/device, fault injection, and pernet_list itself.
import { ENOMEM, errnoByName, errnoName, parseErrno, strerror } from '../lib/errno.js';
import type { OpsSpec } from '../lib/machine.js';
import { Refused } from '../lib/refused.js';
import type { FailInit, PernetOps } from '../lib/state.js';
import { Fatal, HelpShown, printJson, type Ctx, type ObjectModule } from './context.js';
import { asksHelp, objectHelp, unknownCommand } from './help.js';
import { parseOptions, type CommandSpec } from './options.js';
import { askOps, mayAsk } from './prompts.js';
import { matches } from './utils.js';

export const PERNET_USAGE =
  'Usage: ipsim pernet register-subsys NAME [OPS-OPTIONS]\n' +
  '       ipsim pernet register-device NAME [OPS-OPTIONS]\n' +
  '       ipsim pernet unregister-subsys NAME\n' +
  '       ipsim pernet unregister-device NAME\n' +
  '       ipsim pernet fail NAME [--init NET[:ERRNO]]... [--alloc NET]... [--clear]\n' +
  '       ipsim pernet list\n' +
  'OPS-OPTIONS := [--id] [--size BYTES] [--init FN] [--exit FN] [--exit-batch FN]\n' +
  '               [--fail-init NET[:ERRNO]]... [--fail-alloc NET]...\n' +
  'NET := NAME | init_net | net:[INUM] | *\n';

type Sub = 'register-subsys' | 'register-device' | 'unregister-subsys' | 'unregister-device' | 'fail' | 'list' | 'help';

const SUBS: readonly Sub[] = ['register-subsys', 'register-device', 'unregister-subsys', 'unregister-device', 'fail', 'list', 'help'];

/** From this many namespaces on, a registration shows a spinner on a terminal. */
const MANY_NAMESPACES = 1000;

/** The errno a fault without :ERRNO returns. */
const DEFAULT_FAULT_ERRNO = ENOMEM;

function sub(word: string): Sub | undefined {
  return SUBS.find((keyword) => matches(word, keyword));
}

/**
 * NET[:ERRNO] (README, `ipsim pernet …`: how NET:ERRNO splits). TAIL, what follows the last ':', decides:
 * - an errno (parseErrno: a known name, or a decimal 1–4095 without leading zeros): NET is what
 *   precedes the ':' and must not be empty;
 * - empty, starting with a digit or a sign, shaped like an errno name (E[A-Z0-9]+) or an errno name
 *   in another case: a mistyped ERRNO, refused, never taken as part of NET (it could not fire);
 * - anything else (`net:[INUM]`, a name such as `a:b`): the whole text is NET, and ERRNO is ENOMEM.
 * A name that itself ends in such a TAIL is written with an explicit ERRNO: `blue:05:ENOMEM`.
 */
export function parseFailInit(text: string): FailInit {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { net: text, errno: DEFAULT_FAULT_ERRNO };
  const tail = text.slice(colon + 1);
  const errno = parseErrno(tail);
  if (errno !== undefined) {
    if (colon === 0) throw new Refused(`missing NET before ":${tail}" in "${text}"`);
    return { net: text.slice(0, colon), errno };
  }
  const mistyped = tail === '' || /^[0-9+-]/.test(tail) || /^E[A-Z0-9]+$/.test(tail) || errnoByName(tail.toUpperCase()) !== undefined;
  if (!mistyped) return { net: text, errno: DEFAULT_FAULT_ERRNO };
  throw new Refused(
    `invalid errno "${tail}" in "${text}": ERRNO is a name such as ENOMEM or a number 1-4095 (a NET ending in ":${tail}" needs an explicit ":ERRNO")`,
  );
}

function parseSize(text: string | undefined): number {
  if (text === undefined) return 0;
  const size = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(size)) throw new Refused(`invalid size "${text}": it must be a non-negative integer`);
  return size;
}

function needName(operands: readonly string[], command: string): string {
  const name = operands[0];
  if (name === undefined) throw new Refused(`pernet ${command} needs an ops NAME`);
  return name;
}

/** pernet register-subsys|register-device: the ops and its callbacks and faults. */
export const REGISTER: CommandSpec = {
  argument: '[name]',
  options: [
    { flags: '--id', description: 'ask for a net_generic id' },
    { flags: '--size <bytes>', description: 'per-namespace data size' },
    { flags: '--init <fn>', description: 'init callback' },
    { flags: '--exit <fn>', description: 'exit callback' },
    { flags: '--exit-batch <fn>', description: 'exit_batch callback' },
    { flags: '--fail-init <net>', description: 'init returns -ERRNO on NET', repeat: true },
    { flags: '--fail-alloc <net>', description: "ops_init's kzalloc fails on NET", repeat: true },
  ],
};

async function register(ctx: Ctx, command: 'register-subsys' | 'register-device', args: string[]): Promise<number> {
  const { opts, operands } = await parseOptions(ctx, `pernet ${command}`, args, REGISTER);
  let name = operands[0];
  if (name === undefined && mayAsk(ctx)) {
    // The questions the flags did not answer; the answers are read as those flags would be.
    const given = new Set(Object.keys(opts).filter((key) => opts[key] !== undefined && opts[key] !== false && !(Array.isArray(opts[key]) && opts[key].length === 0)));
    const answers = await askOps(ctx, command === 'register-subsys' ? 'subsys' : 'device', given);
    const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter((w) => w !== '');
    const orNone = (text: string | undefined): string | undefined => (text === undefined || text === '' ? undefined : text);
    name = answers.name!.trim();
    if (answers.id !== undefined) opts.id = answers.id;
    if (answers.size !== undefined) opts.size = answers.size;
    for (const key of ['init', 'exit', 'exitBatch'] as const) if (answers[key] !== undefined) opts[key] = orNone(answers[key]);
    if (answers.failInit !== undefined) opts.failInit = words(answers.failInit);
    if (answers.failAlloc !== undefined) opts.failAlloc = words(answers.failAlloc);
  }
  const spec: OpsSpec = {
    name: needName(name === undefined ? [] : [name], command),
    id: opts.id === true,
    size: parseSize(opts.size as string | undefined),
    init: (opts.init as string | undefined) ?? null,
    exit: (opts.exit as string | undefined) ?? null,
    exit_batch: (opts.exitBatch as string | undefined) ?? null,
    fail_init: (opts.failInit as string[]).map(parseFailInit),
    fail_alloc: opts.failAlloc as string[],
  };
  const kernel = await ctx.kernel();
  const fn = command === 'register-subsys' ? 'register_pernet_subsys' : 'register_pernet_device';
  // ops_init in every namespace is synchronous: a spinner, when there are many, drawn before it.
  const count = kernel.state.net_namespace_list.length;
  const spinner =
    count >= MANY_NAMESPACES ? await (await import('../ui/spinner.js')).startSpinner(ctx.out, `${fn}(${spec.name}) in ${count} namespaces`, 0) : undefined;
  let error: number;
  try {
    error = command === 'register-subsys' ? kernel.register_pernet_subsys(spec) : kernel.register_pernet_device(spec);
  } finally {
    spinner?.stop();
  }
  if (error) {
    ctx.out.err(`Error: ${fn}(${spec.name}): -${errnoName(-error)} (${strerror(-error)})\n`);
    return 2;
  }
  return 0;
}

async function unregister(ctx: Ctx, command: 'unregister-subsys' | 'unregister-device', args: string[]): Promise<number> {
  const { operands } = await parseOptions(ctx, `pernet ${command}`, args, { argument: '[name]' });
  const name = needName(operands, command);
  const kernel = await ctx.kernel();
  if (command === 'unregister-subsys') kernel.unregister_pernet_subsys(name);
  else kernel.unregister_pernet_device(name);
  return 0;
}

/** pernet fail: the faults injected into an ops. */
export const FAIL: CommandSpec = {
  argument: '[name]',
  options: [
    { flags: '--init <net>', description: 'init returns -ERRNO on NET', repeat: true },
    { flags: '--alloc <net>', description: "ops_init's kzalloc fails on NET", repeat: true },
    { flags: '--clear', description: 'forget the injected faults first' },
  ],
};

async function fail(ctx: Ctx, args: string[]): Promise<number> {
  const { opts, operands } = await parseOptions(ctx, 'pernet fail', args, FAIL);
  const name = needName(operands, 'fail');
  const change = { clear: opts.clear === true, init: (opts.init as string[]).map(parseFailInit), alloc: opts.alloc as string[] };
  (await ctx.kernel()).changeFaults(name, change);
  return 0;
}

function faults(ops: PernetOps): string {
  const init = ops.fail_init.map((f) => `init@${f.net}=-${errnoName(f.errno)}`);
  const alloc = ops.fail_alloc.map((net) => `alloc@${net}`);
  return [...init, ...alloc].join(' ');
}

async function list(ctx: Ctx, args: string[]): Promise<number> {
  await parseOptions(ctx, 'pernet list', args);
  const kernel = await ctx.kernel();
  const { pernet_list, first_device } = kernel.state;
  if (ctx.opts.json) {
    printJson(
      ctx,
      pernet_list.map((ops) => ({
        name: ops.name,
        kind: ops.kind,
        id: ops.id,
        size: ops.size,
        init: ops.init,
        exit: ops.exit,
        exit_batch: ops.exit_batch,
        first_device: ops.name === first_device,
      })),
    );
    return 0;
  }
  const { renderTable } = await import('../ui/table.js');
  const rows = pernet_list.map((ops, i) => [
    String(i + 1),
    ops.name,
    ops.kind,
    ops.id === null ? '-' : String(ops.id),
    String(ops.size),
    ops.init ?? '-',
    ops.exit ?? '-',
    ops.exit_batch ?? '-',
    faults(ops) || '-',
  ]);
  ctx.out.out(await renderTable(ctx.out, ['#', 'ops', 'kind', 'id', 'size', 'init', 'exit', 'exit_batch', 'faults'], rows));
  ctx.out.out(`first_device: ${first_device ?? '&pernet_list (no device registered)'}\n`);
  return 0;
}

const pernet: ObjectModule = {
  writes(args: readonly string[]): boolean {
    const s = args.length === 0 ? undefined : sub(args[0]!);
    return s !== undefined && s !== 'list' && s !== 'help' && !asksHelp(args);
  },

  async run(ctx: Ctx, args: string[]): Promise<number> {
    const word = args[0];
    const rest = args.slice(1);
    if (word === '--help') {
      ctx.out.out(objectHelp('pernet'));
      throw new HelpShown();
    }
    const s = word === undefined ? 'list' : sub(word);
    switch (s) {
      case 'register-subsys':
      case 'register-device':
        return register(ctx, s, rest);
      case 'unregister-subsys':
      case 'unregister-device':
        return unregister(ctx, s, rest);
      case 'fail':
        return fail(ctx, rest);
      case 'list':
        return list(ctx, rest);
      case 'help':
        ctx.out.err(PERNET_USAGE);
        throw new Fatal();
      case undefined:
        return unknownCommand(ctx, 'pernet', word!, SUBS);
    }
  },
};

export default pernet;
