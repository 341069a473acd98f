// Runs the built command (bin/ipsim → dist/) as a subprocess, the way users and scripts do.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const IPSIM = resolve('bin/ipsim');

export interface Run {
  stdout: string;
  stderr: string;
  exit: number | null;
  signal: NodeJS.Signals | null;
}

/** A scrubbed environment: no colour, no terminal, no inherited state, no CA bundle to parse. */
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
