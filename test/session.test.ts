// How an invocation holds the state (README, State file): a command declares whether it may
// write before anything is loaded, so no path loads a copy and locks afterwards; `-n` holds a
// reference for the life of the process, as ip does after setns(); `boot` is refused once the
// batch has a kernel; `-batch -` runs each line as it arrives and holds no lock while it waits.
import { describe, expect, test } from '@jest/globals';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IPSIM, cleanEnv, ipsim, killHolder, lockExists, stateFixture, until } from './helpers/cli.js';

const t = stateFixture();

const run = (args: string[], env: Record<string, string> = {}, stdin = ''): ReturnType<typeof ipsim> => ipsim(args, { state: t.state, env, stdin });

interface StateFile {
  kernel: { boot_id: string; holders: { wrapper_pid: number; cmd_pid: number; serial: number }[]; names: { name: string[]; serial: number[] } };
}
const stateFile = (): StateFile => JSON.parse(readFileSync(t.state, 'utf8')) as StateFile;

/** `ipsim ARGS` in the background; resolves with how it ended and everything it printed. */
function spawnIpsim(args: string[], env: Record<string, string> = {}): {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = t.background.track(spawn(process.execPath, [IPSIM, ...args], { env: cleanEnv({ IPSIM_STATE: t.state, ...env }) }));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, ended };
}

