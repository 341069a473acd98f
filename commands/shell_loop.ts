// `ipsim shell` (README, "The shell"): batch lines typed at a prompt, against the same state. Each
// line is a command of its own (lock, load, write, unlock), so other ipsim processes and `exec`
// children run while the shell waits. main() loads this only for `shell`: readline and the history
// file cost nothing to any other command.
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { isatty } from 'node:tty';
import { constants } from 'node:os';
import { errnoCode, fsFailure } from '../store/errors.js';
import { historyPath, makeDir, statePath } from '../store/paths.js';
import { StateFileError } from '../store/state_file.js';
import { replaceFile } from '../store/write.js';
import { BrokenPipe, type Output } from '../ui/output.js';
import { BatchParser, type BatchItem } from './batch.js';
import { LineStream, type LineSink } from './batch_input.js';
import { complete, readLiveNames } from './complete.js';
import { Fatal } from './context.js';
import { matchObject, parseGlobalOptions, type GlobalOptions } from './ip_options.js';
import { CommandRunner, type CtxBase } from './runner.js';
import type { Session } from './session.js';
import { dieBy, KilledBy } from './signals.js';
import { IP_USAGE } from './usage.js';

/** Lines of history kept between sessions (older ones are dropped when the shell starts). */
export const HISTORY_MAX = 1000;

const SHELL_HELP = `Type ipsim's commands without "ipsim", one a line, as in a batch file:
  netns ...     ip netns, byte for byte
  pernet ...    register, fail and list the kernel's pernet_operations
  show ...      the kernel's data structures: gen, net, lists, ids
  boot, reset   boot a profile, forget the emulated kernel
  help OBJECT   what OBJECT does (for netns, ip's own text)
  exit, quit    leave (Ctrl-D too)
A line may start with -j, -p, -a, -force or --trace. Tab completes commands,
options and the names of namespaces and ops; Up and Down walk the history;
Ctrl-C cancels the line being typed, or ends a running exec or monitor.
`;

/** Global options that belong to the shell, not to its lines. */
const SHELL_ONLY = 'Error: -n, -b, --state, --color, --help and --version go before "shell", not on a line\n';

/** Ctrl-C at a continuation prompt: the whole line is cancelled. */
const CANCELLED = Symbol('cancelled');

/** A source of physical lines: the next one (without its newline), or null at the end of input. */
interface LineSource {
  next(continuation: boolean): Promise<string | null | typeof CANCELLED>;
  close(): void;
}

/** stdin that is not a terminal, cut into lines the way a `-batch -` is. */
class PipeSource implements LineSource, LineSink {
  private readonly lines: string[] = [];
  private ended = false;
  private waiter: (() => void) | undefined;
  private readonly stream = new LineStream(process.stdin, this);

  push(line: string): void {
    this.lines.push(line.endsWith('\n') ? line.slice(0, -1) : line);
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  async next(): Promise<string | null> {
    while (this.lines.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.waiter = resolve));
    return this.lines.shift() ?? null;
  }

  close(): void {
    this.stream.close();
  }
}

/** The history file: newest entry first in memory, oldest first on disk, one line each, mode 0600. */
class History {
  entries: string[] = [];
  private broken = false;

  constructor(
    private readonly path: string,
    private readonly out: Output,
  ) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') this.fail(err, 'read history');
      return;
    }
    const lines = text.split('\n').filter((line) => line !== '');
    this.entries = lines.slice(-HISTORY_MAX).reverse();
    // Bounded: the file is cut back to what is kept, atomically, when it has grown past twice that.
    if (lines.length > 2 * HISTORY_MAX) this.write(this.entries.slice().reverse());
  }

  /** A line entered: it becomes the newest entry unless it repeats the newest. */
  add(line: string): void {
    if (line.trim() === '' || line === this.entries[0]) return;
    this.entries.unshift(line);
    this.entries.length = Math.min(this.entries.length, HISTORY_MAX);
    if (this.broken) return;
    try {
      makeDir(dirname(this.path));
      appendFileSync(this.path, `${line}\n`, { mode: 0o600 });
    } catch (err) {
      this.fail(err, 'write history');
    }
  }

  /** The file cut back to `lines`, as the state is written: all of it or, on failure, the old file and no temp. */
  private write(lines: string[]): void {
    try {
      replaceFile(this.path, Buffer.from(lines.map((line) => `${line}\n`).join('')), undefined, 'write history');
    } catch (err) {
      this.fail(err, 'write history');
    }
  }

  /** One line, once, in the store's words: the shell goes on without a history file. */
  private fail(err: unknown, action: string): void {
    if (!this.broken) this.out.err(`${fsFailure(err, this.path, action).message}; the shell goes on without a history\n`);
    this.broken = true;
  }
}

