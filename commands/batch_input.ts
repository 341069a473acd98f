// Where a -batch file's lines come from (README, "Global options"). A regular file is read whole: its lines
// are one command, one load and one write. Anything else (stdin on a pipe or a terminal, a FIFO, a
// character device) is read as it arrives, and ip runs each line as soon as it has it; the caller
// settles the state before each wait for input.
import { accessSync, constants, createReadStream, fstatSync, readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { BatchParser } from './batch.js';

export type BatchInput =
  | { readonly kind: 'error'; readonly code: string }
  | { readonly kind: 'file'; readonly parser: BatchParser }
  | { readonly kind: 'stream'; readonly parser: BatchParser; readonly source: LineStream };

/** Where a LineStream delivers physical lines (each with its '\n', the last one maybe without). */
export interface LineSink {
  push(line: string): void;
  end(): void;
}

/** Splits bytes into physical lines as they arrive; each line is decoded whole, so UTF-8 never breaks. */
export class LineStream {
  private tail: Buffer = Buffer.alloc(0);
  private ended = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly stream: Readable,
    private readonly parser: LineSink,
  ) {
    stream.on('data', (chunk: Buffer) => this.take(chunk));
    // ip's getline() takes a read error for the end of the file.
    stream.on('end', () => this.finish());
    stream.on('error', () => this.finish());
  }

  private take(chunk: Buffer): void {
    let data = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a)) {
      this.parser.push(data.subarray(0, nl + 1).toString('utf8'));
      data = data.subarray(nl + 1);
    }
    this.tail = Buffer.from(data);
    this.wake();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.tail.length > 0) this.parser.push(this.tail.toString('utf8'));
    this.tail = Buffer.alloc(0);
    this.parser.end();
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Resolves when more input (or its end) has arrived. */
  more(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Stops reading: nothing more is wanted. */
  close(): void {
    this.stream.pause();
    this.stream.removeAllListeners('data');
    if (this.stream !== process.stdin) this.stream.destroy();
  }
}

/** do_batch()'s fopen(): NAME, or stdin for "-"; a directory reads as empty, as getline() fails on it. */
export function openBatchInput(name: string): BatchInput {
  let kind: 'file' | 'dir' | 'other';
  try {
    const stat = name === '-' ? fstatSync(0) : statSync(name);
    kind = stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : 'other';
    // A FIFO is opened by the stream, later: its permission is checked now, so that it is reported.
    if (kind === 'other' && name !== '-') accessSync(name, constants.R_OK);
  } catch (err) {
    return { kind: 'error', code: (err as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  const parser = new BatchParser();
  if (kind === 'other') {
    const stream = name === '-' ? process.stdin : createReadStream(name);
    return { kind: 'stream', parser, source: new LineStream(stream, parser) };
  }
  if (kind === 'file') {
    try {
      parser.pushText(readFileSync(name === '-' ? 0 : name, 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (code !== 'EISDIR') return { kind: 'error', code };
    }
  }
  parser.end();
  return { kind: 'file', parser };
}
