// SIGKILL at random moments (README, State file and Guarantees): writers of five kinds are killed with a fixed seed, and
// after each kill the state file is byte for byte the state before the command or the state an
// uninterrupted run leaves, the journal is its before or after (never ahead of the state), and no
// temp file accumulates: what a killed writer leaves is removed by the next one that writes.
//
// IPSIM_CRASH_KILLS (default 200) is the total number of kills, spread over the kinds, which run
// side by side; IPSIM_CRASH_SEED (default 7) the seed.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IPSIM, cleanEnv, ipsim, tempDir } from './helpers/cli.js';

const KILLS = Number(process.env.IPSIM_CRASH_KILLS ?? 200);
const SEED = Number(process.env.IPSIM_CRASH_SEED ?? 7);

/** mulberry32: a small PRNG, so that a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Kind {
  name: string;
  /** Lines run (as one batch file) to build the state before the command. */
  setup: string[];
  args: string[];
}

const many = Array.from({ length: 300 }, (_, i) => `netns add m${i}`);
const KINDS: Kind[] = [
  { name: 'netns add', setup: ['netns add a', 'netns add b'], args: ['netns', 'add', 'victim'] },
  { name: 'netns delete', setup: ['netns add a', 'netns add victim', 'netns add b'], args: ['netns', 'delete', 'victim'] },
  { name: 'register-subsys over 300 namespaces', setup: many, args: ['pernet', 'register-subsys', 'crash_net_ops', '--id', '--size', '64', '--init', 'crash_init'] },
  { name: 'a -batch of 200 lines', setup: ['netns add a'], args: ['-batch', 'BATCH'] },
  { name: '-all netns delete of 300 namespaces', setup: many, args: ['-all', 'netns', 'delete'] },
];
const BATCH = Array.from({ length: 200 }, (_, i) => (i % 4 === 3 ? `netns delete b${i - 1}` : `netns add b${i}`));

let t: ReturnType<typeof tempDir>;
beforeAll(() => {
  t = tempDir();
  writeFileSync(join(t.dir, 'batch'), `${BATCH.join('\n')}\n`);
});
afterAll(() => t.cleanup());

function argsOf(kind: Kind): string[] {
  return kind.args.map((a) => (a === 'BATCH' ? join(t.dir, 'batch') : a));
}

function files(dir: string): { state: string; journal: string } {
  return { state: readFileSync(join(dir, 'state.json'), 'latin1'), journal: readFileSync(join(dir, 'state.json.events'), 'latin1') };
}

/** Writes `state` and `journal` as the files of dir (the test's own plain writes, no writer runs). */
function restore(dir: string, from: string): void {
  copyFileSync(join(from, 'state.json'), join(dir, 'state.json'));
  copyFileSync(join(from, 'state.json.events'), join(dir, 'state.json.events'));
}

interface Outcome {
  pid: number;
  signal: NodeJS.Signals | null;
  code: number | null;
  /** From the spawn to the exit. */
  ms: number;
  /** From the lock's appearance to the exit, when it was seen. */
  lockedMs: number | undefined;
}

/**
 * Runs the command; SIGKILLs it `delayMs` after the spawn, or (`afterLock`) `delayMs` after its lock
 * appears in the state's directory: then the kill lands in the load, the change or the write.
 */
function runKilled(args: string[], state: string, delayMs: number, afterLock = false): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let locked: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(dirname(state), (_event, name) => {
      if (locked !== undefined || name !== `${basename(state)}.lock`) return;
      locked = performance.now();
      if (afterLock) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    const child = spawn(process.execPath, [IPSIM, ...args], { env: cleanEnv({ IPSIM_STATE: state }), stdio: 'ignore' });
    if (!afterLock) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      watcher.close();
      const end = performance.now();
      resolve({ pid: child.pid!, signal, code, ms: end - t0, lockedMs: locked === undefined ? undefined : end - locked });
    });
  });
}

interface Figures {
  kind: string;
  kills: number;
  completed: number;
  before: number;
  after: number;
  /** Kills that left a temp behind: the kill landed inside a write. */
  midWrite: number;
}