/**
 * The terminal: one readline interface per line read, closed before the line runs, so that every
 * command (an `exec`'d child, `monitor`) has the terminal in cooked mode and Ctrl-C is a signal.
 */
class TerminalSource implements LineSource {
  private rl: Interface | undefined;
  /** The shell is ending (a signal): nothing more is printed, the terminal may be gone. */
  private closing = false;

  constructor(
    private readonly prompt: string,
    private readonly history: History,
    private readonly completer: (line: string) => [string[], string],
    private readonly out: Output,
  ) {}

  next(continuation: boolean): Promise<string | null | typeof CANCELLED> {
    const rl = createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      prompt: continuation ? '> ' : this.prompt,
      history: [...this.history.entries],
      historySize: HISTORY_MAX,
      completer: continuation ? undefined : this.completer,
    });
    this.rl = rl;
    return new Promise((resolve) => {
      let line: string | null | typeof CANCELLED = null;
      rl.on('line', (text) => {
        line = text;
        rl.close();
      });
      // Ctrl-C cancels the line being typed, like a shell: ^C, a new prompt.
      rl.on('SIGINT', () => {
        this.out.out('^C\n');
        if (continuation) {
          line = CANCELLED;
          rl.close();
          return;
        }
        const state = rl as unknown as { line: string; cursor: number };
        state.line = '';
        state.cursor = 0;
        rl.prompt();
      });
      rl.on('close', () => {
        this.rl = undefined;
        // Ctrl-D on an empty line: the next prompt of the user's shell starts on a line of its own.
        if (line === null && !this.closing) this.out.out('\n');
        else if (typeof line === 'string') this.history.add(line);
        resolve(line);
      });
      rl.prompt();
    });
  }

  close(): void {
    this.closing = true;
    this.rl?.close();
  }
}

/** The tab completer: the words of the line up to the cursor, the last one being typed. */
function completer(base: CtxBase): (line: string) => [string[], string] {
  return (line) => {
    const words = line.trimStart().split(/[ \t]+/);
    const partial = words[words.length - 1]!;
    const candidates = complete(words, (state) => readLiveNames(statePath(state ?? base.opts.state, base.env)), true);
    // One candidate is taken whole, with the space that ends a word (a --color= value goes on).
    return [candidates.length === 1 && !candidates[0]!.endsWith('=') ? [`${candidates[0]} `] : candidates, partial];
  };
}

/**
 * The next logical line, as ip's getcmdline() joins it: 'blank' for a line with no words (or one
 * cancelled at its continuation prompt). A line that continues (a trailing backslash) asks for the
 * next one; the end of input there is ip's "Missing continuation line".
 */
async function readItem(source: LineSource, first: string): Promise<BatchItem | 'blank'> {
  const lines = [first];
  for (;;) {
    const parser = new BatchParser();
    for (const line of lines) parser.push(`${line}\n`);
    parser.end();
    const item = parser.next();
    if (item !== null && typeof item === 'object' && item.kind === 'error' && item.exit === 0) {
      const more = await source.next(true);
      if (more === CANCELLED) return 'blank';
      if (more !== null) {
        lines.push(more);
        continue;
      }
    }
    return item === null || typeof item !== 'object' ? 'blank' : item;
  }
}

/** Signals while the shell runs: Ctrl-C ends a running command on a terminal; the others end the shell. */
class ShellSignals {
  caught: NodeJS.Signals | undefined;
  controller = new AbortController();
  private wake: () => void = () => undefined;
  readonly arrived: Promise<null>;
  private readonly names: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

  constructor(private readonly interactive: boolean) {
    this.arrived = new Promise((resolve) => (this.wake = () => resolve(null)));
    for (const name of this.names) process.on(name, this.handler);
  }

  private readonly handler = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGINT' && this.interactive) {
      this.controller.abort();
      return;
    }
    // Like a batch: the running line completes and its state is written, then the process dies.
    this.caught ??= signal;
    this.wake();
  };

  /** A fresh Ctrl-C for the next line. */
  line(): AbortSignal {
    this.controller = new AbortController();
    return this.controller.signal;
  }

  stop(): void {
    for (const name of this.names) process.off(name, this.handler);
  }
}

