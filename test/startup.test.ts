// What a start costs (README "Speed"): built-in modules and libraries load only on the paths that
// use them. Checked by what a run loaded, never by timing it.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, IPSIM, ipsim, tempDir } from './helpers/cli.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

/** The built-in modules a run of the built command loaded beyond what Node loads for itself. */
function builtinsLoaded(args: string[], stdout: 'pipe' | 'ignore' = 'pipe'): string[] {
  const probe = join(t.dir, 'probe.cjs');
  writeFileSync(
    probe,
    [
      'const before = new Set(process.moduleLoadList);',
      "process.on('exit', () => require('fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13)))));",
    ].join('\n'),
  );
  const out = join(t.dir, 'loaded.json');
  const r = spawnSync(process.execPath, ['-r', probe, IPSIM, ...args], { env: cleanEnv({ IPSIM_STATE: t.state, PROBE_OUT: out }), encoding: 'utf8', stdio: ['pipe', stdout, 'pipe'] });
  expect(r.status).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

describe('built-in modules', () => {
  test('--version into a pipe loads none of tty, net, child_process and os', () => {
    const loaded = builtinsLoaded(['--version']);
    expect(loaded.filter((m) => ['tty', 'net', 'child_process', 'os'].includes(m))).toEqual([]);
  });

  test('netns list into a pipe loads none of tty, net, child_process, os and timers/promises', () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    const loaded = builtinsLoaded(['netns', 'list']);
    expect(loaded.filter((m) => ['tty', 'net', 'child_process', 'os', 'timers/promises'].includes(m))).toEqual([]);
  });

  test('netns list into /dev/null, a character device but no terminal, loads neither tty nor net', () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    const loaded = builtinsLoaded(['netns', 'list'], 'ignore');
    expect(loaded.filter((m) => ['tty', 'net'].includes(m))).toEqual([]);
  });

  test('netns add, which takes the lock, loads neither os nor timers/promises', () => {
    const loaded = builtinsLoaded(['netns', 'add', 'blue']);
    expect(loaded.filter((m) => ['os', 'timers/promises'].includes(m))).toEqual([]);
  });

  test('a command whose options commander parses loads none of child_process, net and tty', () => {
    const loaded = builtinsLoaded(['pernet', 'register-subsys', '--help']);
    expect(loaded.filter((m) => ['child_process', 'net', 'tty'].includes(m))).toEqual([]);
  });

  test('a -batch file loads neither perf_hooks nor os', () => {
    const file = join(t.dir, 'lines');
    writeFileSync(file, 'netns add blue\nnetns list\nnetns delete blue\n');
    const loaded = builtinsLoaded(['-batch', file]);
    expect(loaded.filter((m) => ['perf_hooks', 'os'].includes(m))).toEqual([]);
  });

  test('netns exec loads child_process', () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    expect(builtinsLoaded(['netns', 'exec', 'blue', 'true'])).toContain('child_process');
  });
});
