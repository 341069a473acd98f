// Fault injection through the CLI (README, `ipsim pernet …`: --fail-init and --fail-alloc): every NET form selects the namespace it names
// when the callback runs, and NET[:ERRNO] never swallows a mistyped ERRNO into NET.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { IPSIM, ipsim, tempDir } from './helpers/cli.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const run = (args: readonly string[]) => ipsim(args, { state: t.state });

/** The init callbacks a -j --trace run made: "net=ret" in call order. */
function inits(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith('{"trace":'));
  const events = (JSON.parse(line!) as { trace: { hook?: string; net?: string; ret?: number }[] }).trace;
  return events.filter((e) => e.hook === 'init').map((e) => `${e.net}=${e.ret}`);
}

/** The namespaces ops_init failed on because its kzalloc returned NULL (a --fail-alloc fault), before any init. */
function failedAllocs(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith('{"trace":'));
  const events = (JSON.parse(line!) as { trace: { depth: number; fn: string; args?: string[]; ret?: number | string }[] }).trace;
  return events
    .filter((e, i) => e.fn === 'ops_init' && e.ret === -12 && events[i + 1]?.fn === 'kzalloc' && events[i + 1]?.ret === 'NULL' && events[i + 2]?.depth !== e.depth + 1)
    .map((e) => e.args![1]!);
}

describe('a fault selector selects the namespace it names when the callback runs', () => {
  // Seed boot: init_net is net:[4026531840]; blue, added first, is net:[4026531841].
  beforeEach(() => {
    expect(run(['netns', 'add', 'blue']).exit).toBe(0);
  });

  test.each([
    ['blue', ['init_net=0', 'blue=-12']],
    ['net:[4026531841]', ['init_net=0', 'blue=-12']],
    ['init_net', ['init_net=-12']],
    ['net:[4026531840]', ['init_net=-12']],
    ['*', ['init_net=-12']],
  ])('--fail-init %s fails the registration on the namespace it names', (selector, expected) => {
    const r = run(['-j', '--trace', 'pernet', 'register-subsys', 'x_ops', '--init', 'x_init', '--fail-init', selector]);
    expect(r.stderr).toBe('Error: register_pernet_subsys(x_ops): -ENOMEM (Cannot allocate memory)\n');
    expect(r.exit).toBe(2);
    expect(inits(r.stdout)).toEqual(expected);
  });

  test.each([
    ['blue', ['blue']],
    ['net:[4026531841]', ['blue']],
    ['init_net', ['init_net']],
    ['net:[4026531840]', ['init_net']],
  ])('--fail-alloc %s fails ops_init on the namespace it names, before any init', (selector, expected) => {
    const r = run(['-j', '--trace', 'pernet', 'register-subsys', 'x_ops', '--id', '--size', '8', '--init', 'x_init', '--fail-alloc', selector]);
    expect(r.exit).toBe(2);
    expect(failedAllocs(r.stdout)).toEqual(expected);
  });

  test.each(['red', 'net:[4026531842]', 'net:[04026531841]'])('--fail-init %s names no live namespace: the registration succeeds', (selector) => {
    const r = run(['-j', '--trace', 'pernet', 'register-subsys', 'x_ops', '--init', 'x_init', '--fail-init', selector]);
    expect(r.exit).toBe(0);
    expect(inits(r.stdout)).toEqual(['init_net=0', 'blue=0']);
  });

  test.each(['red', 'net:[4026531842]'])('pernet fail --init %s makes the netns add of that namespace fail inside setup_net', (selector) => {
    expect(run(['pernet', 'register-subsys', 'x_ops', '--init', 'x_init']).exit).toBe(0);
    expect(run(['pernet', 'fail', 'x_ops', '--init', `${selector}:EPERM`]).exit).toBe(0);
    const r = run(['-j', '--trace', 'netns', 'add', 'red']);
    expect(r.stderr).toBe('Failed to create a new network namespace "red": Operation not permitted\n');
    expect(r.exit).toBe(1);
    expect(inits(r.stdout).at(-1)).toBe('red=-1');
  });

  test('pernet fail --alloc net:[INUM] makes the allocation fail for the namespace that gets that number', () => {
    expect(run(['pernet', 'register-subsys', 'x_ops', '--id', '--size', '8']).exit).toBe(0);
    expect(run(['pernet', 'fail', 'x_ops', '--alloc', 'net:[4026531842]']).exit).toBe(0);
    const r = run(['-j', '--trace', 'netns', 'add', 'red']);
    expect(r).toMatchObject({ stderr: 'Failed to create a new network namespace "red": Cannot allocate memory\n', exit: 1 });
    expect(failedAllocs(r.stdout)).toEqual(['red']);
    expect(run(['netns', 'list']).stdout).toBe('blue\n');
  });

  test('a namespace whose name is gone but a process holds is selected by net:[INUM], no longer by its old name', () => {
    const inner = (selector: string) =>
      `"${process.execPath}" "${IPSIM}" -j --trace pernet register-subsys x_ops --init x_init --fail-init '${selector}' >>${t.dir}/out; echo "exit $?" >>${t.dir}/out`;
    const script = [`"${process.execPath}" "${IPSIM}" netns delete blue`, inner('blue'), `"${process.execPath}" "${IPSIM}" pernet unregister-subsys x_ops`, inner('net:[4026531841]')].join('; ');
    expect(run(['netns', 'exec', 'blue', 'sh', '-c', script]).exit).toBe(0);
    const [first, exit1, second, exit2] = readFileSync(`${t.dir}/out`, 'utf8').trim().split('\n');
    expect([inits(first!), exit1]).toEqual([['init_net=0', 'net:[4026531841]=0'], 'exit 0']);
    expect([inits(second!), exit2]).toEqual([['init_net=0', 'net:[4026531841]=-12'], 'exit 2']);
  });

  test('a stored net:[INUM] selects whichever namespace has that inode number when the callback runs, as a stored name does', () => {
    expect(run(['pernet', 'register-subsys', 'x_ops', '--init', 'x_init', '--fail-init', 'net:[4026531842]']).exit).toBe(0);
    expect(run(['netns', 'add', 'red']).exit).toBe(1);
    // The failed add released 4026531842; the next namespace gets it, and the fault with it.
    expect(run(['netns', 'add', 'green']).stderr).toBe('Failed to create a new network namespace "green": Cannot allocate memory\n');
    expect(run(['pernet', 'fail', 'x_ops', '--clear']).exit).toBe(0);
    expect(run(['netns', 'add', 'green']).exit).toBe(0);
  });

  test('resolution order: a namespace bound as "init_net" is what init_net selects, as in show', () => {
    expect(run(['netns', 'add', 'init_net']).exit).toBe(0);
    const r = run(['-j', '--trace', 'pernet', 'register-subsys', 'x_ops', '--init', 'x_init', '--fail-init', 'init_net']);
    expect(r.exit).toBe(2);
    // traces and JSON write that name quoted, so it is never read as init_net itself
    expect(inits(r.stdout)).toEqual(['init_net=0', 'blue=0', '"init_net"=-12']);
    expect(JSON.parse(run(['-j', 'show', 'net', 'init_net']).stdout)).toMatchObject({ net: '"init_net"', names: ['init_net'], proc_inum: 4026531842 });
  });
});