async function campaign(kind: Kind, index: number, kills: number): Promise<Figures> {
  const base = join(t.dir, `kind${index}`);
  const before = join(base, 'before');
  const after = join(base, 'after');
  const work = join(base, 'work');
  for (const d of [before, after, work]) mkdirSync(d, { recursive: true });
  writeFileSync(join(base, 'setup'), `${kind.setup.join('\n')}\n`);
  expect(ipsim(['-batch', join(base, 'setup')], { state: join(before, 'state.json') })).toMatchObject({ stderr: '', exit: 0 });
  // The after-state of an uninterrupted run, twice: the command is deterministic.
  // Durations: from the spawn, and from the lock's appearance, to the exit; estimates that follow
  // the runs that end before their kill.
  let duration = 0;
  let locked = 0;
  for (let i = 0; i < 2; i++) {
    restore(after, before);
    const run = await runKilled(argsOf(kind), join(after, 'state.json'), 60000);
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null });
    duration = Math.max(duration, run.ms);
    locked = Math.max(locked, run.lockedMs ?? 0);
    if (i === 0) copyFileSync(join(after, 'state.json'), join(base, 'first-after'));
  }
  expect(readFileSync(join(after, 'state.json'), 'latin1')).toBe(readFileSync(join(base, 'first-after'), 'latin1'));
  const B = files(before);
  const A = files(after);
  expect(A.state).not.toBe(B.state);

  const random = prng(SEED + index);
  const figures: Figures = { kind: kind.name, kills: 0, completed: 0, before: 0, after: 0, midWrite: 0 };
  // Pids killed since the last run that got as far as writing (which removes dead writers' temps).
  let pending = new Set<number>();
  restore(work, before);
  for (let i = 0; figures.kills < kills && i < kills * 3; i++) {
    // A third anywhere from the spawn on; the rest while the lock is held, where the write is.
    const afterLock = random() >= 1 / 3;
    const delay = afterLock ? locked * random() : duration * random();
    const run = await runKilled(argsOf(kind), join(work, 'state.json'), delay, afterLock);
    const now = files(work);
    const isBefore = now.state === B.state;
    const isAfter = now.state === A.state;
    expect({ iteration: i, delay, state: isBefore ? 'before' : isAfter ? 'after' : 'torn or other' }).toMatchObject({ state: expect.stringMatching(/^(before|after)$/) });
    // The journal follows the state: appended after the rename, so never ahead of it.
    expect(isBefore ? [B.journal] : [A.journal, B.journal]).toContain(now.journal);
    const temps = readdirSync(work).filter((f) => f.includes('.tmp-'));
    const owners = temps.map((f) => Number(/\.tmp-(\d+)-/.exec(f)?.[1]));
    if (run.signal === 'SIGKILL') {
      figures.kills++;
      if (isBefore) figures.before++;
      else figures.after++;
      if (owners.includes(run.pid)) figures.midWrite++;
    } else {
      expect({ code: run.code, after: isAfter }).toEqual({ code: 0, after: true });
      figures.completed++;
      duration = 0.8 * duration + 0.2 * run.ms;
      if (run.lockedMs !== undefined) locked = 0.8 * locked + 0.2 * run.lockedMs;
    }
    // Temps only of writers killed since the last run that reached its write.
    if (isAfter) pending = new Set();
    pending.add(run.pid);
    for (const owner of owners) expect(pending.has(owner)).toBe(true);
    if (isAfter) restore(work, before);
  }
  // One more writer, uninterrupted, leaves nothing but the state, its journal: no lock, no temp.
  restore(work, before);
  const last = await runKilled(argsOf(kind), join(work, 'state.json'), 60000);
  expect({ code: last.code, signal: last.signal }).toEqual({ code: 0, signal: null });
  expect(files(work)).toEqual(A);
  expect(readdirSync(work).sort()).toEqual(['state.json', 'state.json.events']);
  return figures;
}

test(
  `SIGKILL at random moments (${KILLS} kills, seed ${SEED}): the old state or the new, and no temp stays`,
  async () => {
    const per = Math.ceil(KILLS / KINDS.length);
    // Two kinds at a time: one per core of a 2-core machine, so timings stay close to a run alone.
    const figures: Figures[] = [];
    const queue = KINDS.map((kind, i) => () => campaign(kind, i, per));
    await Promise.all(
      [0, 1].map(async () => {
        for (let next = queue.shift(); next; next = queue.shift()) figures.push(await next());
      }),
    );
    const total = figures.reduce((s, f) => ({ kills: s.kills + f.kills, before: s.before + f.before, after: s.after + f.after, midWrite: s.midWrite + f.midWrite }), {
      kills: 0,
      before: 0,
      after: 0,
      midWrite: 0,
    });
    console.log(
      [...figures.map((f) => `${f.kind}: ${f.kills} kills (${f.before} before, ${f.after} after, ${f.midWrite} inside a write), ${f.completed} completed`), `total: ${JSON.stringify(total)}`].join(
        '\n',
      ),
    );
    for (const f of figures) expect(f.kills).toBe(per);
    // Both outcomes were reached: kills landed before the rename and after it.
    expect(total.before).toBeGreaterThan(0);
    expect(total.after).toBeGreaterThan(0);
  },
  600_000,
);
