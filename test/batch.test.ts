import { describe, expect, test } from '@jest/globals';
import { BatchParser, batchItems, MORE, type BatchItem } from '../commands/batch.js';

const items = (text: string): BatchItem[] => [...batchItems(text)];
const cmd = (lineno: number, ...argv: string[]): BatchItem => ({ kind: 'command', argv, lineno });
const err = (message: string, lineno: number, exit: number): BatchItem => ({ kind: 'error', message, lineno, exit });
const MISSING = 'Missing continuation line';
const UNTERMINATED = 'Unterminated quoted string';
const TOO_MANY = 'Too many arguments to command';

describe('lines and line numbers', () => {
  test('one command per line, numbered from 1', () => {
    expect(items('netns add probe_a\nnetns list\n')).toEqual([
      cmd(1, 'netns', 'add', 'probe_a'),
      cmd(2, 'netns', 'list'),
    ]);
  });

  test('empty input gives nothing', () => {
    expect(items('')).toEqual([]);
    expect(items('\n\n')).toEqual([]);
  });

  test('blank and whitespace-only lines are skipped but counted', () => {
    expect(items('\n  \t\r\n\nnetns list\n \n')).toEqual([cmd(4, 'netns', 'list')]);
  });

  test('a final line without a newline still runs', () => {
    expect(items('netns add a\nnetns list')).toEqual([cmd(1, 'netns', 'add', 'a'), cmd(2, 'netns', 'list')]);
  });

  test('words split on space, TAB, CR and LF (CRLF files work)', () => {
    expect(items('netns\tadd\r a  b\r\nnetns list\r\n')).toEqual([
      cmd(1, 'netns', 'add', 'a', 'b'),
      cmd(2, 'netns', 'list'),
    ]);
  });

  test('other whitespace (VT, FF, NBSP) is part of a word', () => {
    expect(items('a\vb\fc\u00a0d\n')).toEqual([cmd(1, 'a\vb\fc\u00a0d')]);
  });

  test('a C string ends at NUL: the rest of that physical line is invisible', () => {
    expect(items('netns add a\0b c\nnetns list\n')).toEqual([cmd(1, 'netns', 'add', 'a'), cmd(2, 'netns', 'list')]);
  });
});

describe('comments', () => {
  test('# cuts the rest of the line, even mid-word', () => {
    expect(items('netns add probe_a#tail\n')).toEqual([cmd(1, 'netns', 'add', 'probe_a')]);
    expect(items('netns list # trailing comment\n')).toEqual([cmd(1, 'netns', 'list')]);
  });

  test('a comment-only line is blank but counted', () => {
    expect(items('# header\n   # indented\nnetns list\n')).toEqual([cmd(3, 'netns', 'list')]);
  });

  test('# cuts even inside quotes, which can leave the quote unterminated', () => {
    expect(items('netns add "probe#x"\n')).toEqual([err(UNTERMINATED, 1, 1)]);
    expect(items("netns add 'a # b'\n")).toEqual([err(UNTERMINATED, 1, 1)]);
    // the closing quote survives if it comes before the #
    expect(items('netns add "a b"#"c"\n')).toEqual([cmd(1, 'netns', 'add', 'a b')]);
  });

  test('a backslash inside a comment does not continue the line', () => {
    expect(items('netns add a # see \\\nnetns list\n')).toEqual([
      cmd(1, 'netns', 'add', 'a'),
      cmd(2, 'netns', 'list'),
    ]);
  });

  test('a comment right after the backslash hides the continuation: the \\ is a word', () => {
    expect(items('netns add a \\# x\nb\n')).toEqual([cmd(1, 'netns', 'add', 'a', '\\'), cmd(2, 'b')]);
  });
});

