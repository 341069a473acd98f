// The state file in a hostile environment (README, State file): what is not a regular file is refused
// at once, every errno the filesystem returns is one line naming the path and the reason with exit
// 1 and the state as it was, symlinks lead to one file and one lock, modes are owner-only, and the
// temps of killed writers do not stay.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { procStat, selfIdentity } from '../store/procfs.js';
import { IPSIM, cleanEnv, ipsim, lockExists, tempDir, type Run } from './helpers/cli.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed`);
}

/** One line on stderr, nothing on stdout, exit 1. */
function refused(run: Run, line: string): void {
  expect(run).toMatchObject({ stdout: '', stderr: `${line}\n`, exit: 1, signal: null });
}

/** Runs ipsim through sh, e.g. under a umask or as another user. */
function viaShell(prefix: string, args: string[], state: string): Run {
  const quoted = [process.execPath, IPSIM, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('sh', ['-c', `${prefix} ${quoted}`], { env: cleanEnv({ IPSIM_STATE: state }), encoding: 'utf8', timeout: 20000 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, exit: r.status, signal: r.signal };
}

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;

describe('a state or lock that is not a regular file is refused at once', () => {
  test('a FIFO as the state: reads and writes refuse it (no wait for a writer)', () => {
    mkfifo(t.state);
    for (const args of [['netns', 'list'], ['netns', 'add', 'blue'], ['-batch', '-']]) {
      refused(ipsim(args, { state: t.state, stdin: 'netns add red\n' }), `Error: cannot use state file "${t.state}": not a regular file`);
    }
    expect(lstatSync(t.state).isFIFO()).toBe(true);
  });

  test('a directory as the state: refused by reads, writes and reset', () => {
    mkdirSync(t.state);
    refused(ipsim(['netns', 'list'], { state: t.state }), `Error: cannot use state file "${t.state}": Is a directory`);
    refused(ipsim(['netns', 'add', 'blue'], { state: t.state }), `Error: cannot use state file "${t.state}": Is a directory`);
    refused(ipsim(['reset'], { state: t.state }), `Error: cannot remove state file "${t.state}": Is a directory`);
    expect(statSync(t.state).isDirectory()).toBe(true);
    expect(readdirSync(t.dir)).toEqual(['state.json']);
  });

  test.each([
    ['a FIFO', (p: string) => mkfifo(p), 'not a regular file'],
    ['a directory', (p: string) => mkdirSync(p), 'Is a directory'],
    ['a symlink to no lock line', (p: string) => symlinkSync('nowhere', p), 'not a lock'],
  ])('%s as the lock: a writer refuses it, the state is kept', (_what, make, reason) => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    const before = readFileSync(t.state, 'utf8');
    make(`${t.state}.lock`);
    refused(ipsim(['netns', 'add', 'red'], { state: t.state }), `Error: cannot use lock "${t.state}.lock": ${reason}`);
    expect(readFileSync(t.state, 'utf8')).toBe(before);
    expect(readdirSync(t.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // A command that changes nothing takes no lock, so it still works.
    expect(ipsim(['netns', 'list'], { state: t.state })).toMatchObject({ stdout: 'blue\n', exit: 0 });
  });

  test.each([
    ['a FIFO', (p: string) => mkfifo(p), 'not a regular file'],
    ['a directory', (p: string) => mkdirSync(p), 'Is a directory'],
  ])('%s as the journal: netns monitor refuses it at once', (_what, make, reason) => {
    make(`${t.state}.events`);
    refused(ipsim(['netns', 'monitor'], { state: t.state }), `Error: cannot use journal "${t.state}.events": ${reason}`);
  });
});

describe('environment errors: one line naming the path and the reason, exit 1, the state as it was', () => {
  test('the state directory is a file (ENOTDIR)', () => {
    const file = join(t.dir, 'file');
    writeFileSync(file, 'x');
    const state = join(file, 'state.json');
    refused(ipsim(['netns', 'list'], { state }), `Error: cannot use state file "${state}": Not a directory`);
    refused(ipsim(['netns', 'add', 'blue'], { state }), `Error: cannot use state file "${state}": Not a directory`);
    refused(ipsim(['reset'], { state }), `Error: cannot use state file "${state}": Not a directory`);
  });

  test('a symlink loop as the state (ELOOP)', () => {
    symlinkSync('b.json', join(t.dir, 'a.json'));
    symlinkSync('a.json', join(t.dir, 'b.json'));
    const state = join(t.dir, 'a.json');
    refused(ipsim(['netns', 'list'], { state }), `Error: cannot use state file "${state}": Too many levels of symbolic links`);
    refused(ipsim(['netns', 'add', 'blue'], { state }), `Error: cannot use state file "${state}": Too many levels of symbolic links`);
  });

  test('a journal that cannot be written: the command fails and the state is put back', () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    const before = readFileSync(t.state, 'utf8');
    const journal = `${t.state}.events`;
    const fresh = tempDir();
    try {
      // Without a state yet, a failed journal leaves no state either.
      mkdirSync(`${fresh.state}.events`);
      refused(ipsim(['netns', 'add', 'red'], { state: fresh.state }), `Error: cannot write journal "${fresh.state}.events": Is a directory`);
      expect(readdirSync(fresh.dir)).toEqual(['state.json.events']);
    } finally {
      fresh.cleanup();
    }
    rmSync(journal);
    mkdirSync(journal);
    refused(ipsim(['netns', 'add', 'red'], { state: t.state }), `Error: cannot write journal "${journal}": Is a directory`);
    expect(readFileSync(t.state, 'utf8')).toBe(before);
    expect(readdirSync(t.dir).sort()).toEqual(['state.json', 'state.json.events']);
    // A command that writes no event needs no journal.
    expect(ipsim(['netns', 'set', 'blue', '7'], { state: t.state })).toMatchObject({ stderr: '', exit: 0 });
  });

  // nobody must reach the checkout itself: a clone below a 0700 directory (mktemp -d) is out of its reach.
  const nobodyRuns =
    isRoot &&
    hasSetpriv &&
    spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, IPSIM, '--version']).status === 0;
  const asNobody = nobodyRuns ? test : test.skip;
  if (!nobodyRuns) console.log('skipped: EACCES cases need root, setpriv and a checkout that nobody can read, to run ipsim as nobody');

  asNobody('permission denied (EACCES), run as nobody: reading, locking, creating the directory', () => {
    chmodSync(t.dir, 0o755);
    const nobody = 'setpriv --reuid=65534 --regid=65534 --clear-groups';
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    const before = readFileSync(t.state, 'utf8');
    // 0600 and root's: nobody may not even read it.
    refused(viaShell(nobody, ['netns', 'list'], t.state), `Error: cannot use state file "${t.state}": Permission denied`);
    chmodSync(t.state, 0o644);
    expect(viaShell(nobody, ['netns', 'list'], t.state)).toMatchObject({ stdout: 'blue\n', exit: 0 });
    refused(viaShell(nobody, ['netns', 'add', 'red'], t.state), `Error: cannot create lock "${t.state}.lock": Permission denied`);
    const nested = join(t.dir, 'sub', 'state.json');
    refused(viaShell(nobody, ['netns', 'add', 'red'], nested), `Error: cannot create directory "${join(t.dir, 'sub')}": Permission denied`);
    expect(readFileSync(t.state, 'utf8')).toBe(before);
    expect(readdirSync(t.dir).sort()).toEqual(['state.json', 'state.json.events']);
  });
});

