// `ip netns monitor` (ip/ipnetns.c, netns_monitor()). iproute2 watches /run/netns with inotify; ipsim has no such
// directory, so it follows the journal of name events that every writer appends beside the state
// file. It only reads: no lock, no load, no boot, no reaping, so it never slows down or changes
// what it reports on.
import { closeSync, fstatSync, readSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { journalPath, openRegular } from '../store/paths.js';
import type { Ctx } from './context.js';

/** Polled every 100 ms as well (README, "State file": Journal): watching alone misses events (and a missing directory). */
const POLL_MS = 100;

const NEWLINE = 0x0a;

interface JournalEvent {
  seq: number;
  ev: 'add' | 'delete';
  name: string;
}

/** One journal line, `{"seq":N,"ev":"add"|"delete","name":"…"}`; anything else is not an event. */
function parseEvent(line: Buffer): JournalEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { seq, ev, name } = value as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) return undefined;
  if ((ev !== 'add' && ev !== 'delete') || typeof name !== 'string') return undefined;
  return { seq, ev, name };
}

/** Bytes [start, end) of an open file. */
function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, end - start));
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, start + done);
    if (n === 0) break; // shrank since fstat: the next poll sees the new size
    done += n;
  }
  return buf.subarray(0, done);
}

/** The journal opened for one poll, or undefined when it does not exist; a FIFO, a directory or an unreadable journal is a StateFileError. */
function openJournal(path: string): number | undefined {
  return openRegular(path, 'use journal')?.fd;
}

/**
 * Follows one journal file across appends, its bounded rewrite and `ipsim reset`, printing each
 * event once. poll() does one step and is all the tests drive; start() adds the watch and the timer.
 */
export class JournalFollower {
  /** Inode of the journal being read; undefined while there is none. */
  private ino: number | undefined;
  /** Byte offset just past the last complete line read: a partial last line is read again later. */
  private offset = 0;
  /**
   * The last complete line read (ending at offset). Checked again on each poll, because a journal
   * removed and re-created between two polls often gets the same inode number back.
   */
  private lastLine: Buffer = Buffer.alloc(0);
  /** The highest seq printed (or already there at start): nothing at or below it is printed. */
  private lastSeq = 0;
  /** The journal was missing since it was last read: the next one is a new journal (reset). */
  private vanished = false;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private onError: ((err: unknown) => void) | undefined;

  /** Positions at the journal's current end: events already there are not printed. */
  constructor(
    private readonly path: string,
    private readonly print: (line: string) => void,
  ) {
    const fd = openJournal(path);
    if (fd === undefined) {
      // Everything in a journal that appears later happened after we started.
      this.vanished = true;
      return;
    }
    try {
      const { ino, size } = fstatSync(fd);
      const data = readRange(fd, 0, size);
      const end = data.lastIndexOf(NEWLINE) + 1;
      this.ino = ino;
      this.adoptLines(data.subarray(0, end), false);
    } finally {
      closeSync(fd);
    }
  }

  /** Reads what was appended since the last poll and prints the new events. */
  poll(): void {
    const fd = openJournal(this.path);
    if (fd === undefined) {
      this.vanished = true;
      this.ino = undefined;
      return;
    }
    try {
      const { ino, size } = fstatSync(fd);
      let data: Buffer;
      // The same journal grown, whether appended to or replaced by the writer with its old bytes
      // and the new lines (store/write.ts): judged by content, since each write is a new inode.
      if (this.ino !== undefined && this.continues(fd, size)) {
        data = readRange(fd, this.offset, size);
      } else {
        // Another file: a new journal after reset, or the writer's rewrite keeping the newer half
        // (whose seqs go on, so those already printed are skipped).
        data = readRange(fd, 0, size);
        const nl = data.indexOf(NEWLINE);
        if (nl < 0) return; // its first line is still being written: decide once it is complete
        if (this.vanished || parseEvent(data.subarray(0, nl + 1))?.seq === 1) this.lastSeq = 0;
        this.ino = ino;
        this.offset = 0;
        this.lastLine = Buffer.alloc(0);
        this.vanished = false;
      }
      this.adoptLines(data.subarray(0, data.lastIndexOf(NEWLINE) + 1), true);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Polls on every change in the journal's directory and every POLL_MS. A throw from a poll (a
   * reader that went away, an unreadable journal) stops the follower and goes to onError.
   */
  start(onError?: (err: unknown) => void): void {
    this.onError = onError;
    this.timer ??= setInterval(() => this.tick(), POLL_MS);
    this.arm();
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private tick(): void {
    if (!this.timer) return; // a watch event queued before stop()
    try {
      this.arm();
      this.poll();
    } catch (err) {
      this.stop();
      if (this.onError) this.onError(err);
      else throw err;
    }
  }

  /** Watches the directory (the file itself is replaced and may not exist); retried until it exists. */
  private arm(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, () => this.tick());
    } catch {
      return; // no directory yet: polling alone until it appears
    }
    this.watcher.on('error', () => {
      this.watcher?.close();
      this.watcher = undefined;
    });
  }

  /** Whether the open file still holds the line last read, where it was read: the same journal. */
  private continues(fd: number, size: number): boolean {
    if (size < this.offset) return false;
    const start = this.offset - this.lastLine.length;
    return readRange(fd, start, this.offset).equals(this.lastLine);
  }

  /** Consumes complete lines (data ends with '\n' or is empty), printing new events if asked. */
  private adoptLines(data: Buffer, print: boolean): void {
    let start = 0;
    while (start < data.length) {
      const end = data.indexOf(NEWLINE, start) + 1;
      const event = parseEvent(data.subarray(start, end));
      if (event && event.seq > this.lastSeq) {
        this.lastSeq = event.seq;
        if (print) this.print(`${event.ev} ${event.name}\n`);
      }
      this.lastLine = Buffer.from(data.subarray(start, end));
      this.offset += end - start;
      start = end;
    }
  }
}

/** `ip netns monitor`: prints `add NAME` / `delete NAME` as other ipsim processes bind and unbind names, until a signal ends it. */
export async function netns_monitor(ctx: Ctx): Promise<number> {
  // Never resolves outside the shell: like ip, it ends only by a signal, and installs no handler so
  // that it dies by it. A failed write (EPIPE: the reader went away) rejects, for main's usual handling.
  // In the shell, Ctrl-C ends it and the prompt comes back (README, "The shell"), status 128+SIGINT.
  return new Promise<number>((resolve, reject) => {
    const follower = new JournalFollower(journalPath(ctx.session.path), (line) => ctx.out.out(line));
    follower.start(reject);
    ctx.interrupt?.addEventListener('abort', () => {
      follower.stop();
      resolve(130);
    });
  });
}
