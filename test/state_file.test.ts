// The state file's promises (README, State file): one atomic write per invocation, nothing written by
// commands that change nothing or fail before changing anything, corrupt files reported and kept,
// names that are never object keys, and no update lost between concurrent processes.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { IPSIM, cleanEnv, ipsim, lockExists, tempDir } from './helpers/cli.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

function snapshot(path: string): { bytes: string; mtime: number; ino: number } {
  const st = statSync(path);
  return { bytes: readFileSync(path, 'utf8'), mtime: st.mtimeMs, ino: st.ino };
}

describe('nothing is written', () => {
  test('a read-only command on a missing state boots in memory and creates no file', () => {
    expect(ipsim(['netns', 'list'], { state: t.state })).toMatchObject({ stdout: '', stderr: '', exit: 0 });
    expect(ipsim(['-j', 'show', 'lists'], { state: t.state }).exit).toBe(0);
    expect(existsSync(t.state)).toBe(false);
  });

  test('a failing command on a missing state creates no file', () => {
    expect(ipsim(['netns', 'delete', 'x'], { state: t.state }).exit).toBe(1);
    expect(existsSync(t.state)).toBe(false);
  });

  test.each([
    [['pernet', 'frobnicate'], 255],
    [['pernet', 'register-subsys', '1bad'], 1],
    [['pernet', 'register-subsys', 'netdev_net_ops'], 1],
    [['pernet', 'register-subsys', 'x', '--bogus'], 255],
    [['pernet', 'unregister-subsys', 'loopback_net_ops'], 1],
    [['netns', 'add', 'a/b'], 255],
    [['netns', 'add', 'blue'], 1],
    [['netns', 'set', 'blue', 'abc'], 255],
    [['frobnicate'], 1],
    [['boot'], 1],
  ])('%j leaves the state file untouched (exit %i)', (args, exit) => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    const before = snapshot(t.state);
    const run = ipsim(args, { state: t.state });
    expect(run.exit).toBe(exit);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(snapshot(t.state)).toEqual(before);
  });

  test('a read-only command takes no lock and leaves no files beside the state', () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    const before = snapshot(t.state);
    expect(ipsim(['show', 'gen'], { state: t.state }).exit).toBe(0);
    expect(snapshot(t.state)).toEqual(before);
    expect(readdirSync(t.dir).sort()).toEqual(['state.json', 'state.json.events']);
  });
});