describe('continuation lines', () => {
  test('backslash-newline joins the next line; lineno is the last physical line', () => {
    expect(items('netns \\\nadd probe_a\nnetns list\n')).toEqual([
      cmd(2, 'netns', 'add', 'probe_a'),
      cmd(3, 'netns', 'list'),
    ]);
  });

  test('the joined line is searched again, so continuations chain', () => {
    expect(items('a \\\nb \\\nc\nd\n')).toEqual([cmd(3, 'a', 'b', 'c'), cmd(4, 'd')]);
  });

  test('the backslash and newline vanish: no separator is inserted', () => {
    expect(items('ab\\\ncd\n')).toEqual([cmd(2, 'abcd')]);
  });

  test("the next line's comment is cut too", () => {
    expect(items('netns add \\\nprobe_a # comment \\\nnetns list\n')).toEqual([
      cmd(2, 'netns', 'add', 'probe_a'),
      cmd(3, 'netns', 'list'),
    ]);
  });

  test('continuing onto a blank or comment-only line', () => {
    expect(items('a \\\n\nb\n')).toEqual([cmd(2, 'a'), cmd(3, 'b')]);
    expect(items('a \\\n# c\nb\n')).toEqual([cmd(2, 'a'), cmd(3, 'b')]);
  });

  test('a backslash followed by a space is not a continuation', () => {
    expect(items('a \\ \nb\n')).toEqual([cmd(1, 'a', '\\'), cmd(2, 'b')]);
  });

  test('an escaped-looking \\\\ still continues, and can continue twice', () => {
    // "a \\\\\n": strstr finds the second backslash; cutting there leaves "a \\", and
    // appending the blank next line recreates backslash-newline, so a third line is read.
    expect(items('a \\\\\n\nb\n')).toEqual([cmd(3, 'a', 'b')]);
  });

  test('a quoted string can span a continuation', () => {
    expect(items('netns add "probe \\\nx"\n')).toEqual([cmd(2, 'netns', 'add', 'probe x')]);
  });

  test('a backslash at the very end of the file, with no newline, is an ordinary word', () => {
    expect(items('netns add \\')).toEqual([cmd(1, 'netns', 'add', '\\')]);
  });
});

describe('Missing continuation line', () => {
  test('backslash-newline then end of file: reported with exit 0, the partial command is dropped', () => {
    expect(items('netns add probe_a\nnetns add \\\n')).toEqual([
      cmd(1, 'netns', 'add', 'probe_a'),
      err(MISSING, 2, 0),
    ]);
  });

  test('after a chain of continuations, lineno is the last line read', () => {
    expect(items('a \\\nb \\\n')).toEqual([err(MISSING, 2, 0)]);
  });

  test('a continuation inside an unterminated quote is reported as missing continuation', () => {
    expect(items('netns add "probe \\\n')).toEqual([err(MISSING, 1, 0)]);
  });
});

describe('quotes', () => {
  test('a word starting with " or \' runs to the next identical quote', () => {
    expect(items('netns add "probe a" \'probe b\'\n')).toEqual([cmd(1, 'netns', 'add', 'probe a', 'probe b')]);
    expect(items('x "it\'s" \'say "hi"\'\n')).toEqual([cmd(1, 'x', "it's", 'say "hi"')]);
  });

  test('an empty quoted word is an empty argument', () => {
    expect(items('netns identify ""\n')).toEqual([cmd(1, 'netns', 'identify', '')]);
    expect(items("a '' b\n")).toEqual([cmd(1, 'a', '', 'b')]);
  });

  test('no escape processing inside quotes', () => {
    // "a\"b": the word ends at the second ", then b" is an ordinary word
    expect(items('x "a\\"b"\n')).toEqual([cmd(1, 'x', 'a\\', 'b"')]);
    expect(items('x "a\\tb"\n')).toEqual([cmd(1, 'x', 'a\\tb')]);
  });

  test('the closing quote ends the word and whatever follows starts the next one', () => {
    expect(items('"ab"cd\n')).toEqual([cmd(1, 'ab', 'cd')]);
    expect(items('"ab""cd"\n')).toEqual([cmd(1, 'ab', 'cd')]);
    expect(items('"ab" cd\n')).toEqual([cmd(1, 'ab', 'cd')]);
    expect(items('"ab"\n')).toEqual([cmd(1, 'ab')]);
  });

  test('a quote not at the start of a word is an ordinary character', () => {
    expect(items('netns add ab"cd ef"\n')).toEqual([cmd(1, 'netns', 'add', 'ab"cd', 'ef"')]);
    expect(items("x it's\n")).toEqual([cmd(1, 'x', "it's")]);
  });

  test('quoted words keep TABs, CRs and leading spaces', () => {
    expect(items('x " a\tb\r"\n')).toEqual([cmd(1, 'x', ' a\tb\r')]);
  });

  test('an unterminated quote ends the batch with exit 1 after earlier lines ran', () => {
    expect(items('netns add probe_b\nnetns add "probe_c\nnetns list\n')).toEqual([
      cmd(1, 'netns', 'add', 'probe_b'),
      err(UNTERMINATED, 2, 1),
    ]);
    expect(items("x 'abc")).toEqual([err(UNTERMINATED, 1, 1)]);
  });
});

