// The ipsim command. Only the option parser and the output policy load here; everything a
// command needs is imported when that command runs, so --version and --help stay cheap.
// bin/ipsim runs this file's bundle, dist/ipsim.cjs (build.mjs; README "Speed").
import { join } from 'node:path';
import { BrokenPipe, colorEnabled, createOutput, fdSink, interactivity, isTerminal, type Sink } from '../ui/output.js';
import { handsOver } from './hand_over.js';
import { matchObject, parseGlobalOptions, type ParseResult } from './ip_options.js';
import { USAGE, VERSION } from './usage.js';

declare global {
  interface ImportMeta {
    /**
     * Set by build.mjs in a bundle it makes for some commands only, which leaves out the modules of
     * the others: the object whose commands it runs (dist/ipsim.netns.cjs…), or "usage" for the one
     * that runs --help and --version alone (dist/ipsim.usage.cjs).
     */
    readonly ipsimObject?: string;
  }
}

/** The built-in profiles, beside the package: this file is dist/ipsim.cjs or commands/ipsim.ts. */
const PROFILES_DIR = join(import.meta.dirname, '..', 'fixtures', 'profiles');

/**
 * Whether a bundle made for `object`'s commands can run this command line: one command of that
 * object; for "usage", --help or --version, which print and end before any command runs.
 */
function madeFor(object: string, parsed: ParseResult | undefined): boolean {
  if (!parsed?.ok) return false;
  const usage = parsed.options.version || parsed.options.help;
  if (object === 'usage') return usage;
  if (usage || parsed.options.batch !== undefined) return false;
  return parsed.rest.length > 0 && matchObject(parsed.rest[0]!) === object;
}

/**
 * Runs main() as the process: its exit code, or one line and 70 for an internal error. `whole`:
 * in a bundle made for one object's commands, how bin/ipsim runs the whole CLI instead.
 */
export async function cli(whole?: () => void): Promise<void> {
  const argv = process.argv.slice(2);
  const parsed = argv[0] === '__complete' ? undefined : parseGlobalOptions(argv);
  // bin/ipsim picks a bundle made for some commands from the words alone; any other command line,
  // before anything is done, runs in the whole CLI.
  const object = import.meta.ipsimObject;
  if (object !== undefined && !madeFor(object, parsed)) {
    if (whole === undefined) throw new Error(`the ${object} bundle was run without the whole CLI to hand other commands to`);
    return whole();
  }
  // The completion scripts' call-back, on every Tab: candidates only, one a line, always exit 0.
  if (parsed === undefined) {
    const { completeCommand } = await import('./complete.js');
    completeCommand(argv.slice(1), process.env, fdSink(1));
    process.exit(0);
  }
  const term = { stdoutIsTTY: isTerminal(1), env: process.env };
  // process.stdout is a stream whose creation loads tty and net: asked for only on a terminal. So
  // are stdin and stderr, which matter only with stdout a terminal (prompts, spinners), and whose
  // isatty() loads node:tty when they are character devices, as /dev/null is for many scripts.
  const attached = {
    stdinIsTTY: term.stdoutIsTTY && isTerminal(0),
    stdoutIsTTY: term.stdoutIsTTY,
    stderrIsTTY: term.stdoutIsTTY && isTerminal(2),
    columns: term.stdoutIsTTY ? process.stdout.columns : undefined,
  };
  // Whether anything was printed: a command this bundle hands to the whole CLI must have printed
  // nothing. Only a bundle that can hand over (whole given) looks.
  let printed = false;
  const sink = (fd: number): Sink => {
    const to = fdSink(fd);
    if (whole === undefined) return to;
    return {
      write(text: string): void {
        printed = true;
        to.write(text);
      },
    };
  };
  const out = createOutput(sink(1), sink(2), {
    color: colorEnabled(parsed.options.color, term),
    terminal: term.stdoutIsTTY,
    ...interactivity(attached),
  });
  let status: number;
  try {
    if (parsed.ok && parsed.options.version) {
      out.out(`ipsim ${VERSION}\n`);
      status = 0;
    } else if (parsed.ok && parsed.options.help) {
      out.out(USAGE);
      status = 0;
    } else {
      const { main } = await import('./main.js');
      status = await main(argv, process.env, out, PROFILES_DIR);
    }
  } catch (err) {
    if (err instanceof BrokenPipe) process.exit(141); // as main() does: the reader went away.
    // The command needs a module this bundle leaves out (commands/hand_over.ts): the whole CLI runs it.
    if (whole !== undefined && handsOver(err) && !printed) return whole();
    try {
      out.err(`ipsim: internal error: ${(err as Error).message}\n`);
    } catch {
      // stderr is gone too; the exit status still says what happened.
    }
    status = 70;
  }
  process.exit(status);
}
