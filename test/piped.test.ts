// With stdin, stdout and stderr pipes (scripts, CI): no prompt, no spinner frame, no escape code,
// and the old behaviour; inquirer and ora are not even loaded by non-interactive commands.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, IPSIM, ipsim, stateFixture } from './helpers/cli.js';

const fx = stateFixture();
const run = (...args: string[]) => ipsim(args, { state: fx.state });
const ESCAPE = /\x1b/;

/** What bundled inquirer and ora look like in dist/: a class each defines. */
const INQUIRER = 'ExitPromptError = class extends Error';
const ORA = 'var Ora = class';

/** The dist/ module files `ipsim args` loads, piped. */
function loaded(args: readonly string[]): string[] {
  const log = join(fx.dir, 'loaded.log');
  const r = spawnSync(process.execPath, ['--import', resolve('test/helpers/loaded-hook.mjs'), IPSIM, ...args], {
    env: cleanEnv({ IPSIM_STATE: fx.state, IPSIM_LOADED_LOG: log }),
    encoding: 'utf8',
    input: '',
  });
  expect(r.status).toBe(0);
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:') && url.includes('/dist/'))
    .map((url) => fileURLToPath(url));
}

describe('start-up of non-interactive commands', () => {
  test('dist/ holds inquirer and ora, each in chunks of its own that the markers find', () => {
    const chunks = readdirSync('dist/chunks').map((f) => readFileSync(join('dist/chunks', f), 'utf8'));
    expect(chunks.filter((c) => c.includes(INQUIRER))).toHaveLength(1);
    expect(chunks.filter((c) => c.includes(ORA))).toHaveLength(1);
  }, 30000);

  test.each([[['netns', 'list']], [['pernet', 'list']], [['-batch', '-']], [['show', 'lists']]])('piped %j loads neither inquirer nor ora', (args) => {
    expect(run('boot').exit).toBe(0);
    const files = loaded(args);
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect({ file, inquirer: text.includes(INQUIRER), ora: text.includes(ORA) }).toEqual({ file, inquirer: false, ora: false });
    }
  }, 30000);
});

describe('piped runs never prompt', () => {
  test('register-subsys with no NAME: the old error, no question', () => {
    expect(run('pernet', 'register-subsys', '--id')).toEqual({ stdout: '', stderr: 'Error: pernet register-subsys needs an ops NAME\n', exit: 1, signal: null });
    expect(run('pernet', 'register-device')).toMatchObject({ stdout: '', stderr: 'Error: pernet register-device needs an ops NAME\n', exit: 1 });
  }, 30000);

  test('reset without -force deletes the state without asking, exit 0', () => {
    expect(run('boot').exit).toBe(0);
    expect(run('reset')).toEqual({ stdout: '', stderr: '', exit: 0, signal: null });
    expect(existsSync(fx.state)).toBe(false);
  }, 30000);
});

describe('piped runs never spin', () => {
  test('a long batch: no escape code or spinner frame on stdout or stderr', () => {
    const batch = join(fx.dir, 'big.txt');
    writeFileSync(batch, [...Array.from({ length: 3000 }, (_, i) => `netns add n${i}`), 'pernet register-subsys x_ops --id --size 8 --init x_init', 'netns list'].join('\n'));
    const r = run('-batch', batch);
    expect(r.exit).toBe(0);
    expect(r.stderr).toBe('');
    expect(ESCAPE.test(r.stdout)).toBe(false);
    expect(r.stdout.split('\n')).toHaveLength(3001);
  }, 30000);

  test('show lists --format svg: the SVG on stdout, nothing on stderr', () => {
    const r = run('show', 'lists', '--format', 'svg');
    expect(r).toMatchObject({ exit: 0, stderr: '' });
    expect(r.stdout.startsWith('<?xml')).toBe(true);
    expect(ESCAPE.test(r.stdout)).toBe(false);
  }, 30000);
});
