// ipsim's own options (commands/options.ts): a plain command line is read from the command's spec
// without commander, and must be read exactly as commander reads it; anything else goes to
// commander, which parses and reports it.
import { describe, expect, test } from '@jest/globals';
import { Command, CommanderError } from 'commander';
import fc from 'fast-check';
import { BOOT } from '../commands/boot.js';
import { Fatal, type Ctx } from '../commands/context.js';
import { commandOf, parseOptions, parsePlain, type CommandSpec } from '../commands/options.js';
import { FAIL, REGISTER } from '../commands/pernet.js';
import { SPECS } from '../commands/show.js';
import { distFilesLoaded, ipsim, stateFixture } from './helpers/cli.js';

/** What commander makes of words: the options and operands, or the error it throws. */
function byCommander(words: readonly string[], spec: CommandSpec): { opts: Record<string, unknown>; operands: string[] } | string {
  const cmd = commandOf(Command, 'x', spec).configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  try {
    cmd.parse(words, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.code;
    throw err;
  }
  return { opts: { ...cmd.opts() }, operands: cmd.args };
}

const SPECS_IN_USE: Record<string, CommandSpec> = {
  'pernet register-subsys': REGISTER,
  'pernet fail': FAIL,
  'show gen': SPECS.gen,
  'show net': SPECS.net,
  'show lists': SPECS.lists,
  'show ids': SPECS.ids,
  boot: BOOT,
  'pernet list': {},
};

describe('a plain command line is read without commander', () => {
  test('pernet register-subsys with every kind of option', () => {
    const words = ['X', '--id', '--size', '64', '--init=f', '--exit-batch', 'b', '--fail-init', 'blue:ENOMEM', '--fail-init=init_net', '--trace'];
    const plain = parsePlain(words, REGISTER);
    expect(plain).toEqual({
      opts: { id: true, size: '64', init: 'f', exitBatch: 'b', failInit: ['blue:ENOMEM', 'init_net'], failAlloc: [], trace: true },
      operands: ['X'],
    });
    expect(byCommander(words, REGISTER)).toEqual(plain);
  });

  test('defaults and choices: boot --profile, show lists --format', () => {
    expect(parsePlain([], BOOT)).toEqual({ opts: { profile: 'seed' }, operands: [] });
    expect(parsePlain(['--profile', 'bare'], BOOT)).toEqual({ opts: { profile: 'bare' }, operands: [] });
    expect(parsePlain(['--format=dot'], SPECS.lists)).toEqual({ opts: { format: 'dot' }, operands: [] });
  });

  test.each([
    ['--help', ['--help'], REGISTER],
    ['an unknown option', ['X', '--bogus'], REGISTER],
    ['a short option', ['-x'], REGISTER],
    ['a missing value', ['X', '--size'], REGISTER],
    ['a value that looks like an option', ['X', '--size', '--id'], REGISTER],
    ['an empty value', ['X', '--size='], REGISTER],
    ['a switch given a value', ['X', '--id=1'], REGISTER],
    ['a value outside the choices', ['--format', 'png'], SPECS.lists],
    ['an operand too many', ['X', 'Y'], REGISTER],
    ['an operand where none is taken', ['x'], SPECS.lists],
    ['the end of options', ['--', 'X'], REGISTER],
  ])('%s goes to commander', (_what, words, spec) => {
    expect(parsePlain(words, spec)).toBeUndefined();
  });

  test('whatever the words, a line read without commander is read as commander reads it', () => {
    const word = fc.constantFrom(
      'X',
      'Y',
      'blue',
      'dot',
      'png',
      '64',
      '',
      '-',
      '--',
      '-x',
      '-1',
      '--id',
      '--size',
      '--size=8',
      '--size=',
      '--init',
      '--init=f',
      '--exit-batch',
      '--fail-init',
      '--fail-init=blue',
      '--fail-alloc',
      '--alloc',
      '--clear',
      '--format',
      '--format=svg',
      '--format=png',
      '--all',
      '--all=1',
      '--profile',
      '--trace',
      '--help',
      '--bogus',
    );
    let plain = 0;
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(SPECS_IN_USE)), fc.array(word, { maxLength: 6 }), (name, words) => {
        const spec = SPECS_IN_USE[name]!;
        const read = parsePlain(words, spec);
        if (read === undefined) return;
        plain += 1;
        expect(byCommander(words, spec)).toEqual(read);
      }),
      { numRuns: 5000 },
    );
    // The property is not vacuous: a good share of the lines were plain.
    expect(plain).toBeGreaterThan(500);
  });
});

describe('parseOptions', () => {
  const errors: string[] = [];
  const ctx = { out: { err: (text: string) => errors.push(text) }, tracer: { enabled: false } } as unknown as Ctx;

  test('a plain line, and a usage error worded by commander', async () => {
    await expect(parseOptions(ctx, 'show gen', ['blue'], SPECS.gen)).resolves.toEqual({ opts: {}, operands: ['blue'] });
    await expect(parseOptions(ctx, 'pernet list', ['x'])).rejects.toBeInstanceOf(Fatal);
    await expect(parseOptions(ctx, 'pernet register-subsys', ['X', '--sise', '8'], REGISTER)).rejects.toBeInstanceOf(Fatal);
    expect(errors).toEqual(['Error: too many arguments. Expected 0 arguments but got 1.\n', "Error: unknown option '--sise'. Did you mean \"--size\"?\n"]);
  });
});

describe('what a run loads', () => {
  const t = stateFixture();

  test('a registration with plain options does not load commander; its --help and a typo do', () => {
    expect(ipsim(['netns', 'add', 'blue'], { state: t.state }).exit).toBe(0);
    expect(distFilesLoaded(['pernet', 'register-subsys', 'X', '--id', '--size', '64', '--init', 'f'], t.state)).toEqual([]);
    expect(distFilesLoaded(['pernet', 'register-subsys', '--help'], t.state)).toEqual(['commander.cjs']);
    expect(distFilesLoaded(['pernet', 'register-subsys', 'Y', '--sise', '8'], t.state)).toEqual(['commander.cjs']);
  });
});
