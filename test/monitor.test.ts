// `netns monitor` (README, State file: the journal): the journal follower driven step by step against journals
// written here, then the built command against real writers.
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalFollower } from '../commands/netns_monitor.js';
import { appendJournal } from '../store/write.js';
import { cleanEnv, ipsim, IPSIM, tempDir } from './helpers/cli.js';

// The end-to-end test runs real processes on a possibly loaded machine.
jest.setTimeout(120_000);

type Ev = 'add' | 'delete';

function line(seq: number, ev: Ev, name: string): string {
  return `${JSON.stringify({ seq, ev, name })}\n`;
}

/** Lines for events numbered from `from`, as a writer appends them. */
function lines(from: number, events: ReadonlyArray<[Ev, string]>): string {
  return events.map(([ev, name], i) => line(from + i, ev, name)).join('');
}

let tmp: ReturnType<typeof tempDir>;
let journal: string;
let printed: string[];
let follower: JournalFollower | undefined;

function follow(): JournalFollower {
  follower = new JournalFollower(journal, (text) => printed.push(text));
  return follower;
}

/** What the follower printed since the last call. */
function take(): string {
  const text = printed.join('');
  printed = [];
  return text;
}

beforeEach(() => {
  tmp = tempDir();
  journal = `${tmp.state}.events`;
  printed = [];
  follower = undefined;
});

afterEach(() => {
  follower?.stop();
  tmp.cleanup();
});

describe('JournalFollower', () => {
  test('starts at the end: events already in the journal are not printed', () => {
    writeFileSync(journal, lines(1, [['add', 'a'], ['add', 'b'], ['delete', 'a']]));
    const f = follow();
    f.poll();
    f.poll();
    expect(take()).toBe('');
  });

  test('prints new events in order, each once', () => {
    writeFileSync(journal, lines(1, [['add', 'old']]));
    const f = follow();
    appendFileSync(journal, lines(2, [['add', 'a'], ['add', 'b']]));
    f.poll();
    expect(printed).toEqual(['add a\n', 'add b\n']); // one write per line, as soon as read
    take();
    f.poll();
    expect(take()).toBe('');
    appendFileSync(journal, lines(4, [['delete', 'b'], ['delete', 'a']]));
    f.poll();
    expect(take()).toBe('delete b\ndelete a\n');
  });

  test('a journal created after the start is printed from its beginning', () => {
    const f = follow();
    f.poll();
    writeFileSync(journal, lines(1, [['add', 'a'], ['delete', 'a']]));
    f.poll();
    expect(take()).toBe('add a\ndelete a\n');
  });

  test('a partial last line is held until its newline arrives', () => {
    writeFileSync(journal, lines(1, [['add', 'old']]));
    const f = follow();
    const next = line(2, 'add', 'a') + line(3, 'delete', 'a');
    appendFileSync(journal, next.slice(0, 10));
    f.poll();
    expect(take()).toBe('');
    appendFileSync(journal, next.slice(10, next.length - 1)); // everything but the final newline
    f.poll();
    expect(take()).toBe('add a\n');
    appendFileSync(journal, '\n');
    f.poll();
    expect(take()).toBe('delete a\n');
  });

  test('a partial line at the start is an event still being written: printed when complete', () => {
    const partial = line(2, 'add', 'a');
    writeFileSync(journal, line(1, 'add', 'old') + partial.slice(0, 5));
    const f = follow();
    appendFileSync(journal, partial.slice(5));
    f.poll();
    expect(take()).toBe('add a\n');
  });

  test('the rewrite keeping the newer half (a new inode) prints nothing twice', () => {
    const events: Array<[Ev, string]> = [];
    for (let i = 1; i <= 20; i++) events.push(['add', `n${i}`]);
    writeFileSync(journal, lines(1, events.slice(0, 10)));
    const f = follow();
    appendFileSync(journal, lines(11, events.slice(10, 12)));
    f.poll();
    expect(take()).toBe('add n11\nadd n12\n');
    appendFileSync(journal, lines(13, events.slice(12, 13)));
    // The writer's rewrite: the newer half plus the new lines, renamed over the journal, before
    // the follower read seq 13.
    const before = statSync(journal).ino;
    writeFileSync(`${journal}.tmp`, lines(8, events.slice(7, 14)));
    renameSync(`${journal}.tmp`, journal);
    expect(statSync(journal).ino).not.toBe(before);
    f.poll();
    expect(take()).toBe('add n13\nadd n14\n');
    appendFileSync(journal, lines(15, events.slice(14, 15)));
    f.poll();
    expect(take()).toBe('add n15\n');
  });

  test('reset (the journal removed, then a new one from seq 1) is printed from its start', () => {
    writeFileSync(journal, lines(1, [['add', 'a'], ['add', 'b'], ['add', 'c']]));
    const f = follow();
    rmSync(journal);
    f.poll();
    writeFileSync(journal, lines(1, [['add', 'x'], ['delete', 'x']]));
    f.poll();
    expect(take()).toBe('add x\ndelete x\n');
    appendFileSync(journal, lines(3, [['add', 'y']]));
    f.poll();
    expect(take()).toBe('add y\n');
  });

  test('reset seen only as a new inode whose first line is seq 1 starts over too', () => {
    writeFileSync(journal, lines(1, [['add', 'a'], ['add', 'b'], ['add', 'c']]));
    const f = follow();
    appendFileSync(journal, lines(4, [['add', 'd']]));
    f.poll();
    expect(take()).toBe('add d\n');
    // Removed and re-created between two polls.
    writeFileSync(`${journal}.tmp`, lines(1, [['add', 'x'], ['add', 'y']]));
    rmSync(journal);
    renameSync(`${journal}.tmp`, journal);
    f.poll();
    expect(take()).toBe('add x\nadd y\n');
  });

  test('reset that gets the old inode number back is still noticed', () => {
    writeFileSync(journal, lines(1, [['add', 'a'], ['add', 'b'], ['add', 'c']]));
    const f = follow();
    appendFileSync(journal, lines(4, [['add', 'd']]));
    f.poll();
    take();
    // The same inode with other contents: what unlink then create often gives on tmpfs and ext4.
    writeFileSync(journal, lines(1, [['add', 'x'], ['add', 'y'], ['add', 'z'], ['add', 'w'], ['add', 'v']]));
    f.poll();
    expect(take()).toBe('add x\nadd y\nadd z\nadd w\nadd v\n');
  });

  test('a new journal whose first line is incomplete waits for it', () => {
    writeFileSync(journal, lines(1, [['add', 'a']]));
    const f = follow();
    rmSync(journal);
    writeFileSync(journal, '{"seq":1,"ev"');
    f.poll();
    expect(take()).toBe('');
    appendFileSync(journal, ':"add","name":"x"}\n');
    f.poll();
    expect(take()).toBe('add x\n');
  });

  test('names are printed raw: spaces, quotes, backslashes, UTF-8', () => {
    const f = follow();
    const names = ['a b', 'q"uote', "it's", 'back\\slash', 'tab\there', 'ünï ☃', '-all'];
    writeFileSync(journal, lines(1, names.map((n): [Ev, string] => ['add', n])));
    f.poll();
    expect(take()).toBe(names.map((n) => `add ${n}\n`).join(''));
  });

  test('lines that are not events are skipped', () => {
    const f = follow();
    writeFileSync(journal, `${line(1, 'add', 'a')}garbage\n{"seq":2,"ev":"rename","name":"b"}\n${line(3, 'delete', 'a')}`);
    f.poll();
    expect(take()).toBe('add a\ndelete a\n');
  });

  test("with the real writer, across its rewrite past 256 KiB, every event is printed exactly once", () => {
    appendJournal(tmp.state, [{ ev: 'add', name: 'before' }]);
    const f = follow();
    let expected = '';
    const inodes = new Set<number>();
    for (let batch = 0; batch < 80; batch++) {
      const events = Array.from({ length: 100 }, (_, i) => ({ ev: i % 2 ? 'delete' as const : 'add' as const, name: `probe_${batch}_${i}` }));
      appendJournal(tmp.state, events);
      inodes.add(statSync(journal).ino);
      expected += events.map((e) => `${e.ev} ${e.name}\n`).join('');
      if (batch % 7 === 0) f.poll(); // several batches, and the rewrite, between some polls
    }
    f.poll();
    expect(inodes.size).toBeGreaterThan(1); // the journal was rewritten
    expect(take()).toBe(expected);
  });

  test('start() follows by itself (watch and timer) until stop()', async () => {
    const f = follow();
    f.start();
    writeFileSync(journal, lines(1, [['add', 'a']]));
    const deadline = Date.now() + 30_000;
    while (printed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(take()).toBe('add a\n');
    f.stop();
    appendFileSync(journal, lines(2, [['add', 'b']]));
    await new Promise((r) => setTimeout(r, 300));
    expect(take()).toBe('');
  });
});

/** Whether process pid has an inotify watch: the monitor has read the journal's end and is watching. */
function watching(pid: number): boolean {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
      if (readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').includes('inotify wd:')) return true;
    }
  } catch {
    // the process is starting or gone
  }
  return false;
}

