// The one place that decides colour and interactivity for all output, and the writers every
// command prints through. Writes are synchronous and unbuffered, in program order, so stdout and
// stderr interleave as they would from a C program and nothing is lost when the process exits.
import { fstatSync, statSync, writeSync } from 'node:fs';

export type ColorWhen = 'auto' | 'always' | 'never';

export interface Terminal {
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** What the process is attached to, read once at start (ipsim.ts) and passed to createOutput. */
export interface Attached {
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** process.stdout.columns: set only when stdout is a terminal. */
  columns: number | undefined;
}

/**
 * Prompts need a person at both ends: stdin and stdout terminals (README, "At a terminal"). Spinners also
 * need stderr, where they draw. Figures and tables fit the terminal's width only on a terminal: in
 * a pipe they keep the fixed layout the golden files have.
 */
export function interactivity(a: Attached): { interactive: boolean; spinners: boolean; columns: number | undefined } {
  const interactive = a.stdinIsTTY && a.stdoutIsTTY;
  return {
    interactive,
    spinners: interactive && a.stderrIsTTY,
    columns: a.stdoutIsTTY && a.columns !== undefined && a.columns > 0 ? a.columns : undefined,
  };
}

/**
 * --color=always colours even a pipe, never never; auto (the default) only a terminal with NO_COLOR
 * unset and TERM not dumb (README, "Global options"). Library auto-detection is never consulted: cli-table3
 * and ora would print escape codes into pipes.
 */
export function colorEnabled(when: ColorWhen | undefined, term: Terminal): boolean {
  if (when === 'always') return true;
  if (when === 'never') return false;
  return term.stdoutIsTTY && !term.env.NO_COLOR && term.env.TERM !== 'dumb';
}

/**
 * isatty(fd). node:tty drags in net and the streams (more than a read command's own work), so it
 * is loaded only when fstat says fd is a character device other than /dev/null: a pipe or a file
 * is never a terminal, and `>/dev/null`, a script's usual redirection, is the one device it meets.
 */
export function isTerminal(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    if (!stat.isCharacterDevice() || stat.rdev === statSync('/dev/null', { throwIfNoEntry: false })?.rdev) return false;
  } catch {
    return false;
  }
  return process.getBuiltinModule('node:tty').isatty(fd);
}

/** Raised when a reader went away (EPIPE): the caller stops quietly with 141, like SIGPIPE would. */
export class BrokenPipe extends Error {
  constructor() {
    super('broken pipe');
    this.name = 'BrokenPipe';
  }
}

export interface Sink {
  write(text: string): void;
}

/** A sink on a file descriptor; EAGAIN (a non-blocking pipe that is full) is retried. */
export function fdSink(fd: number): Sink {
  return {
    write(text: string): void {
      let buf = Buffer.from(text, 'utf8');
      while (buf.length > 0) {
        try {
          const n = writeSync(fd, buf);
          buf = buf.subarray(n);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') continue;
          if (code === 'EPIPE') throw new BrokenPipe();
          throw err;
        }
      }
    },
  };
}

export interface Output {
  readonly color: boolean;
  /** stdout is a terminal: boxes and figures for people rather than columns for scripts. */
  readonly terminal: boolean;
  /** stdin and stdout are terminals: guided prompts may ask. */
  readonly interactive?: boolean;
  /** stdin, stdout and stderr are terminals: a spinner may draw on stderr. */
  readonly spinners?: boolean;
  /** The terminal's width, when stdout is one; undefined in a pipe (fixed layouts). */
  readonly columns?: number;
  out(text: string): void;
  err(text: string): void;
  /** Called around every write while a spinner draws, so output never lands inside its frame. */
  overlay?: { clear(): void; render(): void };
}

export interface OutputPolicy {
  color: boolean;
  terminal: boolean;
  interactive?: boolean;
  spinners?: boolean;
  columns?: number;
}

export function createOutput(stdout: Sink, stderr: Sink, term: OutputPolicy): Output {
  const out: Output = {
    ...term,
    out: (text) => write(stdout, text),
    err: (text) => write(stderr, text),
  };
  const write = (sink: Sink, text: string): void => {
    const overlay = out.overlay;
    if (!overlay) return sink.write(text);
    overlay.clear();
    sink.write(text);
    overlay.render();
  };
  return out;
}
