// The one place that decides colour and interactivity for all output, and the writers every
// command prints through. Writes are synchronous and unbuffered, in program order, so stdout and
// stderr interleave as they would from a C program and nothing is lost when the process exits.
import { fstatSync, writeSync } from 'node:fs';

export type ColorWhen = 'auto' | 'always' | 'never';

export interface Terminal {
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/**
 * --color=always colours even a pipe, never never; auto (the default) only a terminal with NO_COLOR
 * unset and TERM not dumb (contract §9.10). Library auto-detection is never consulted: cli-table3
 * and ora would print escape codes into pipes.
 */
export function colorEnabled(when: ColorWhen | undefined, term: Terminal): boolean {
  if (when === 'always') return true;
  if (when === 'never') return false;
  return term.stdoutIsTTY && !term.env.NO_COLOR && term.env.TERM !== 'dumb';
}

/**
 * isatty(fd). node:tty drags in net and the streams (more than a read command's own work), so it
 * is loaded only when fstat says fd is a character device: a pipe or a file is never a terminal.
 */
export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
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
  out(text: string): void;
  err(text: string): void;
}

export function createOutput(stdout: Sink, stderr: Sink, term: { color: boolean; terminal: boolean }): Output {
  return {
    ...term,
    out: (text) => stdout.write(text),
    err: (text) => stderr.write(text),
  };
}
