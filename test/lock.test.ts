import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { acquireLock } from '../store/lock.js';
import { isAlive, parseStat, procStat, selfIdentity } from '../store/procfs.js';

// Real processes on a possibly loaded 2-core machine: generous limits everywhere.
jest.setTimeout(120_000);

const root = join(import.meta.dirname, '..');
const helper = join(root, 'test', 'helpers', 'lock-child.mjs');
let work: string;
let bundle: string;
let seq = 0;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ipsim-lock-test-'));
  // Child processes cannot import the TypeScript sources: give them a bundle of store/lock.ts.
  bundle = join(work, 'lock.bundle.mjs');
  buildSync({
    entryPoints: [join(root, 'store', 'lock.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: bundle,
    logLevel: 'silent',
  });
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A fresh directory (not yet created: acquireLock must create it) and a state path in it. */
function freshState(): { dir: string; state: string } {
  const dir = join(work, `case-${++seq}`, 'nested');
  return { dir, state: join(dir, 'state.json') };
}

function child(args: string[]): ChildProcess {
  return spawn(process.execPath, [helper, bundle, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Resolves with the exit code/signal once the child is gone (and reaped). */
function exited(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** Resolves when the child prints `line` on stdout. */
function printed(proc: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes(line)) resolve();
    });
    proc.on('exit', () => reject(new Error(`child exited before printing ${line}`)));
  });
}

function lockLeftovers(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.includes('.lock'));
}

/** pid and start time of a process that has exited and been reaped. */
async function deadIdentity(): Promise<{ pid: number; startTime: string }> {
  const proc = child(['idle']);
  const done = exited(proc);
  await printed(proc, 'ready');
  const pid = proc.pid!;
  const stat = procStat(pid);
  expect(stat).toBeDefined();
  proc.stdin?.end();
  const { code } = await done;
  expect(code).toBe(0);
  return { pid, startTime: stat!.startTime };
}

/**
 * A real zombie: perl forks a child that exits at once, prints its pid and sleeps without ever
 * calling wait(), so the child stays a zombie until the parent dies. (A shell may reap a background
 * job itself before it execs, so it cannot be relied on to leave one.)
 */