describe('modes', () => {
  test('under umask 000 the state and the journal are created 0600', () => {
    expect(viaShell('umask 000;', ['netns', 'add', 'blue'], t.state)).toMatchObject({ stderr: '', exit: 0 });
    expect(statSync(t.state).mode & 0o7777).toBe(0o600);
    expect(statSync(`${t.state}.events`).mode & 0o7777).toBe(0o600);
  });

  test('a rewrite keeps the mode of an existing state and journal', () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    chmodSync(t.state, 0o640);
    chmodSync(`${t.state}.events`, 0o604);
    expect(viaShell('umask 077;', ['netns', 'add', 'red'], t.state)).toMatchObject({ stderr: '', exit: 0 });
    expect(ipsim(['netns', 'list'], { state: t.state }).stdout).toBe('red\nblue\n');
    expect(statSync(t.state).mode & 0o7777).toBe(0o640);
    expect(statSync(`${t.state}.events`).mode & 0o7777).toBe(0o604);
  });
});

describe('a state reached through a symlink', () => {
  function spawnAdd(state: string, name: string): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [IPSIM, 'netns', 'add', name], { env: cleanEnv({ IPSIM_STATE: state }), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }

  test('12 writers through real.json and 12 through link.json lose nothing: one lock, one file', async () => {
    const real = join(t.dir, 'real.json');
    const link = join(t.dir, 'link.json');
    expect(ipsim(['boot'], { state: real }).exit).toBe(0);
    symlinkSync('real.json', link);
    const names = Array.from({ length: 24 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    const results = await Promise.all(names.map((name, i) => spawnAdd(i % 2 === 0 ? real : link, name)));
    expect(results).toEqual(names.map(() => ({ code: 0, stderr: '' })));
    expect(ipsim(['netns', 'list'], { state: link }).stdout.trim().split('\n').sort()).toEqual(names);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(t.dir).sort()).toEqual(['link.json', 'real.json', 'real.json.events']);
    const journal = readFileSync(`${real}.events`, 'utf8').trim().split('\n');
    expect(journal.map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
  }, 60000);

  test('a dangling symlink: the first write creates its target (and directory), the link stays', () => {
    const link = join(t.dir, 'link.json');
    const target = join(t.dir, 'sub', 'real.json');
    symlinkSync('sub/real.json', link);
    expect(ipsim(['netns', 'add', 'blue'], { state: link })).toMatchObject({ stderr: '', exit: 0 });
    expect(readlinkSync(link)).toBe('sub/real.json');
    expect(ipsim(['netns', 'list'], { state: target }).stdout).toBe('blue\n');
    expect(readdirSync(join(t.dir, 'sub')).sort()).toEqual(['real.json', 'real.json.events']);
    expect(statSync(target).mode & 0o7777).toBe(0o600);
    // reset removes what the link leads to, and keeps the link.
    expect(ipsim(['reset'], { state: link })).toMatchObject({ stderr: '', exit: 0 });
    expect(readdirSync(join(t.dir, 'sub'))).toEqual([]);
    expect(readlinkSync(link)).toBe('sub/real.json');
  });
});

describe('temps of killed writers do not stay', () => {
  test("a writer taking over a dead writer's lock removes the temps it left of the state, journal and lock, and keeps others' files", async () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    // A process that has exited (and was reaped): its identity is dead.
    const child = spawn('sleep', ['0']);
    const pid = child.pid!;
    const start = procStat(pid)?.startTime ?? '1';
    await new Promise((r) => child.on('close', r));
    const me = selfIdentity();
    const dead = [`.state.json.tmp-${pid}-${start}-1a`, `.state.json.events.tmp-${pid}-${start}-2b`, `.state.json.lock.tmp-${pid}-${start}-3c`];
    // This test's own process is alive: its temps are a live writer's.
    const kept = [`.state.json.lock.tmp-${me.pid}-${me.startTime}-4d`, '.state.json.tmp-notours', '.other.json.tmp-1-1-5e'];
    for (const name of [...dead, ...kept]) writeFileSync(join(t.dir, name), 'partial');
    // The writer killed with its temps left its lock.
    symlinkSync(`${pid} ${start} 0123456789abcdef`, `${t.state}.lock`);
    expect(ipsim(['netns', 'add', 'red'], { state: t.state })).toMatchObject({ stderr: '', exit: 0 });
    expect(readdirSync(t.dir).sort()).toEqual([...kept, 'state.json', 'state.json.events'].sort());
    expect(lockExists(t.state)).toBe(false);
  });
});