describe('a state file that is not a valid ipsim state', () => {
  test.each([
    ['not JSON', '{"format":', /^Error: cannot use state file ".*state\.json": not JSON \(/],
    ['another document', '{"hello":"world"}\n', /^Error: cannot use state file ".*state\.json": not an ipsim state: /],
    ['an unknown version', '{"format":"ipsim-state","version":99,"kernel":{}}\n', /: unknown format version 99 \(this ipsim reads versions 1 and 2\) \(keep a copy, then run "ipsim reset"\)\n$/],
  ])('%s: one line naming the path and the problem, exit 1, file kept', (_what, content, message) => {
    writeFileSync(t.state, content);
    for (const args of [['netns', 'list'], ['netns', 'add', 'blue'], ['pernet', 'register-subsys', 'x']]) {
      const run = ipsim(args, { state: t.state });
      expect(run.exit).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(readFileSync(t.state, 'utf8')).toBe(content);
    }
  });

  test('an inconsistent kernel (a refcount that does not match its names) is refused', () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    const doc = JSON.parse(readFileSync(t.state, 'utf8'));
    doc.kernel.net_namespace_list.count[1] = 7;
    const content = JSON.stringify(doc);
    writeFileSync(t.state, content);
    const run = ipsim(['netns', 'list'], { state: t.state });
    expect(run).toMatchObject({ stdout: '', exit: 1 });
    expect(run.stderr).toMatch(/: inconsistent: net_namespace_list\.count\[1\]: count is 7, expected 1 \(names and holders\) \(keep a copy, then run "ipsim reset"\)\n$/);
    expect(readFileSync(t.state, 'utf8')).toBe(content);
  });

  test('a version 1 file (an object per namespace and per name) is read, kept by reads, and stored as version 2 by the next write', () => {
    const v1 = {
      format: 'ipsim-state',
      version: 1,
      kernel: {
        boot_id: 'b',
        next_serial: 3,
        initialized: true,
        max_gen_ptrs: 13,
        proc_reserved: 0,
        first_device: null,
        pernet_list: [
          { name: 'net_ns_ops', kind: 'subsys', id: null, size: 0, init: 'net_ns_net_init', exit: 'net_ns_net_exit', exit_batch: null, fail_init: [], fail_alloc: [] },
          { name: 'g_ops', kind: 'subsys', id: 1, size: 8, init: null, exit: null, exit_batch: null, fail_init: [], fail_alloc: [] },
        ],
        net_namespace_list: [0, 1, 2].map((serial) => ({
          serial,
          proc_inum: 4026531840 + serial,
          count: 1,
          passive: 1,
          dev_base_seq: 1,
          user_ns: 'init_user_ns',
          loopback_dev: null,
          gen: { len: 13, slots: [{ index: 0, ops: 'g_ops', size: 8, state: 'data' }] },
          nsids: serial === 0 ? [{ nsid: 4, peer: 2 }] : [],
        })),
        names: [
          { name: 'blue', serial: 1 },
          { name: 'red', serial: 2 },
        ],
        holders: [],
      },
    };
    const content = JSON.stringify(v1);
    writeFileSync(t.state, content);
    expect(ipsim(['netns', 'list'], { state: t.state })).toMatchObject({ stdout: 'red (id: 4)\nblue\n', stderr: '', exit: 0 });
    expect(readFileSync(t.state, 'utf8')).toBe(content);
    expect(ipsim(['netns', 'add', 'green'], { state: t.state })).toMatchObject({ stderr: '', exit: 0 });
    const kernel = JSON.parse(readFileSync(t.state, 'utf8')).kernel;
    expect(JSON.parse(readFileSync(t.state, 'utf8')).version).toBe(2);
    expect(kernel.names).toEqual({ name: ['blue', 'red', 'green'], serial: [1, 2, 3] });
    expect(kernel.net_namespace_list).toEqual({
      serial: [0, 1, 2, 3],
      proc_inum: [4026531840, 4026531841, 4026531842, 4026531843],
      count: [1, 1, 1, 1],
      loopback_dev: [null, null, null, null],
      gen_len: [13, 13, 13, 13],
      gen_slots: [0, 1, 2, 3].map((net) => ({ net, index: 0, ops: 'g_ops', size: 8, state: 'data' })),
      nsids: [{ net: 0, nsid: 4, peer: 2 }],
    });
  });

  test('a version 1 namespace with what version 2 does not store set otherwise is refused', () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    const doc = JSON.parse(readFileSync(t.state, 'utf8'));
    const c = doc.kernel.net_namespace_list;
    doc.version = 1;
    doc.kernel.net_namespace_list = c.serial.map((serial: number, i: number) => ({
      serial,
      proc_inum: c.proc_inum[i],
      count: c.count[i],
      passive: 1,
      dev_base_seq: i === 1 ? 2 : 1,
      user_ns: 'init_user_ns',
      loopback_dev: c.loopback_dev[i],
      gen: { len: c.gen_len[i], slots: [] },
      nsids: [],
    }));
    doc.kernel.names = [{ name: 'blue', serial: 1 }];
    writeFileSync(t.state, JSON.stringify(doc));
    expect(ipsim(['netns', 'list'], { state: t.state })).toMatchObject({
      stderr: `Error: cannot use state file "${t.state}": inconsistent: net_namespace_list[1]: dev_base_seq is 2, expected 1 (keep a copy, then run "ipsim reset")\n`,
      exit: 1,
    });
  });

  test('reset removes even a corrupt state, and exits 0 when there is none', () => {
    writeFileSync(t.state, 'garbage');
    expect(ipsim(['reset'], { state: t.state })).toMatchObject({ stdout: '', stderr: '', exit: 0 });
    expect(existsSync(t.state)).toBe(false);
    expect(ipsim(['reset'], { state: t.state })).toMatchObject({ stdout: '', stderr: '', exit: 0 });
  });
});

describe('the journal beside the state', () => {
  test('is bounded: past 256 KiB only the newest whole lines under 128 KiB stay, and seq goes on rising', () => {
    const batch = Array.from({ length: 10000 }, (_, i) => `netns add n${i}\n`).join('');
    expect(ipsim(['-batch', '-'], { state: t.state, stdin: batch }).exit).toBe(0);
    const line = (seq: number): string => `{"seq":${seq},"ev":"add","name":"n${seq - 1}"}\n`;
    const journal = readFileSync(`${t.state}.events`, 'utf8');
    // The newest lines, as many as stay under half the bound: one more would reach it.
    let kept = '';
    let seq = 10000;
    while (Buffer.byteLength(line(seq) + kept) < 128 * 1024) kept = line(seq--) + kept;
    expect(journal).toBe(kept);
    expect(ipsim(['netns', 'add', 'last'], { state: t.state }).exit).toBe(0);
    expect(readFileSync(`${t.state}.events`, 'utf8')).toBe(`${kept}{"seq":10001,"ev":"add","name":"last"}\n`);
  });
});

describe('where the state lives', () => {
  test('--state wins over IPSIM_STATE, which wins over XDG_STATE_HOME', () => {
    const other = `${t.dir}/other.json`;
    expect(ipsim(['--state', other, 'netns', 'add', 'a'], { state: t.state }).exit).toBe(0);
    expect(ipsim(['--state=' + other, 'netns', 'list'], { state: t.state }).stdout).toBe('a\n');
    expect(ipsim(['netns', 'list'], { state: t.state }).stdout).toBe('');
    const xdg = ipsim(['netns', 'add', 'b'], { state: '', env: { XDG_STATE_HOME: `${t.dir}/xdg` } });
    expect(xdg.exit).toBe(0);
    expect(existsSync(`${t.dir}/xdg/ipsim/state.json`)).toBe(true);
  });
});