describe('Too many arguments to command', () => {
  const words = (n: number): string[] => Array.from({ length: n }, (_, i) => `w${i}`);

  test('511 words are accepted', () => {
    expect(items(`${words(511).join(' ')}\n`)).toEqual([cmd(1, ...words(511))]);
  });

  test('the 512th word is rejected with exit 1', () => {
    expect(items(`ok\n${words(512).join(' ')}\nnever\n`)).toEqual([cmd(1, 'ok'), err(TOO_MANY, 2, 1)]);
  });

  test('counted over continuation lines; lineno is the last physical line', () => {
    expect(items(`${words(512).join(' \\\n')}\n`)).toEqual([err(TOO_MANY, 512, 1)]);
  });

  test('whichever problem comes first in the line wins', () => {
    expect(items(`${words(600).join(' ')} "open\n`)).toEqual([err(TOO_MANY, 1, 1)]);
    expect(items(`"open ${words(600).join(' ')}\n`)).toEqual([err(UNTERMINATED, 1, 1)]);
  });
});

describe('laziness', () => {
  test('each item is produced only when asked for, so a later error cannot pre-empt a command', () => {
    const it = batchItems('netns add probe_a\nnetns add "broken\n');
    expect(it.next()).toEqual({ done: false, value: cmd(1, 'netns', 'add', 'probe_a') });
    expect(it.next()).toEqual({ done: false, value: err(UNTERMINATED, 2, 1) });
    expect(it.next()).toEqual({ done: true, value: undefined });
  });

  test('the caller may stop early (ip without -force)', () => {
    const it = batchItems('a\nb\nc\n');
    expect(it.next().value).toEqual(cmd(1, 'a'));
    expect(it.return(undefined)).toEqual({ done: true, value: undefined });
    expect(it.next()).toEqual({ done: true, value: undefined });
  });
});

describe('lines as they arrive (-batch - on a pipe)', () => {
  test('a command is there once its line is; until then MORE', () => {
    const parser = new BatchParser();
    expect(parser.next()).toBe(MORE);
    parser.push('netns add a\n');
    expect(parser.next()).toEqual(cmd(1, 'netns', 'add', 'a'));
    expect(parser.next()).toBe(MORE);
    parser.push('\n');
    parser.push('netns list\n');
    expect(parser.next()).toEqual(cmd(3, 'netns', 'list'));
    parser.end();
    expect(parser.next()).toBeNull();
  });

  test('a continuation waits for its next line and is then read from its start, line numbers intact', () => {
    const parser = new BatchParser();
    parser.push('netns \\\n');
    expect(parser.next()).toBe(MORE);
    parser.push('add \\\n');
    expect(parser.next()).toBe(MORE);
    parser.push('a # comment\n');
    expect(parser.next()).toEqual(cmd(3, 'netns', 'add', 'a'));
  });

  test('a continuation at the end of the input is the missing continuation line', () => {
    const parser = new BatchParser();
    parser.push('netns add a \\\n');
    expect(parser.next()).toBe(MORE);
    parser.end();
    expect(parser.next()).toEqual(err(MISSING, 1, 0));
    expect(parser.next()).toBeNull();
  });

  test('peek(i) shows the complete commands without taking them, and stops at an error', () => {
    const parser = new BatchParser();
    parser.pushText('netns add a\nnetns list\nnetns add "b\nnetns list\n');
    expect([0, 1, 2, 3].map((i) => parser.peek(i))).toEqual([cmd(1, 'netns', 'add', 'a'), cmd(2, 'netns', 'list'), err(UNTERMINATED, 3, 1), undefined]);
    expect(parser.next()).toEqual(cmd(1, 'netns', 'add', 'a'));
    expect(parser.peek(0)).toEqual(cmd(2, 'netns', 'list'));
    expect(parser.peek(2)).toBeUndefined();
    expect(parser.next()).toEqual(cmd(2, 'netns', 'list'));
    expect(parser.next()).toEqual(err(UNTERMINATED, 3, 1));
    expect(parser.next()).toBeNull();
  });
});

