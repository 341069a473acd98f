// One colour policy for all output (README, At a terminal): pipes and NO_COLOR get plain bytes,
// --color=always colours ipsim's own output even on a pipe, --color=never never.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { formatTraceLine } from '../lib/trace.js';
import { colorEnabled } from '../ui/output.js';
import { ipsim, tempDir } from './helpers/cli.js';

describe('colorEnabled', () => {
  test.each([
    [undefined, true, {}, true],
    [undefined, false, {}, false],
    [undefined, true, { NO_COLOR: '1' }, false],
    [undefined, true, { TERM: 'dumb' }, false],
    ['auto', true, {}, true],
    ['always', false, { NO_COLOR: '1' }, true],
    ['never', true, {}, false],
  ] as const)('--color=%s, stdout a terminal: %s, env %j → %s', (when, tty, env, expected) => {
    expect(colorEnabled(when, { stdoutIsTTY: tty, env })).toBe(expected);
  });
});

describe('trace lines', () => {
  const style = { fn: (t: string) => `<${t}>`, err: (t: string) => `!${t}!` };
  test('highlight function names and errors when styled', () => {
    expect(formatTraceLine({ depth: 1, fn: 'ops_init', args: ['x', 'blue'], ret: -12 }, style)).toBe('  <ops_init>(x, blue) = !-ENOMEM!');
    expect(formatTraceLine({ depth: 0, fn: 'copy_net_ns', args: [], ret: 'ERR_PTR(-ENOMEM)' }, style)).toBe('<copy_net_ns>() = !ERR_PTR(-ENOMEM)!');
    expect(formatTraceLine({ depth: 2, fn: 'x_init', hook: 'init', ops: 'x', net: 'blue', ret: 0 }, style)).toBe('    <x_init>(blue) = 0');
  });
  test('are plain text without a style', () => {
    expect(formatTraceLine({ depth: 1, fn: 'ops_free', hook: 'free', ops: 'x', net: 'blue' })).toBe('  ops_free(x, blue)');
    expect(formatTraceLine({ depth: 0, fn: 'x_exit_batch', hook: 'exit_batch', ops: 'x', nets: ['a', 'b'] })).toBe('x_exit_batch([a, b])');
  });
});

describe('the built command', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  test('prints no escape codes into a pipe, and colours the trace with --color=always', () => {
    const plain = ipsim(['--trace', 'netns', 'add', 'blue'], { state: t.state });
    expect(plain.stdout).toMatch(/^copy_net_ns\(CLONE_NEWNET, init_user_ns, init_net\) = blue\n/);
    expect(plain.stdout).not.toContain('\u001b[');
    const coloured = ipsim(['--color=always', '--trace', 'netns', 'add', 'red'], { state: t.state });
    expect(coloured.stdout).toMatch(/^\u001b\[33mcopy_net_ns\u001b\[39m\(CLONE_NEWNET, init_user_ns, init_net\) = red\n/);
    // netns output itself is never coloured.
    expect(ipsim(['--color=always', 'netns', 'list'], { state: t.state }).stdout).toBe('red\nblue\n');
    expect(ipsim(['-c=never', '--trace', 'netns', 'delete', 'red'], { state: t.state }).stdout).not.toContain('\u001b[');
  });
});