describe('names are data, never object keys', () => {
  test('__proto__, constructor and toString are ordinary namespace names', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(ipsim(['netns', 'add', name], { state: t.state })).toMatchObject({ stderr: '', exit: 0 });
    }
    expect(ipsim(['netns', 'list'], { state: t.state }).stdout).toBe('hasOwnProperty\ntoString\nconstructor\n__proto__\n');
    expect(ipsim(['netns', 'set', '__proto__', 'auto'], { state: t.state }).exit).toBe(0);
    expect(ipsim(['-j', 'netns', 'list'], { state: t.state }).stdout).toBe(
      '[{"name":"hasOwnProperty"},{"name":"toString"},{"name":"constructor"},{"name":"__proto__","id":0}]\n',
    );
    expect(ipsim(['-j', 'show', 'net', 'constructor'], { state: t.state }).stdout).toMatch(/^\{"net":"constructor","names":\["constructor"\],/);
    expect(ipsim(['netns', 'delete', '__proto__'], { state: t.state }).exit).toBe(0);
    expect(ipsim(['netns', 'add', 'valueOf'], { state: t.state }).exit).toBe(0);
    expect(ipsim(['netns', 'list'], { state: t.state }).stdout).toBe('valueOf\nhasOwnProperty\ntoString\nconstructor\n');
  });
});

function run(args: string[], state: string, stdin = ''): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [IPSIM, ...args], { env: cleanEnv({ IPSIM_STATE: state }), stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    child.stdin.end(stdin);
  });
}

describe('concurrent writers', () => {
  test('24 processes adding names at once lose none of them', async () => {
    expect(ipsim(['boot'], { state: t.state }).exit).toBe(0);
    const names = Array.from({ length: 24 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    const results = await Promise.all(names.map((name) => run(['netns', 'add', name], t.state)));
    expect(results.map((r) => r.code)).toEqual(names.map(() => 0));
    const listed = ipsim(['netns', 'list'], { state: t.state }).stdout.trim().split('\n').sort();
    expect(listed).toEqual(names);
    const inums = JSON.parse(ipsim(['-j', 'show', 'ids'], { state: t.state }).stdout).proc_inums;
    expect(inums).toEqual(Array.from({ length: 25 }, (_, i) => 4026531840 + i));
    expect(readdirSync(t.dir).filter((f) => f.includes('.lock') || f.includes('.tmp'))).toEqual([]);
  }, 60000);
});

describe('signals and crashes', () => {
  const lines = Array.from({ length: 20000 }, (_, i) => `netns add s${i}`).join('\n');

  test('SIGTERM during a batch: the running line completes, the state is written, the process dies by the signal', async () => {
    expect(ipsim(['boot', '--profile', 'bare'], { state: t.state }).exit).toBe(0);
    const child = spawn(process.execPath, [IPSIM, '-batch', '-'], { env: cleanEnv({ IPSIM_STATE: t.state }), stdio: ['pipe', 'ignore', 'ignore'] });
    const closed = new Promise((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    child.stdin.end(`${lines}\n`);
    // Wait until the batch is under way: it holds the lock while it runs.
    const started = Date.now();
    while (!lockExists(t.state) && Date.now() - started < 10000) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await closed).toBe('SIGTERM');
    const listed = ipsim(['netns', 'list'], { state: t.state });
    expect(listed.exit).toBe(0);
    const names = listed.stdout.split('\n').filter(Boolean).reverse();
    // A prefix of the batch, in order.
    expect(names).toEqual(Array.from({ length: names.length }, (_, i) => `s${i}`));
    expect(lockExists(t.state)).toBe(false);
  }, 60000);

  test('SIGKILL at any moment leaves the old or the new state, never a torn one', async () => {
    expect(ipsim(['boot', '--profile', 'bare'], { state: t.state }).exit).toBe(0);
    for (const delay of [40, 120, 200, 280, 360]) {
      const child = spawn(process.execPath, [IPSIM, '-batch', '-'], { env: cleanEnv({ IPSIM_STATE: t.state }), stdio: ['pipe', 'ignore', 'ignore'] });
      const closed = new Promise((resolve) => child.on('close', resolve));
      // Killed before it reads its input: the pipe breaks, which is part of the point.
      child.stdin.on('error', () => undefined);
      child.stdin.end(`${lines.replace(/ s(\d+)/g, ` k${delay}_$1`)}\n`);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await closed;
      const listed = ipsim(['netns', 'list'], { state: t.state });
      expect({ exit: listed.exit, stderr: listed.stderr }).toEqual({ exit: 0, stderr: '' });
    }
  }, 60000);
});
