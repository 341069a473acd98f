// With stdin, stdout and stderr pipes (scripts, CI): no prompt, no spinner frame, no escape code,
// and the old behaviour; inquirer and ora are not even loaded by non-interactive commands.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distFilesLoaded, ipsim, stateFixture } from './helpers/cli.js';

const fx = stateFixture();
const run = (...args: string[]) => ipsim(args, { state: fx.state });
const ESCAPE = /\x1b/;

/** What bundled inquirer and ora look like, minified: a name and a property only they define. */
const INQUIRER = '"HookError"';
const ORA = 'isSpinning';

describe('start-up of non-interactive commands', () => {
  test('inquirer and ora are files of their own in dist/, not in the bundles every start reads', () => {
    for (const file of ['ipsim.cjs', 'ipsim.netns.cjs', 'ipsim.pernet.cjs', 'ipsim.show.cjs', 'ipsim.usage.cjs']) {
      const bundle = readFileSync(`dist/${file}`, 'latin1');
      expect([file, bundle.includes(INQUIRER), bundle.includes(ORA)]).toEqual([file, false, false]);
    }
    expect(readFileSync('dist/inquirer.cjs', 'latin1').includes(INQUIRER)).toBe(true);
    expect(readFileSync('dist/ora.cjs', 'latin1').includes(ORA)).toBe(true);
  }, 30000);

  test.each([[['netns', 'list']], [['pernet', 'list']], [['-batch', '-']], [['show', 'lists']]])('piped %j loads neither inquirer nor ora', (args) => {
    expect(run('boot').exit).toBe(0);
    expect(distFilesLoaded(args, fx.state)).toEqual([]);
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
