// `netns exec` with real child processes (README, `ipsim netns …`): the child holds a reference, pids
// and identify see it, a deleted name's namespace lives on until the child exits, dead children are
// reaped, signals reach the child, and an ipsim inside the child acts from its namespace.
import { describe, expect, test } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { IPSIM, cleanEnv, ipsim, killHolder, stateFixture, until } from './helpers/cli.js';

const t = stateFixture();

const run = (args: string[], env: Record<string, string> = {}): ReturnType<typeof ipsim> => ipsim(args, { state: t.state, env });

/** Starts `ipsim ARGS` in the background; resolves with how it ended. */
function background(args: string[]): { child: ChildProcess; ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [IPSIM, ...args], { env: cleanEnv({ IPSIM_STATE: t.state }), stdio: 'ignore' });
  t.background.track(child);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, ended };
}

const started = (): boolean => holders().length === 1 && holders()[0]!.cmd_pid > 0;

/** The holders in the state file; `started()` waits until CMD runs (its pid is recorded). */
function holders(): { wrapper_pid: number; cmd_pid: number; serial: number }[] {
  try {
    return JSON.parse(readFileSync(t.state, 'utf8')).kernel.holders;
  } catch {
    return [];
  }
}

describe('a process started by netns exec', () => {
  test('holds a reference, and pids and identify see it and its descendants', async () => {
    expect(run(['netns', 'add', 'blue']).exit).toBe(0);
    const { child } = background(['netns', 'exec', 'blue', 'sh', '-c', 'sleep 30 & wait']);
    await until('CMD to start', started);
    const [holder] = holders();
    expect(holder!.wrapper_pid).toBe(child.pid);
    expect(JSON.parse(run(['-j', 'show', 'net', 'blue']).stdout).count).toBe(2);
    let sleeper = 0;
    await until('the sleep child', () => {
      const listed = run(['netns', 'pids', 'blue']).stdout.trim().split('\n').map(Number);
      sleeper = listed.find((pid) => pid !== child.pid) ?? 0;
      return listed.length === 2;
    });
    // The wrapper stands for ip (which execs CMD); CMD itself is not listed, its descendants are.
    expect(run(['netns', 'pids', 'blue']).stdout).toBe(`${child.pid}\n${sleeper}\n`);
    for (const pid of [child.pid!, holder!.cmd_pid, sleeper]) expect(run(['netns', 'identify', String(pid)]).stdout).toBe('blue\n');
    expect(run(['netns', 'identify', String(process.pid)]).stdout).toBe('\n');
    expect(run(['netns', 'identify', '999999999'])).toMatchObject({ stdout: '', stderr: 'Cannot open network namespace: No such file or directory\n', exit: 1 });
  }, 30000);

  test('keeps a namespace whose name was deleted alive, nsid and all, until it exits', async () => {
    expect(run(['netns', 'add', 'blue']).exit).toBe(0);
    expect(run(['netns', 'set', 'blue', 'auto']).exit).toBe(0);
    const inum = JSON.parse(run(['-j', 'show', 'net', 'blue']).stdout).proc_inum;
    const { ended } = background(['netns', 'exec', 'blue', 'sleep', '30']);
    await until('CMD to start', started);
    expect(run(['netns', 'delete', 'blue'])).toMatchObject({ stdout: '', stderr: '', exit: 0 });
    expect(run(['netns', 'list']).stdout).toBe('');
    expect(run(['netns', 'list-id']).stdout).toBe('nsid 0 \n');
    expect(JSON.parse(run(['-j', 'show', 'net', `net:[${inum}]`]).stdout)).toMatchObject({ net: `net:[${inum}]`, names: [], count: 1 });

    // SIGTERM to the wrapper reaches CMD; CMD dies by it, the wrapper drops its reference and dies alike.
    const [holder] = holders();
    process.kill(holder!.wrapper_pid, 'SIGTERM');
    expect(await ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(run(['netns', 'list-id']).stdout).toBe('');
    expect(JSON.parse(run(['-j', 'show', 'lists']).stdout).net_namespace_list).toEqual(['init_net']);
    expect(JSON.parse(run(['-j', 'show', 'ids']).stdout).proc_inums).toEqual([4026531840]);
  }, 30000);

  test('whose processes died without cleanup is reaped, traced, by the next command that loads the state', async () => {
    expect(run(['netns', 'add', 'blue']).exit).toBe(0);
    const inum = JSON.parse(run(['-j', 'show', 'net', 'blue']).stdout).proc_inum;
    const { ended } = background(['netns', 'exec', 'blue', 'sleep', '30']);
    await until('CMD to start', started);
    expect(run(['netns', 'delete', 'blue']).exit).toBe(0);
    const [holder] = holders();
    await killHolder(holder!, ended);
    const reaped = run(['--trace', 'netns', 'list']);
    expect(reaped.exit).toBe(0);
    const trace = reaped.stdout.split('\n');
    expect(trace.slice(0, 4)).toEqual([`put_net(net:[${inum}])`, `  __put_net(net:[${inum}])`, 'cleanup_net()', `  list_del_rcu(net:[${inum}])`]);
    expect(holders()).toEqual([]);
    expect(JSON.parse(run(['-j', 'show', 'lists']).stdout).net_namespace_list).toEqual(['init_net']);
  }, 30000);

  test('ignores SIGINT while CMD runs and exits with CMD status', async () => {
    expect(run(['netns', 'add', 'blue']).exit).toBe(0);
    const { child, ended } = background(['netns', 'exec', 'blue', 'sh', '-c', 'trap "" INT; sleep 1; exit 4']);
    await until('CMD to start', started);
    child.kill('SIGINT');
    expect(await ended).toEqual({ code: 4, signal: null });
    expect(holders()).toEqual([]);
    expect(JSON.parse(run(['-j', 'show', 'net', 'blue']).stdout).count).toBe(1);
  }, 30000);
});

describe('a CMD killed by a signal', () => {
  test('ends a batch with exit 1 at once, after its reference is dropped', () => {
    const batch = ['netns add a', 'netns exec a sh -c "kill -TERM $$"', 'netns add b'].join('\n');
    expect(ipsim(['-force', '-batch', '-'], { state: t.state, stdin: `${batch}\n` })).toMatchObject({ stdout: '', stderr: '', exit: 1 });
    expect(run(['netns', 'list']).stdout).toBe('a\n');
    expect(holders()).toEqual([]);
    expect(JSON.parse(run(['-j', 'show', 'net', 'a']).stdout).count).toBe(1);
  });

  test('ends -all exec with exit 1 at once, after the banner of the namespace it ran in', () => {
    for (const name of ['a', 'b']) expect(run(['netns', 'add', name]).exit).toBe(0);
    expect(run(['-all', 'netns', 'exec', 'sh', '-c', 'kill -TERM $$'])).toMatchObject({ stdout: '\nnetns: b\n', stderr: '', exit: 1 });
    expect(holders()).toEqual([]);
  });
});

describe('attach', () => {
  test('binds a second name to a running process\'s namespace (ip-netns.md §7.2)', async () => {
    expect(run(['netns', 'add', 'probe_a']).exit).toBe(0);
    const { ended } = background(['netns', 'exec', 'probe_a', 'sleep', '30']);
    await until('CMD to start', started);
    const pid = String(holders()[0]!.cmd_pid);
    expect(run(['netns', 'attach', 'probe_b', pid])).toMatchObject({ stdout: '', stderr: '', exit: 0 });
    expect(run(['netns', 'list']).stdout).toBe('probe_b\nprobe_a\n');
    expect(run(['netns', 'set', 'probe_b', 'auto']).exit).toBe(0);
    expect(run(['netns', 'list']).stdout).toBe('probe_b (id: 0)\nprobe_a (id: 0)\n');
    expect(run(['netns', 'list-id']).stdout).toBe('nsid 0 (iproute2 netns name: probe_b)\n');
    expect(run(['netns', 'identify', pid]).stdout).toBe('probe_a\n');
    expect(JSON.parse(run(['-j', 'show', 'net', 'probe_a']).stdout)).toMatchObject({ net: 'probe_a', names: ['probe_a', 'probe_b'], count: 3 });
    expect(run(['netns', 'delete', 'probe_a']).exit).toBe(0);
    expect(run(['netns', 'identify', pid]).stdout).toBe('probe_b\n');
    process.kill(holders()[0]!.wrapper_pid, 'SIGTERM');
    await ended;
    expect(JSON.parse(run(['-j', 'show', 'net', 'probe_b']).stdout)).toMatchObject({ names: ['probe_b'], count: 1 });
  }, 30000);

  test('of a process ipsim did not start binds init_net, which never goes away', () => {
    expect(run(['netns', 'attach', 'probe_root', String(process.pid)])).toMatchObject({ stderr: '', exit: 0 });
    expect(JSON.parse(run(['-j', 'show', 'net', 'init_net']).stdout)).toMatchObject({ net: 'init_net', names: ['probe_root'], count: 2 });
    expect(run(['netns', 'identify', String(process.pid)]).stdout).toBe('probe_root\n');
    expect(run(['--trace', 'netns', 'delete', 'probe_root']).stdout).toBe('put_net(init_net)\n');
    expect(JSON.parse(run(['-j', 'show', 'net', 'init_net']).stdout).count).toBe(1);
  });
});

describe('a closed pipe', () => {
  test('stops the output quietly with 141, as SIGPIPE would', () => {
    const names = Array.from({ length: 4000 }, (_, i) => `netns add pipe_${i}_${'x'.repeat(40)}`).join('\n');
    expect(ipsim(['-batch', '-'], { state: t.state, stdin: `${names}\n` }).exit).toBe(0);
    const status = spawnSync('bash', ['-c', `"${process.execPath}" "${IPSIM}" netns list | head -n 1 >/dev/null; echo \${PIPESTATUS[0]}`], {
      env: cleanEnv({ IPSIM_STATE: t.state }),
      encoding: 'utf8',
    });
    expect({ stdout: status.stdout, stderr: status.stderr }).toEqual({ stdout: '141\n', stderr: '' });
  }, 30000);

  test.each(['--version', '--help'])('stops %s quietly with 141 too', (flag) => {
    // The reader, `:`, has exited long before Node has started and writes.
    const status = spawnSync('bash', ['-c', `"${process.execPath}" "${IPSIM}" ${flag} | :; echo \${PIPESTATUS[0]}`], {
      env: cleanEnv({ IPSIM_STATE: t.state }),
      encoding: 'utf8',
    });
    expect({ stdout: status.stdout, stderr: status.stderr }).toEqual({ stdout: '141\n', stderr: '' });
  });
});

describe('an ipsim inside netns exec', () => {
  test('acts from that namespace: its nsids, its identify', () => {
    for (const name of ['red', 'blue']) expect(run(['netns', 'add', name]).exit).toBe(0);
    expect(run(['-n', 'blue', 'netns', 'set', 'red', '7']).exit).toBe(0);
    expect(run(['netns', 'set', 'red', '2']).exit).toBe(0);
    expect(run(['netns', 'exec', 'blue', IPSIM, 'netns', 'list'])).toMatchObject({ stdout: 'blue\nred (id: 7)\n', exit: 0 });
    expect(run(['netns', 'exec', 'blue', IPSIM, 'netns', 'list-id'])).toMatchObject({ stdout: 'nsid 7 (iproute2 netns name: red)\n', exit: 0 });
    expect(run(['netns', 'list']).stdout).toBe('blue\nred (id: 2)\n');
    expect(run(['netns', 'exec', 'red', IPSIM, 'netns', 'identify'])).toMatchObject({ stdout: 'red\n', exit: 0 });
    // -n overrides IPSIM_NETNS.
    expect(run(['netns', 'exec', 'red', IPSIM, '-n', 'blue', 'netns', 'identify']).stdout).toBe('blue\n');
  }, 30000);

  test('that names a namespace that is gone fails like ip entering a missing namespace', () => {
    expect(run(['netns', 'list'], { IPSIM_NETNS: '4026599999' })).toMatchObject({
      stdout: '',
      stderr: 'Cannot open network namespace "net:[4026599999]": No such file or directory\n',
      exit: 255,
    });
    // Other objects ignore IPSIM_NETNS.
    expect(run(['-j', 'show', 'lists'], { IPSIM_NETNS: '4026599999' }).exit).toBe(0);
  });

  test('in a batch sees what the earlier lines did, and later lines see what it did', () => {
    const batch = ['netns add blue', `netns exec blue ${IPSIM} netns add green`, 'netns list', `netns exec blue ${IPSIM} netns identify`].join('\n');
    expect(ipsim(['-batch', '-'], { state: t.state, stdin: `${batch}\n` })).toMatchObject({ stdout: 'green\nblue\nblue\n', stderr: '', exit: 0 });
    expect(holders()).toEqual([]);
  }, 30000);
});
