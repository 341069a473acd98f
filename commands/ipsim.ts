// The ipsim command. Only the option parser and the output policy load here; everything a
// command needs is imported when that command runs, so --version and --help stay cheap.
// bin/ipsim runs this file's bundle, dist/ipsim.cjs (build.mjs; README "Speed").
import { join } from 'node:path';
import { BrokenPipe, colorEnabled, createOutput, fdSink, interactivity, isTerminal } from '../ui/output.js';
import { parseGlobalOptions } from './ip_options.js';
import { USAGE, VERSION } from './usage.js';

/** The built-in profiles, beside the package: this file is dist/ipsim.cjs or commands/ipsim.ts. */
const PROFILES_DIR = join(import.meta.dirname, '..', 'fixtures', 'profiles');

/** Runs main() as the process: its exit code, or one line and 70 for an internal error. */
export async function cli(): Promise<void> {
  // The completion scripts' call-back, on every Tab: candidates only, one a line, always exit 0.
  if (process.argv[2] === '__complete') {
    const { completeCommand } = await import('./complete.js');
    completeCommand(process.argv.slice(3), process.env, fdSink(1));
    process.exit(0);
  }
  const term = { stdoutIsTTY: isTerminal(1), env: process.env };
  const parsed = parseGlobalOptions(process.argv.slice(2));
  // process.stdout is a stream whose creation loads tty and net: asked for only on a terminal. So
  // are stdin and stderr, which matter only with stdout a terminal (prompts, spinners), and whose
  // isatty() loads node:tty when they are character devices, as /dev/null is for many scripts.
  const attached = {
    stdinIsTTY: term.stdoutIsTTY && isTerminal(0),
    stdoutIsTTY: term.stdoutIsTTY,
    stderrIsTTY: term.stdoutIsTTY && isTerminal(2),
    columns: term.stdoutIsTTY ? process.stdout.columns : undefined,
  };
  const out = createOutput(fdSink(1), fdSink(2), {
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
      status = await main(process.argv.slice(2), process.env, out, PROFILES_DIR);
    }
  } catch (err) {
    if (err instanceof BrokenPipe) process.exit(141); // as main() does: the reader went away.
    try {
      out.err(`ipsim: internal error: ${(err as Error).message}\n`);
    } catch {
      // stderr is gone too; the exit status still says what happened.
    }
    status = 70;
  }
  process.exit(status);
}