async function until(what: string, done: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('ipsim netns monitor', () => {
  // The commands of ip-netns.md §7.6; the expected lines are those of its pseudo-tty monitor.
  test('prints add/delete of other processes, nothing for a duplicate add or set; dies by SIGTERM', async () => {
    const child = spawn(process.execPath, [IPSIM, 'netns', 'monitor'], {
      env: cleanEnv({ IPSIM_STATE: tmp.state }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      await until('the monitor to watch', () => watching(child.pid!) || child.exitCode !== null);
      expect(child.exitCode).toBeNull();

      expect(ipsim(['netns', 'add', 'probe_m1'], { state: tmp.state }).exit).toBe(0);
      expect(ipsim(['netns', 'add', 'probe_m1'], { state: tmp.state }).exit).toBe(1);
      expect(ipsim(['netns', 'set', 'probe_m1', 'auto'], { state: tmp.state }).exit).toBe(0);
      expect(ipsim(['netns', 'delete', 'probe_m1'], { state: tmp.state }).exit).toBe(0);
      // A PID that does not exist: the name is created, then removed again (add, then delete).
      expect(ipsim(['netns', 'attach', 'probe_m2', '999999999'], { state: tmp.state }).exit).toBe(1);

      const expected = 'add probe_m1\ndelete probe_m1\nadd probe_m2\ndelete probe_m2\n';
      await until('the monitor output', () => stdout.length >= expected.length || child.exitCode !== null);
      // Time for a wrongly printed extra line to show up before the monitor is killed.
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      const end = await exited;
      expect({ stdout, stderr }).toEqual({ stdout: expected, stderr: '' });
      expect(end).toEqual({ code: null, signal: 'SIGTERM' });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