async function zombie(): Promise<{ pid: number; startTime: string; parent: ChildProcess }> {
  const parent = spawn('perl', ['-e', '$| = 1; my $p = fork(); exit 0 if $p == 0; print "$p\\n"; sleep 60'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pid = await new Promise<number>((resolve) => parent.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  for (let i = 0; i < 500 && procStat(pid)?.state !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
  const stat = procStat(pid);
  if (stat?.state !== 'Z' || stat.ppid !== parent.pid) {
    parent.kill('SIGKILL');
    throw new Error(`no zombie: ${JSON.stringify(stat)}`);
  }
  return { pid, startTime: stat.startTime, parent };
}

describe('procfs', () => {
  test('parseStat splits after the last ")" of comm', () => {
    // Fields: 1 pid, 2 comm, 3 state, 4 ppid, 5..21, 22 starttime, 23...
    const tail = Array.from({ length: 17 }, (_, i) => String(i + 5)).join(' '); // fields 5..21
    const text = `4242 (evil) (comm) 7 ) x) S 77 ${tail} 98765 3133440 358\n`;
    expect(parseStat(text)).toEqual({ state: 'S', ppid: 77, startTime: '98765' });
    expect(parseStat('4242 (a) S 1 2 3')).toBeUndefined();
    expect(parseStat('no parenthesis here')).toBeUndefined();
  });

  test('procStat and isAlive on real processes', () => {
    const self = procStat(process.pid);
    expect(self?.ppid).toBe(process.ppid);
    expect(self?.startTime).toMatch(/^\d+$/);
    expect(selfIdentity()).toEqual({ pid: process.pid, startTime: self?.startTime });
    expect(isAlive(process.pid, self!.startTime)).toBe(true);
    expect(isAlive(process.pid, String(BigInt(self!.startTime) + 1n))).toBe(false);
    expect(procStat(2 ** 31 - 1)).toBeUndefined();
    expect(isAlive(2 ** 31 - 1, '1')).toBe(false);
  });

  test('a zombie (exited, not reaped by its parent) is not alive', async () => {
    const { pid, startTime, parent } = await zombie();
    try {
      expect(procStat(pid)?.state).toBe('Z');
      expect(isAlive(pid, startTime)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('a reaped process is not alive', async () => {
    const dead = await deadIdentity();
    expect(isAlive(dead.pid, dead.startTime)).toBe(false);
  });
});

describe('acquireLock', () => {
  test('creates the directory, publishes a symlink to "pid starttime nonce", releases idempotently', async () => {
    const { dir, state } = freshState();
    const lock = await acquireLock(state);
    const me = selfIdentity();
    expect(readlinkSync(`${state}.lock`)).toMatch(new RegExp(`^${me.pid} ${me.startTime} [0-9a-f]+$`));
    lock.release();
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  test('release never removes a lock that is no longer ours', async () => {
    const { state } = freshState();
    const lock = await acquireLock(state);
    rmSync(`${state}.lock`);
    symlinkSync('1 1 abcdef', `${state}.lock`);
    lock.release();
    expect(readlinkSync(`${state}.lock`)).toBe('1 1 abcdef');
  });

  test('mutual exclusion: 8 processes x 25 increments give exactly 200', async () => {
    const { dir, state } = freshState();
    const counter = join(work, `counter-${seq}`);
    writeFileSync(counter, '0\n');
    const procs = Array.from({ length: 8 }, () => child(['counter', state, counter, '25']));
    const results = await Promise.all(procs.map(exited));
    for (const r of results) expect(r).toEqual({ code: 0, signal: null, stderr: '' });
    expect(readFileSync(counter, 'utf8')).toBe('200\n');
    expect(lockLeftovers(dir)).toEqual([]);
  });

  test('mutual exclusion holds while many waiters race to take over dead owners', async () => {
    // Each of 12 processes SIGKILLs itself while holding the lock on its last iteration, so
    // the others repeatedly find a dead owner's lock and race to break it.
    const { dir, state } = freshState();
    const counter = join(work, `counter-${seq}`);
    writeFileSync(counter, '0\n');
    const procs = Array.from({ length: 12 }, () => child(['counter', state, counter, '10', 'die']));
    const results = await Promise.all(procs.map(exited));
    for (const r of results) expect(r).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });
    expect(readFileSync(counter, 'utf8')).toBe('120\n');
    // The last one to die left its lock (and nothing else); it is taken over.
    expect(lockLeftovers(dir)).toEqual(['state.json.lock']);
    const lock = await acquireLock(state);
    lock.release();
    expect(lockLeftovers(dir)).toEqual([]);
  });

  test.each([
    ['a symlink', (line: string, lock: string) => symlinkSync(line, lock)],
    ["an earlier ipsim's regular file", (line: string, lock: string) => writeFileSync(lock, `${line}\n`)],
  ])("a dead process's lock, %s, is taken over promptly", async (_form, make) => {
    const { dir, state } = freshState();
    const dead = await deadIdentity();
    mkdirSync(dir, { recursive: true });
    make(`${dead.pid} ${dead.startTime} 0123456789abcdef`, `${state}.lock`);
    const t0 = performance.now();
    const lock = await acquireLock(state);
    expect(performance.now() - t0).toBeLessThan(1000);
    const me = selfIdentity();
    expect(readlinkSync(`${state}.lock`).startsWith(`${me.pid} ${me.startTime} `)).toBe(true);
    lock.release();
    expect(lockLeftovers(dir)).toEqual([]);
  });

  test("the holder that takes over a dead owner's lock removes the temps dead writers left, and only those", async () => {
    const { dir, state } = freshState();
    const dead = await deadIdentity();
    const me = selfIdentity();
    mkdirSync(dir, { recursive: true });
    const left = [`.state.json.tmp-${dead.pid}-${dead.startTime}-1a`, `.state.json.events.tmp-${dead.pid}-${dead.startTime}-2b`, `.state.json.lock.tmp-${dead.pid}-${dead.startTime}-3c`];
    // A live process's temp (this test's), a name that is no temp, another state's temp.
    const kept = [`.state.json.tmp-${me.pid}-${me.startTime}-4d`, '.state.json.tmp-notours', `.other.json.tmp-${dead.pid}-${dead.startTime}-5e`];
    for (const name of [...left, ...kept]) writeFileSync(join(dir, name), 'partial');
    // No dead lock: the temps are not looked for (a write makes no directory scan).
    (await acquireLock(state)).release();
    expect(readdirSync(dir).sort()).toEqual([...left, ...kept].sort());
    symlinkSync(`${dead.pid} ${dead.startTime} 0123456789abcdef`, `${state}.lock`);
    const lock = await acquireLock(state);
    expect(readdirSync(dir).sort()).toEqual([...kept, 'state.json.lock'].sort());
    lock.release();
  });

  test('a breaker killed after taking a dead lock over leaves its lock and its break lock: the next holder, taking that lock over, removes both', async () => {
    const { dir, state } = freshState();
    const dead = await deadIdentity();
    mkdirSync(dir, { recursive: true });
    symlinkSync(`${dead.pid} ${dead.startTime} 0123456789abcdef`, `${state}.lock`);
    symlinkSync(`${dead.pid} ${dead.startTime} 0123456789abcdf0`, `${state}.lock.break`);
    const lock = await acquireLock(state);
    expect(readdirSync(dir)).toEqual(['state.json.lock']);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a break lock that is no lock is refused by a breaker, which leaves the dead lock as it was', async () => {
    const { dir, state } = freshState();
    const dead = await deadIdentity();
    mkdirSync(dir, { recursive: true });
    const deadLine = `${dead.pid} ${dead.startTime} 0123456789abcdef`;
    symlinkSync(deadLine, `${state}.lock`);
    symlinkSync('nowhere', `${state}.lock.break`);
    await expect(acquireLock(state)).rejects.toThrow(`cannot use lock "${state}.lock.break": not a lock`);
    expect(readdirSync(dir).sort()).toEqual(['state.json.lock', 'state.json.lock.break']);
    rmSync(`${state}.lock.break`);
    mkdirSync(`${state}.lock.break`);
    await expect(acquireLock(state)).rejects.toThrow(`cannot use lock "${state}.lock.break": Is a directory`);
    expect(readlinkSync(`${state}.lock`)).toBe(deadLine);
  });

  test('a free lock is taken without looking at the break lock or the directory', async () => {
    // Only a breaker looks at the break lock, and only a takeover at the directory's temps.
    const { dir, state } = freshState();
    mkdirSync(dir, { recursive: true });
    mkdirSync(`${state}.lock.break`);
    const lock = await acquireLock(state);
    lock.release();
    expect(readdirSync(dir)).toEqual(['state.json.lock.break']);
  });

  test("the lock's directory is made when it is missing", async () => {
    const { dir, state } = freshState();
    const deep = join(dir, 'a', 'b', 'state.json');
    const lock = await acquireLock(deep);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['state.json.lock']);
    lock.release();
  });

  test('a lock that is a symlink to no lock line is refused at once (symlink(2) never shows half a line)', async () => {
    const { dir, state } = freshState();
    mkdirSync(dir, { recursive: true });
    symlinkSync('state.json', `${state}.lock`);
    await expect(acquireLock(state)).rejects.toThrow(`cannot use lock "${state}.lock": not a lock`);
    expect(readdirSync(dir)).toEqual(['state.json.lock']);
  });

  test("a live breaker's break lock is waited for, and left alone", async () => {
    const { dir, state } = freshState();
    const dead = await deadIdentity();
    mkdirSync(dir, { recursive: true });
    symlinkSync(`${dead.pid} ${dead.startTime} 0123456789abcdef`, `${state}.lock`);
    const me = selfIdentity();
    symlinkSync(`${me.pid} ${me.startTime} 0123456789abcdef`, `${state}.lock.break`);
    let acquired = false;
    const acquiring = acquireLock(state).then((l) => ((acquired = true), l));
    await new Promise((r) => setTimeout(r, 300));
    expect(acquired).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['state.json.lock', 'state.json.lock.break']);
    // The live breaker is done: the dead lock is taken over.
    rmSync(`${state}.lock.break`);
    const lock = await acquiring;
    expect(readlinkSync(`${state}.lock`).startsWith(`${me.pid} ${me.startTime} `)).toBe(true);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a zombie owner's lock is taken over promptly (an exited owner is not alive)", async () => {
    const { dir, state } = freshState();
    mkdirSync(dir, { recursive: true });
    const { pid, startTime, parent } = await zombie();
    try {
      symlinkSync(`${pid} ${startTime} 0123456789abcdef`, `${state}.lock`);
      const t0 = performance.now();
      const lock = await acquireLock(state);
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(procStat(pid)?.state).toBe('Z');
      lock.release();
      expect(lockLeftovers(dir)).toEqual([]);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('a lock through a symlink is the lock of its target', async () => {
    const { dir, state } = freshState();
    mkdirSync(dir, { recursive: true });
    const link = join(dir, 'link.json');
    symlinkSync('state.json', link);
    const lock = await acquireLock(link);
    expect(readdirSync(dir).sort()).toEqual(['link.json', 'state.json.lock']);
    let second = false;
    const waiting = acquireLock(state).then((l) => ((second = true), l));
    await new Promise((r) => setTimeout(r, 300));
    expect(second).toBe(false);
    lock.release();
    (await waiting).release();
    expect(readdirSync(dir)).toEqual(['link.json']);
  });

  test('a live pid with another start time (pid reuse) is treated as dead', async () => {
    const { dir, state } = freshState();
    mkdirSync(dir, { recursive: true });
    // process.pid is alive, but not with this start time.
    const other = String(BigInt(selfIdentity().startTime) + 1n);
    symlinkSync(`${process.pid} ${other} 0123456789abcdef`, `${state}.lock`);
    const t0 = performance.now();
    const lock = await acquireLock(state);
    expect(performance.now() - t0).toBeLessThan(1000);
    lock.release();
    expect(lockLeftovers(dir)).toEqual([]);
  });

  test('waits for a live owner however long, and gets the lock once it releases', async () => {
    const { dir, state } = freshState();
    const holder = child(['hold', state]);
    const done = exited(holder);
    await printed(holder, 'locked');

    let releaseRequested = false;
    let acquiredAfterRequest: boolean | undefined;
    const acquiring = acquireLock(state).then((lock) => {
      acquiredAfterRequest = releaseRequested;
      return lock;
    });
    // Much longer than any staleness timeout would allow a fast path to cheat, and the owner is
    // alive throughout, so the lock must not be taken.
    await new Promise((r) => setTimeout(r, 1500));
    expect(acquiredAfterRequest).toBeUndefined();
    expect(readlinkSync(`${state}.lock`).startsWith(`${holder.pid} `)).toBe(true);

    releaseRequested = true;
    holder.stdin?.end();
    const lock = await acquiring;
    expect(acquiredAfterRequest).toBe(true);
    expect(await done).toEqual({ code: 0, signal: null, stderr: '' });
    lock.release();
    expect(lockLeftovers(dir)).toEqual([]);
  });

  test('a process that exits normally while holding the lock releases it', async () => {
    const { dir, state } = freshState();
    const result = await exited(child(['exit-holding', state]));
    expect(result).toEqual({ code: 0, signal: null, stderr: '' });
    expect(existsSync(dir)).toBe(true);
    expect(lockLeftovers(dir)).toEqual([]);
  });

  /** A lock file (as an earlier ipsim or a foreign writer makes) without a valid line, dated `mtimeOffsetMs` from now. */
  function unreadableLock(content: string, mtimeOffsetMs: number): { dir: string; state: string; lockPath: string } {
    const { dir, state } = freshState();
    mkdirSync(dir, { recursive: true });
    const lockPath = `${state}.lock`;
    writeFileSync(lockPath, content);
    const mtime = new Date(Date.now() + mtimeOffsetMs);
    utimesSync(lockPath, mtime, mtime);
    return { dir, state, lockPath };
  }

  test('an old lock file without a valid line is abandoned; a young one is waited for', async () => {
    // Dated in the future, it stays young for the grace period this waiter measures (1 s).
    const { dir, state, lockPath } = unreadableLock('', 600_000);
    let acquired = false;
    const acquiring = acquireLock(state).then((l) => ((acquired = true), l));
    await new Promise((r) => setTimeout(r, 200));
    expect(acquired).toBe(false);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPath, old, old);
    const lock = await acquiring;
    lock.release();
    expect(lockLeftovers(dir)).toEqual([]);
  });

  test('an unreadable lock dated in the future is abandoned after the grace period, measured by the waiter', async () => {
    const { dir, state } = unreadableLock('garbage', 3_600_000);
    const t0 = performance.now();
    const lock = await acquireLock(state);
    const waited = performance.now() - t0;
    // The grace period is 1 s; the backoff adds at most 25 ms per poll.
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThan(3000);
    lock.release();
    expect(lockLeftovers(dir)).toEqual([]);
  });
});