describe('lock, then load', () => {
  test('24 writers at once, half with -n and half inside netns exec (IPSIM_NETNS), lose nothing', async () => {
    expect(run(['netns', 'add', 'base']).exit).toBe(0);
    const kernel = stateFile().kernel;
    const serial = kernel.names.serial[kernel.names.name.indexOf('base')]!;
    const inum = JSON.parse(run(['-j', 'show', 'net', 'base']).stdout).proc_inum as number;
    const inside = { IPSIM_NETNS: String(inum), IPSIM_NETNS_ID: `${kernel.boot_id}:${serial}` };
    const names = Array.from({ length: 24 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    const runs = names.map((name, i) => (i % 2 === 0 ? spawnIpsim(['-n', 'base', 'netns', 'add', name]) : spawnIpsim(['netns', 'add', name], inside)));
    const ended = await Promise.all(runs.map((r) => r.ended));
    expect(ended).toEqual(names.map(() => ({ code: 0, signal: null })));
    expect(run(['netns', 'list']).stdout.trim().split('\n').sort()).toEqual(['base', ...names]);
    // The -n references ended with their processes: none is left in the file.
    expect(stateFile().kernel.holders).toEqual([]);
    expect(JSON.parse(run(['-j', 'show', 'net', 'base']).stdout).count).toBe(1);
  }, 60000);
});

describe('boot in a batch', () => {
  const refused = (state: string): string => `Error: kernel already booted (${state}); run "ipsim reset" first\n`;

  test('after lines that booted implicitly is refused, and their work is kept', () => {
    expect(run(['-batch', '-'], {}, 'netns add q\nboot\nnetns list\n')).toEqual({
      stdout: '',
      stderr: `${refused(t.state)}Command failed -:2\n`,
      exit: 1,
      signal: null,
    });
    expect(run(['netns', 'list']).stdout).toBe('q\n');
  });

  test('after a read-only line is refused too, and nothing is written', () => {
    const file = join(t.dir, 'lines');
    writeFileSync(file, 'netns list\nboot --profile bare\nnetns list\n');
    expect(run(['-force', '-batch', file])).toEqual({ stdout: '', stderr: `${refused(t.state)}Command failed ${file}:2\n`, exit: 1, signal: null });
    expect(existsSync(t.state)).toBe(false);
  });

  test('as the first line uses its own profile; after reset it boots again', () => {
    expect(run(['-j', '-batch', '-'], {}, 'boot --profile bare\nshow lists\nnetns add q\nreset\nboot\nnetns list\nshow lists\n')).toEqual({
      stdout:
        '{"net_namespace_list":["init_net"],"pernet_list":["net_ns_ops"],"first_device":null}\n' +
        '[]\n' +
        '{"net_namespace_list":["init_net"],"pernet_list":["net_ns_ops","netdev_net_ops","loopback_net_ops","default_device_ops"],"first_device":"loopback_net_ops"}\n',
      stderr: '',
      exit: 0,
      signal: null,
    });
  });
});

describe('-n NAME holds a reference for the life of the process', () => {
  test('deleting its name leaves it alive until the process ends, traced where it happens', () => {
    expect(run(['netns', 'add', 'foo']).exit).toBe(0);
    const inum = JSON.parse(run(['-j', 'show', 'net', 'foo']).stdout).proc_inum as number;
    const traced = run(['--trace', '-n', 'foo', 'netns', 'delete', 'foo']);
    expect(traced.exit).toBe(0);
    expect(traced.stdout.split('\n').slice(0, 6)).toEqual([
      'get_net(foo)',
      'put_net(foo)',
      `put_net(net:[${inum}])`,
      `  __put_net(net:[${inum}])`,
      'cleanup_net()',
      `  list_del_rcu(net:[${inum}])`,
    ]);
    expect(stateFile().kernel.holders).toEqual([]);
    expect(JSON.parse(run(['-j', 'show', 'lists']).stdout).net_namespace_list).toEqual(['init_net']);
  });

  test('a command that changes nothing writes nothing', () => {
    expect(run(['netns', 'add', 'foo']).exit).toBe(0);
    const before = readFileSync(t.state, 'utf8');
    expect(run(['-n', 'foo', '--trace', 'netns', 'list'])).toMatchObject({ stdout: 'foo\nget_net(foo)\nput_net(foo)\n', exit: 0 });
    expect(readFileSync(t.state, 'utf8')).toBe(before);
    expect(lockExists(t.state)).toBe(false);
  });

  test('the process is in the namespace: pids lists it, as ip lists itself', () => {
    expect(run(['netns', 'add', 'foo']).exit).toBe(0);
    const r = spawnSync(process.execPath, [IPSIM, '-n', 'foo', 'netns', 'pids', 'foo'], { env: cleanEnv({ IPSIM_STATE: t.state }), encoding: 'utf8' });
    expect({ stdout: r.stdout, status: r.status }).toEqual({ stdout: `${r.pid}\n`, status: 0 });
  });

  test('a batch waiting for input keeps it in the file; other processes see it; it goes at the end', async () => {
    expect(run(['netns', 'add', 'foo']).exit).toBe(0);
    const inum = JSON.parse(run(['-j', 'show', 'net', 'foo']).stdout).proc_inum as number;
    const batch = spawnIpsim(['-n', 'foo', '-batch', '-']);
    await until('the reference to be written', () => stateFile().kernel.holders.length === 1);
    expect(stateFile().kernel.holders[0]).toMatchObject({ wrapper_pid: batch.child.pid, cmd_pid: 0 });
    expect(run(['netns', 'delete', 'foo']).exit).toBe(0);
    expect(JSON.parse(run(['-j', 'show', 'net', `net:[${inum}]`]).stdout)).toMatchObject({ names: [], count: 1 });
    batch.child.stdin.end('netns list-id\n');
    expect(await batch.ended).toEqual({ code: 0, signal: null });
    expect(stateFile().kernel.holders).toEqual([]);
    expect(JSON.parse(run(['-j', 'show', 'lists']).stdout).net_namespace_list).toEqual(['init_net']);
  }, 30000);

  test('a process killed while holding it is reaped by the next command, like an exec child', async () => {
    expect(run(['netns', 'add', 'foo']).exit).toBe(0);
    const inum = JSON.parse(run(['-j', 'show', 'net', 'foo']).stdout).proc_inum as number;
    const batch = spawnIpsim(['-n', 'foo', '-batch', '-']);
    await until('the reference to be written', () => stateFile().kernel.holders.length === 1);
    expect(run(['netns', 'delete', 'foo']).exit).toBe(0);
    batch.child.kill('SIGKILL');
    await batch.ended;
    const reaped = run(['--trace', 'netns', 'list']);
    expect(reaped.stdout.split('\n').slice(0, 3)).toEqual([`put_net(net:[${inum}])`, `  __put_net(net:[${inum}])`, 'cleanup_net()']);
    expect(stateFile().kernel.holders).toEqual([]);
  }, 30000);
});

describe('-batch - runs each line as it arrives', () => {
  test('each answer comes before the next line is sent, and another process can write meanwhile', async () => {
    const batch = spawnIpsim(['-batch', '-']);
    batch.child.stdin.write('netns add a\nnetns list\n');
    await until('the first answer', () => batch.out() === 'a\n');
    // The batch waits for input holding no lock: this writer is not kept waiting.
    expect(run(['netns', 'add', 'b']).exit).toBe(0);
    expect(lockExists(t.state)).toBe(false);
    batch.child.stdin.write('netns list\n');
    await until('the second answer', () => batch.out() === 'a\nb\na\n');
    batch.child.stdin.end('netns delete nosuch\nnetns add c\n');
    expect(await batch.ended).toEqual({ code: 1, signal: null });
    expect(batch.err()).toBe('Cannot remove namespace file "/run/netns/nosuch": No such file or directory\nCommand failed -:4\n');
    expect(run(['netns', 'list']).stdout).toBe('b\na\n');
  }, 30000);

  test('a line split across writes: continuation, quotes, NUL and a UTF-8 character', async () => {
    const batch = spawnIpsim(['-batch', '-']);
    const pieces = [Buffer.from('netns add "x y'), Buffer.from('"\nnetns add \xc3', 'latin1'), Buffer.from('\xa9\0junk\nnetns \\', 'latin1'), Buffer.from('\nlist\n')];
    for (const piece of pieces) {
      batch.child.stdin.write(piece);
      await new Promise((r) => setTimeout(r, 150));
    }
    batch.child.stdin.end();
    expect(await batch.ended).toEqual({ code: 0, signal: null });
    expect({ out: batch.out(), err: batch.err() }).toEqual({ out: 'é\nx y\n', err: '' });
  }, 30000);

  test('output, Command failed lines and the exit code are those of the same lines from a file', async () => {
    const lines = ['netns add a', 'netns add a', 'netns list', 'foo bar', 'netns add \\', 'b', 'netns list', 'netns add "c'];
    const file = join(t.dir, 'lines');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const fromFile = run(['-force', '-batch', file]);
    expect(run(['reset']).exit).toBe(0);
    const batch = spawnIpsim(['-force', '-batch', '-']);
    for (const line of lines) {
      batch.child.stdin.write(`${line}\n`);
      await new Promise((r) => setTimeout(r, 50));
    }
    batch.child.stdin.end();
    const ended = await batch.ended;
    expect({ stdout: batch.out(), stderr: batch.err().replaceAll('-:', `${file}:`), exit: ended.code }).toEqual({
      stdout: fromFile.stdout,
      stderr: fromFile.stderr,
      exit: fromFile.exit,
    });
    expect(fromFile).toMatchObject({ stdout: 'a\nb\na\n', exit: 1 });
  }, 30000);

  test('a signal while it waits for input: the state is written, then the process dies by the signal', async () => {
    const batch = spawnIpsim(['-batch', '-']);
    batch.child.stdin.write('netns add a\nnetns list\n');
    await until('the answer', () => batch.out() === 'a\n');
    batch.child.kill('SIGTERM');
    expect(await batch.ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(run(['netns', 'list']).stdout).toBe('a\n');
    expect(lockExists(t.state)).toBe(false);
  }, 30000);
});

describe('a state loaded to check that it exists', () => {
  test('is reaped too: boot on a state with a dead exec child drops its reference', async () => {
    expect(run(['netns', 'add', 'blue']).exit).toBe(0);
    const exec = spawnIpsim(['netns', 'exec', 'blue', 'sleep', '30']);
    await until('CMD to start', () => stateFile().kernel.holders.some((h) => h.cmd_pid > 0));
    const [holder] = stateFile().kernel.holders;
    await killHolder(holder!, exec.ended);
    expect(run(['--trace', 'boot'])).toEqual({ stdout: 'put_net(blue)\n', stderr: `Error: kernel already booted (${t.state}); run "ipsim reset" first\n`, exit: 1, signal: null });
    expect(stateFile().kernel.holders).toEqual([]);
    expect(JSON.parse(run(['-j', 'show', 'net', 'blue']).stdout).count).toBe(1);
  }, 30000);
});