describe('NET[:ERRNO]: a mistyped ERRNO is refused, never taken into NET', () => {
  const refusal = (text: string, tail: string) =>
    `Error: invalid errno "${tail}" in "${text}": ERRNO is a name such as ENOMEM or a number 1-4095 (a NET ending in ":${tail}" needs an explicit ":ERRNO")\n`;

  test.each([
    ['init_net:0', '0'],
    ['blue:-5', '-5'],
    ['blue:+5', '+5'],
    ['blue:05', '05'],
    ['blue:0x5', '0x5'],
    ['blue:5.0', '5.0'],
    ['blue:1e3', '1e3'],
    ['blue:', ''],
    ['blue:4096', '4096'],
    [':4096', '4096'],
    ['blue:EFOO', 'EFOO'],
    ['blue:eperm', 'eperm'],
    ['blue:Enomem', 'Enomem'],
    ['net:[4026531840]:0', '0'],
  ])('%s is refused (exit 1), by register and by pernet fail, leaving the state as it was', (text, tail) => {
    expect(run(['pernet', 'register-subsys', 'x_ops', '--init', 'x_init']).exit).toBe(0);
    const before = readFileSync(t.state, 'utf8');
    for (const args of [
      ['pernet', 'register-subsys', 'y_ops', '--init', 'y_init', '--fail-init', text],
      ['pernet', 'fail', 'x_ops', '--init', text],
    ]) {
      expect(run(args)).toEqual({ stdout: '', stderr: refusal(text, tail), exit: 1, signal: null });
    }
    expect(readFileSync(t.state, 'utf8')).toBe(before);
  });

  test('an ERRNO with no NET before it is refused', () => {
    expect(run(['pernet', 'register-subsys', 'y_ops', '--init', 'y_init', '--fail-init', ':5'])).toMatchObject({
      stderr: 'Error: missing NET before ":5" in ":5"\n',
      exit: 1,
    });
  });

  test.each([
    ['blue:EPERM', 'init@blue=-EPERM'],
    ['blue:1', 'init@blue=-EPERM'],
    ['blue:4095', 'init@blue=-4095'],
    ['blue:EWOULDBLOCK', 'init@blue=-EAGAIN'],
    ['blue', 'init@blue=-ENOMEM'],
    ['net:[4026531841]', 'init@net:[4026531841]=-ENOMEM'],
    ['net:[4026531841]:EIO', 'init@net:[4026531841]=-EIO'],
    ['a:b', 'init@a:b=-ENOMEM'],
    ['host:eth0', 'init@host:eth0=-ENOMEM'],
    ['blue:05:EPERM', 'init@blue:05=-EPERM'],
    ['blue::ENOMEM', 'init@blue:=-ENOMEM'],
    ['*:EIO', 'init@*=-EIO'],
  ])('pernet fail --init %s stores %s', (text, fault) => {
    expect(run(['pernet', 'register-subsys', 'y_ops', '--init', 'y_init']).exit).toBe(0);
    expect(run(['pernet', 'fail', 'y_ops', '--init', text]).exit).toBe(0);
    const row = run(['pernet', 'list']).stdout.split('\n').find((l) => l.includes('y_ops'));
    expect(row!.trimEnd().endsWith(`  ${fault}`)).toBe(true);
  });

  test('a name with ":" in it is selected when written NAME:ERRNO', () => {
    expect(run(['netns', 'add', 'blue:05']).exit).toBe(0);
    const r = run(['pernet', 'register-subsys', 'y_ops', '--init', 'y_init', '--fail-init', 'blue:05:EPERM']);
    expect(r).toMatchObject({ stderr: 'Error: register_pernet_subsys(y_ops): -EPERM (Operation not permitted)\n', exit: 2 });
  });
});
