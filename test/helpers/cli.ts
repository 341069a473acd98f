// Runs the built command (bin/ipsim → dist/) as a subprocess, the way users and scripts do.
import { afterEach, beforeEach } from '@jest/globals';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

export const IPSIM = resolve('bin/ipsim');

export interface Run {
  stdout: string;
  stderr: string;
  exit: number | null;
  signal: NodeJS.Signals | null;
}

/** A scrubbed environment: no colour, no terminal, no inherited state, no CA bundle to parse. */
/** Whether the state's lock is there: a symlink to its owner's line, which existsSync would follow to nothing. */
export function lockExists(state: string): boolean {
  return lstatSync(`${state}.lock`, { throwIfNoEntry: false }) !== undefined;
}

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1', TERM: 'dumb', LC_ALL: 'C', HOME: process.env.HOME ?? '/tmp', ...extra };
}

export function ipsim(args: readonly string[], options: { state: string; stdin?: string; env?: Record<string, string>; cwd?: string }): Run {
  const result = spawnSync(process.execPath, [IPSIM, ...args], {
    input: options.stdin ?? '',
    env: cleanEnv({ IPSIM_STATE: options.state, ...options.env }),
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: 20000,
  });
  if (result.error) throw result.error;
  return { stdout: result.stdout, stderr: result.stderr, exit: result.status, signal: result.signal };
}

/** A temporary directory for one test's state, removed by the returned cleanup. */
export function tempDir(): { dir: string; state: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ipsim-test-'));
  return { dir, state: join(dir, 'state.json'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls check until it holds; fails the test after timeout ms. */
export async function until(what: string, check: () => boolean, timeout = 15000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Processes a test started in the background; those still running are killed after it. */
export class Background {
  private readonly children: ChildProcess[] = [];

  track<T extends ChildProcess>(child: T): T {
    this.children.push(child);
    return child;
  }

  killAll(): void {
    for (const child of this.children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/**
 * A fresh state directory for each test of the file (removed after it) and the processes the test
 * left running (killed after it). Call at the top level of a test file.
 */
export function stateFixture(): { readonly dir: string; readonly state: string; readonly background: Background } {
  let current: ReturnType<typeof tempDir> | undefined;
  const background = new Background();
  beforeEach(() => {
    current = tempDir();
  });
  afterEach(() => {
    background.killAll();
    current?.cleanup();
    current = undefined;
  });
  const now = (): ReturnType<typeof tempDir> => {
    if (!current) throw new Error('no test is running');
    return current;
  };
  return {
    get dir() {
      return now().dir;
    },
    get state() {
      return now().state;
    },
    background,
  };
}

/** Kills an `exec` wrapper and its CMD with SIGKILL, as a crash would, and waits until both are gone. */
export async function killHolder(holder: { wrapper_pid: number; cmd_pid: number }, wrapperEnded: Promise<unknown>): Promise<void> {
  process.kill(holder.wrapper_pid, 'SIGKILL');
  process.kill(holder.cmd_pid, 'SIGKILL');
  await wrapperEnded;
  await until('the CMD to be gone', () => {
    try {
      process.kill(holder.cmd_pid, 0);
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * The base names of the files whose paths match `which` that a run read with fs.readFileSync, in
 * order, as a preloaded probe sees them (bin/ipsim reads its bundles and caches so). `run` starts
 * the process with the environment it is given added to its own.
 */
export function filesRead(which: RegExp, run: (env: Record<string, string>) => void): string[] {
  const { dir, cleanup } = tempDir();
  try {
    const probe = join(dir, 'probe.cjs');
    const out = join(dir, 'read.txt');
    writeFileSync(
      probe,
      [
        "const fs = require('node:fs');",
        'const read = fs.readFileSync;',
        'const which = new RegExp(process.env.PROBE_WHICH);',
        "fs.readFileSync = function (file, ...rest) { if (typeof file === 'string' && which.test(file)) fs.appendFileSync(process.env.PROBE_OUT, `${file}\\n`); return read.call(this, file, ...rest); };",
      ].join('\n'),
    );
    run({ NODE_OPTIONS: `--require ${probe}`, PROBE_OUT: out, PROBE_WHICH: which.source });
    const files = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((line) => line !== '') : [];
    return files.map((file) => basename(file));
  } finally {
    cleanup();
  }
}

/**
 * The files of dist/ other than the bundle that `ipsim args` runs (the whole CLI's or an object's):
 * the modules bundled apart (build.mjs), in the order it reads them.
 */
export function distFilesLoaded(args: readonly string[], state: string): string[] {
  return filesRead(/\/dist\/[^/]+\.cjs$/, (env) => ipsim(args, { state, env })).filter((name) => !/^ipsim(\.[a-z]+)?\.cjs$/.test(name));
}
