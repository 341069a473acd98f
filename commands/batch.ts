/**
 * `ip -batch FILE`: how iproute2 6.1 cuts a batch file into commands. A port of lib/utils.c
 * getcmdline() (comments, continuation lines, line counting), makeargs() (word splitting and
 * quotes) and the read loop of do_batch(). Running the commands, "Command failed FILE:N" and
 * -force belong to the caller.
 */

export type BatchItem =
  | { readonly kind: 'command'; readonly argv: string[]; readonly lineno: number }
  | { readonly kind: 'error'; readonly message: string; readonly lineno: number; readonly exit: number };

/** include/utils.h MAX_ARGS (512 since 2021; it was 100 before). makeargs() keeps one slot for the NULL. */
const MAX_ARGS = 512;

/** makeargs()'s `ws` (" \t\r\n"): the only word separators. By code, as a batch splits every character. */
function isWs(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

/** getline() found no complete line yet: the input has not ended, more of it is to come. */
const MORE = Symbol('more');

/**
 * Physical-line reader, like glibc getline(): each line keeps its '\n'. Lines arrive over time
 * (a pipe, a terminal), so a line may not be there yet (MORE) although the input has not ended.
 */
class LineReader {
  private readonly lines: string[] = [];
  private ended = false;
  pos = 0;

  /** `moved` counts the lines that forgetting the read ones moves up (the reader's work). */
  constructor(private readonly work: { moved: number }) {}

  push(line: string): void {
    this.lines.push(line);
  }

  end(): void {
    this.ended = true;
  }

  /** getline(): the next line including its '\n', null at end of input, MORE when not read yet. */
  getline(): string | null | typeof MORE {
    if (this.pos < this.lines.length) return this.lines[this.pos++]!;
    return this.ended ? null : MORE;
  }

  /**
   * Forgets the lines before pos, once they are most of what it holds: so a file read whole is not
   * moved up by one line for each line read (quadratic), and a stream's lines read do not pile up.
   */
  compact(): void {
    if (this.pos < 1024 || this.pos * 2 < this.lines.length) return;
    this.work.moved += this.lines.length - this.pos;
    this.lines.splice(0, this.pos);
    this.pos = 0;
  }
}

/** Everything from the first occurrence of ch on is dropped (C: `*strchr(s, ch) = '\0'`). */
function cutAt(s: string, ch: string): string {
  const i = s.indexOf(ch);
  return i < 0 ? s : s.slice(0, i);
}

/**
 * What the C string functions see of a line getline() returned: it ends at the first NUL,
 * and from the first '#' on it is a comment.
 */
function visible(line: string): string {
  return cutAt(cutAt(line, '\0'), '#');
}

type Logical = { readonly line: string } | { readonly missingContinuation: true } | typeof MORE;

/**
 * getcmdline(): one logical line. The '#' cut happens before continuation is looked at, so a
 * backslash inside a comment does not continue the line, and a comment can hide the backslash.
 * A "\\\n" (backslash then newline) joins the next physical line, whose own '#' part is cut too;
 * the joined text is searched again, so the next line may continue in turn.
 */
function getcmdline(reader: LineReader, counter: { lineno: number }): Logical | null {
  const first = reader.getline();
  if (first === null) return null; // end of file
  if (first === MORE) return MORE;
  ++counter.lineno;
  let line = visible(first);
  for (let cp = line.indexOf('\\\n'); cp >= 0; cp = line.indexOf('\\\n')) {
    const next = reader.getline();
    // getcmdline() prints "Missing continuation line" and returns -1, which do_batch()
    // treats like end of file: the pending command is dropped and the loop ends.
    if (next === null) return { missingContinuation: true };
    if (next === MORE) return MORE;
    ++counter.lineno;
    line = line.slice(0, cp) + visible(next);
  }
  return { line };
}

type Split = { readonly argv: string[] } | { readonly error: string };

/**
 * makeargs(): split on space, TAB, CR and LF. A word that starts with ' or " runs to the next
 * identical quote with no escapes; that closing quote is overwritten by the terminating NUL,
 * so whatever follows it starts a new word ("ab"cd gives ab and cd). A quote anywhere else is
 * an ordinary character. An unquoted word's single terminating separator is consumed the same way.
 */
function makeargs(line: string): Split {
  const argv: string[] = [];
  let cp = 0;
  while (cp < line.length) {
    while (cp < line.length && isWs(line.charCodeAt(cp))) cp++; // strspn(cp, ws)
    if (cp >= line.length) break;

    // Checked before each new word, so the 512th word is the one rejected.
    if (argv.length >= MAX_ARGS - 1) return { error: 'Too many arguments to command' };

    const c = line.charAt(cp);
    if (c === "'" || c === '"') {
      const start = cp + 1;
      const close = line.indexOf(c, start); // strchr(cp, quote)
      if (close < 0) return { error: 'Unterminated quoted string' };
      argv.push(line.slice(start, close));
      cp = close + 1; // *cp++ = 0 on the closing quote
    } else {
      let end = cp;
      while (end < line.length && !isWs(line.charCodeAt(end))) end++; // strcspn(cp, ws)
      argv.push(line.slice(cp, end));
      if (end >= line.length) break;
      cp = end + 1; // *cp++ = 0 on the separator
    }
  }
  return { argv };
}

/**
 * Walks a batch file line by line the way ip does, as its lines arrive: each non-blank command,
 * then an 'error' item (and nothing more) on "Missing continuation line" (exit 0 semantics:
 * reading stops, status unchanged — exit: 0), "Unterminated quoted string" (exit 1) or
 * "Too many arguments to command" (exit 1).
 *
 * lineno is do_batch()'s cmdlineno: the 1-based number of the last physical line read, i.e.
 * the last line of a continued command. message is the diagnostic without its trailing '\n'.
 * The two exit-1 errors are exit(1) calls inside makeargs(): the process ends at once, even
 * under -force, with no "Command failed" line.
 */
export class BatchParser {
  /** Lines moved within the parser's queue of lines read: linear in the lines read (test/batch.test.ts). */
  readonly work = { moved: 0 };
  private readonly reader = new LineReader(this.work);
  private readonly counter = { lineno: 0 };
  /** Items parsed ahead by peek(); those from `taken` on are not yet taken by next(). */
  private ready: BatchItem[] = [];
  private taken = 0;
  private finished = false;

  /** A physical line, with its '\n' (the last line of the input may lack it). */
  push(line: string): void {
    this.reader.push(line);
  }

  /** Pushes text, cut into physical lines; a piece after the last '\n' must be the input's end. */
  pushText(text: string): void {
    for (let start = 0; start < text.length; ) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl + 1;
      this.push(text.slice(start, end));
      start = end;
    }
  }

  /** The input has ended. */
  end(): void {
    this.reader.end();
  }

  /**
   * The next item; MORE when the lines read so far do not complete one (a continuation line or
   * the next line is still to come); null when the batch is over. Produced lazily, so a later
   * error cannot pre-empt a command.
   */
  next(): BatchItem | null | typeof MORE {
    // An index, not shift(): items parsed ahead may be many, and shifting each would be quadratic.
    if (this.taken < this.ready.length) return this.ready[this.taken++]!;
    if (this.taken > 0) {
      this.ready = [];
      this.taken = 0;
    }
    return this.parse();
  }

  /**
   * The item `i` places after the one next() returns next, parsed ahead if need be, not taken;
   * undefined when the lines read so far do not complete it. A caller looking ahead stops where it
   * has its answer, so a file's items are not all parsed, and held, at once.
   */
  peek(i: number): BatchItem | undefined {
    while (this.taken + i >= this.ready.length) {
      const item = this.parse();
      if (item === null || item === MORE) return undefined;
      this.ready.push(item);
    }
    return this.ready[this.taken + i];
  }


  private parse(): BatchItem | null | typeof MORE {
    for (;;) {
      if (this.finished) return null;
      const { pos } = this.reader;
      const { lineno } = this.counter;
      const logical = getcmdline(this.reader, this.counter);
      if (logical === MORE) {
        // Read again from the start of this command once its lines have arrived.
        this.reader.pos = pos;
        this.counter.lineno = lineno;
        return MORE;
      }
      this.reader.compact();
      if (logical === null) {
        this.finished = true;
        return null;
      }
      if ('missingContinuation' in logical) {
        this.finished = true;
        return { kind: 'error', message: 'Missing continuation line', lineno: this.counter.lineno, exit: 0 };
      }
      const split = makeargs(logical.line);
      if ('error' in split) {
        this.finished = true;
        return { kind: 'error', message: split.error, lineno: this.counter.lineno, exit: 1 };
      }
      if (split.argv.length === 0) continue; // blank line (still counted)
      return { kind: 'command', argv: split.argv, lineno: this.counter.lineno };
    }
  }
}

export { MORE };

/** A whole batch file's items, produced lazily (the caller runs each before the next is parsed). */
export function* batchItems(text: string): Generator<BatchItem> {
  const parser = new BatchParser();
  parser.pushText(text);
  parser.end();
  for (let item = parser.next(); item !== null && item !== MORE; item = parser.next()) yield item;
}
