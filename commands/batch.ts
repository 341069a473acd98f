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

/** makeargs()'s `ws`: the only word separators. */
const WS = ' \t\r\n';

/** Physical-line reader over the file text, like glibc getline(): each line keeps its '\n'. */
class LineReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  /** getline(): the next line including its '\n', or null at end of file. */
  getline(): string | null {
    if (this.pos >= this.text.length) return null;
    const nl = this.text.indexOf('\n', this.pos);
    const end = nl < 0 ? this.text.length : nl + 1;
    const line = this.text.slice(this.pos, end);
    this.pos = end;
    return line;
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

type Logical = { readonly line: string } | { readonly missingContinuation: true };

/**
 * getcmdline(): one logical line. The '#' cut happens before continuation is looked at, so a
 * backslash inside a comment does not continue the line, and a comment can hide the backslash.
 * A "\\\n" (backslash then newline) joins the next physical line, whose own '#' part is cut too;
 * the joined text is searched again, so the next line may continue in turn.
 */
function getcmdline(reader: LineReader, counter: { lineno: number }): Logical | null {
  const first = reader.getline();
  if (first === null) return null; // end of file
  ++counter.lineno;
  let line = visible(first);
  for (let cp = line.indexOf('\\\n'); cp >= 0; cp = line.indexOf('\\\n')) {
    const next = reader.getline();
    // getcmdline() prints "Missing continuation line" and returns -1, which do_batch()
    // treats like end of file: the pending command is dropped and the loop ends.
    if (next === null) return { missingContinuation: true };
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
    while (cp < line.length && WS.includes(line.charAt(cp))) cp++; // strspn(cp, ws)
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
      while (end < line.length && !WS.includes(line.charAt(end))) end++; // strcspn(cp, ws)
      argv.push(line.slice(cp, end));
      if (end >= line.length) break;
      cp = end + 1; // *cp++ = 0 on the separator
    }
  }
  return { argv };
}

/**
 * Walks a batch file's text line by line the way ip does; yields each non-blank command, and
 * ends with an 'error' item (then stops) on "Missing continuation line" (exit 0 semantics:
 * reading stops, status unchanged — exit: 0), "Unterminated quoted string" (exit 1) or
 * "Too many arguments to command" (exit 1). Items are produced lazily so the caller runs each
 * command before the next line is parsed.
 *
 * lineno is do_batch()'s cmdlineno: the 1-based number of the last physical line read, i.e.
 * the last line of a continued command. message is the diagnostic without its trailing '\n'.
 * The two exit-1 errors are exit(1) calls inside makeargs(): the process ends at once, even
 * under -force, with no "Command failed" line.
 */
export function* batchItems(text: string): Generator<BatchItem> {
  const reader = new LineReader(text);
  const counter = { lineno: 0 };
  for (;;) {
    const logical = getcmdline(reader, counter);
    if (logical === null) return;
    if ('missingContinuation' in logical) {
      yield { kind: 'error', message: 'Missing continuation line', lineno: counter.lineno, exit: 0 };
      return;
    }
    const split = makeargs(logical.line);
    if ('error' in split) {
      yield { kind: 'error', message: split.error, lineno: counter.lineno, exit: 1 };
      return;
    }
    if (split.argv.length === 0) continue; // blank line (still counted)
    yield { kind: 'command', argv: split.argv, lineno: counter.lineno };
  }
}