/** The line's own global options on top of the shell's; shell lines are batch lines under -force. */
function lineOptions(shell: GlobalOptions, line: GlobalOptions): GlobalOptions {
  return {
    ...shell,
    json: shell.json + line.json,
    pretty: shell.pretty + line.pretty,
    all: shell.all || line.all,
    trace: shell.trace || line.trace,
    force: Math.max(1, shell.force + line.force),
    batch: '-',
  };
}

/** One line run as a command of its own: its status; errors print their message and the shell goes on. */
async function runCommand(session: Session, base: CtxBase, opts: GlobalOptions, argv: string[], interrupt: AbortSignal): Promise<number> {
  const runner = new CommandRunner(session, { ...base, opts, interrupt });
  const tracing = session.tracer.enabled;
  session.tracer.enabled = opts.trace;
  let status: number;
  try {
    status = await runner.run(argv, true);
  } catch (err) {
    if (err instanceof Fatal) status = err.status;
    else if (err instanceof KilledBy) status = 128 + (constants.signals[err.signal] ?? 0);
    else if (err instanceof StateFileError) {
      base.out.err(`${err.message}\n`);
      status = 1;
    } else {
      if (err instanceof BrokenPipe) await runner.settle();
      else runner.abandon();
      throw err;
    }
  } finally {
    session.tracer.enabled = tracing;
  }
  try {
    await runner.settle();
  } catch (err) {
    if (!(err instanceof StateFileError)) throw err;
    base.out.err(`${err.message}\n`);
    status = 1;
  }
  return status;
}

/** `help` and `help OBJECT`: the shell's own text, or the object's help through the dispatcher. */
async function help(session: Session, base: CtxBase, args: string[], interrupt: AbortSignal): Promise<number> {
  if (args.length === 0) {
    base.out.out(SHELL_HELP);
    return 0;
  }
  const object = matchObject(args[0]!);
  // netns is ip's: its help is ip's text; ipsim's own objects answer --help.
  const argv = object === 'netns' ? ['netns', 'help'] : [args[0]!, '--help', ...args.slice(1)];
  const status = await runCommand(session, base, lineOptions(base.opts, parseGlobalOptions([]).options), argv, interrupt);
  return object === undefined || object === 'help' ? status : 0;
}

/**
 * The shell: reads lines until exit, quit or the end of input; its status is the last line's
 * (0 or 1). `first` is the invocation's command, which resolved -n and published its reference.
 */
export async function runShell(first: CommandRunner, session: Session, base: CtxBase): Promise<number> {
  await first.settle();
  const { out } = base;
  const interactive = isatty(0) && isatty(1);
  const observer = base.opts.netns[base.opts.netns.length - 1];
  const source: LineSource = interactive
    ? new TerminalSource(observer === undefined ? 'ipsim> ' : `ipsim(${observer})> `, new History(historyPath(session.path), out), completer(base), out)
    : new PipeSource();
  const signals = new ShellSignals(interactive);
  let status = 0;
  try {
    for (;;) {
      const line = await Promise.race([source.next(false), signals.arrived]);
      if (line === null || signals.caught) break;
      if (line === CANCELLED) continue;
      const item = await readItem(source, line);
      if (item === 'blank') continue;
      if (item.kind === 'error') {
        out.err(`${item.message}\n`);
        if (item.exit !== 0) status = item.exit;
        continue;
      }
      const interrupt = signals.line();
      const [word, ...rest] = item.argv;
      if ((word === 'exit' || word === 'quit') && rest.length === 0) break;
      if (word === 'help') {
        status = await help(session, base, rest, interrupt);
      } else {
        const parsed = parseGlobalOptions(item.argv);
        const own = parsed.options;
        if (!parsed.ok) {
          out.err(parsed.usage ? IP_USAGE : `${parsed.message}\n`);
          status = parsed.exit;
        } else if (own.netns.length > 0 || own.batch !== undefined || own.state !== undefined || own.color !== undefined || own.help || own.version) {
          out.err(SHELL_ONLY);
          status = 255;
        } else if (parsed.rest.length === 0) {
          out.err(IP_USAGE);
          status = 255;
        } else {
          status = await runCommand(session, base, lineOptions(base.opts, own), parsed.rest, interrupt);
        }
      }
      if (signals.caught) break;
    }
  } finally {
    source.close();
    signals.stop();
  }
  await first.finish(false);
  if (signals.caught) dieBy(signals.caught);
  return status === 0 ? 0 : 1;
}