describe('work linear in the lines read', () => {
  test.each([5000, 10000])('a file of %i lines, parsed ahead and then taken one by one, moves at most as many lines as it has', (n) => {
    const parser = new BatchParser();
    parser.pushText('netns add x\n'.repeat(n));
    parser.end();
    expect(parser.peek(n - 1)).toEqual(cmd(n, 'netns', 'add', 'x'));
    expect(parser.peek(n)).toBeUndefined();
    let taken = 0;
    for (let item = parser.next(); item !== null && item !== MORE; item = parser.next()) taken += 1;
    expect(taken).toBe(n);
    expect(parser.work.moved).toBeLessThanOrEqual(n);
  });

  test.each([5000, 10000])('%i lines arriving one at a time, each taken when it arrives, move at most as many lines', (n) => {
    const parser = new BatchParser();
    const taken: number[] = [];
    for (let i = 0; i < n; i += 1) {
      parser.push('netns add x\n');
      const item = parser.next();
      if (item !== null && item !== MORE && item.kind === 'command' && parser.next() === MORE) taken.push(item.lineno);
    }
    expect(taken).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(parser.work.moved).toBeLessThanOrEqual(n);
  });
});

describe('transcripts', () => {
  test('spec 7.9 probe_c.txt: trailing backslash at end of file', () => {
    expect(items('netns add probe_a\nnetns add \\\n')).toEqual([
      cmd(1, 'netns', 'add', 'probe_a'),
      err(MISSING, 2, 0),
    ]);
  });

  test('spec 7.9 probe_q.txt: unterminated quote', () => {
    expect(items('netns add probe_b\nnetns add "probe_c\nnetns list\n')).toEqual([
      cmd(1, 'netns', 'add', 'probe_b'),
      err(UNTERMINATED, 2, 1),
    ]);
  });

  test('golden batch_force_continues: line numbers for "Command failed -:N"', () => {
    const stdin =
      'netns add probe_a\nnetns add probe_a\nnetns delete probe_missing\nnetns exec probe_a sh -c "exit 3"\nfoo bar\nnetns add probe_b\nnetns list\n';
    expect(items(stdin)).toEqual([
      cmd(1, 'netns', 'add', 'probe_a'),
      cmd(2, 'netns', 'add', 'probe_a'),
      cmd(3, 'netns', 'delete', 'probe_missing'),
      cmd(4, 'netns', 'exec', 'probe_a', 'sh', '-c', 'exit 3'),
      cmd(5, 'foo', 'bar'),
      cmd(6, 'netns', 'add', 'probe_b'),
      cmd(7, 'netns', 'list'),
    ]);
  });

  test('spec 4: options inside lines are just words', () => {
    expect(items('ip netns list\n-all netns delete\n')).toEqual([
      cmd(1, 'ip', 'netns', 'list'),
      cmd(2, '-all', 'netns', 'delete'),
    ]);
  });
});
