// The ipsim command. Only the option parser and the output policy load here; everything a
// command needs is imported when that command runs, so --version and --help stay cheap.
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { colorEnabled, createOutput, fdSink, interactivity } from '../ui/output.js';
import { parseGlobalOptions } from './ip_options.js';
import { USAGE, VERSION } from './usage.js';

/** The built-in profiles, beside the package: this file is dist/ipsim.js or commands/ipsim.ts. */
const PROFILES_DIR = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url));

/** Runs main() as the process: its exit code, or one line and 70 for an internal error. */
export async function cli(): Promise<void> {
  const term = { stdoutIsTTY: isatty(1), env: process.env };
  const parsed = parseGlobalOptions(process.argv.slice(2));
  const attached = { stdinIsTTY: isatty(0), stdoutIsTTY: term.stdoutIsTTY, stderrIsTTY: isatty(2), columns: process.stdout.columns };
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
    try {
      out.err(`ipsim: internal error: ${(err as Error).message}\n`);
    } catch {
      // stderr is gone too; the exit status still says what happened.
    }
    status = 70;
  }
  process.exit(status);
}
