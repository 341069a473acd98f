import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { EEXIST, EISDIR, ENAMETOOLONG, ENOENT, ENOMEM, ENOSPC, ENOTDIR, errnoByName, errnoByNumber, errnoName, parseErrno, strerror } from '../lib/errno.js';

describe('errnoByNumber', () => {
  test('known numbers give the canonical entry', () => {
    expect(errnoByNumber(12)).toEqual({ name: 'ENOMEM', num: 12, text: 'Cannot allocate memory' });
    expect(errnoByNumber(1)).toEqual({ name: 'EPERM', num: 1, text: 'Operation not permitted' });
    expect(errnoByNumber(11)?.name).toBe('EAGAIN');
    expect(errnoByNumber(35)?.name).toBe('EDEADLK');
    expect(errnoByNumber(95)?.name).toBe('EOPNOTSUPP');
    expect(errnoByNumber(133)).toEqual({ name: 'EHWPOISON', num: 133, text: 'Memory page has hardware error' });
  });

  test('numbers Linux never named give undefined', () => {
    for (const n of [0, -1, 41, 58, 134, 200, 4095, 4096, 1.5, NaN]) expect(errnoByNumber(n)).toBeUndefined();
  });

  test('covers exactly 1..133 minus the holes 41 and 58', () => {
    const named: number[] = [];
    for (let n = 0; n <= 4096; n++) if (errnoByNumber(n) !== undefined) named.push(n);
    expect(named.length).toBe(131);
    expect(named[0]).toBe(1);
    expect(named.at(-1)).toBe(133);
    expect(named).not.toContain(41);
    expect(named).not.toContain(58);
  });

  test('entries are frozen', () => {
    expect(Object.isFrozen(errnoByNumber(2))).toBe(true);
  });
});

describe('errnoByName', () => {
  test('the constants the emulator returns are the table\'s numbers for their names', () => {
    const constants = { ENOENT, ENOMEM, EEXIST, ENOTDIR, EISDIR, ENOSPC, ENAMETOOLONG };
    for (const [name, num] of Object.entries(constants)) expect([name, errnoByName(name)?.num]).toEqual([name, num]);
  });

  test('canonical names', () => {
    expect(errnoByName('ENOENT')?.num).toBe(2);
    expect(errnoByName('EEXIST')?.num).toBe(17);
    expect(errnoByName('E2BIG')?.num).toBe(7);
    expect(errnoByName('EHWPOISON')?.num).toBe(133);
  });

  test('aliases resolve to the canonical entry', () => {
    expect(errnoByName('EWOULDBLOCK')).toBe(errnoByNumber(11));
    expect(errnoByName('EDEADLOCK')).toBe(errnoByNumber(35));
    expect(errnoByName('ENOTSUP')).toBe(errnoByNumber(95));
    expect(errnoByName('EWOULDBLOCK')?.name).toBe('EAGAIN');
  });

  test('unknown or wrongly cased names give undefined', () => {
    for (const s of ['enomem', 'Enomem', 'EFOO', '', 'ENOMEM ', '12']) expect(errnoByName(s)).toBeUndefined();
  });
});

describe('strerror', () => {
  test('glibc texts', () => {
    expect(strerror(12)).toBe('Cannot allocate memory');
    expect(strerror(2)).toBe('No such file or directory');
    expect(strerror(17)).toBe('File exists');
    expect(strerror(21)).toBe('Is a directory');
    expect(strerror(22)).toBe('Invalid argument');
    expect(strerror(28)).toBe('No space left on device');
    expect(strerror(36)).toBe('File name too long');
    expect(strerror(95)).toBe('Operation not supported');
    expect(strerror(11)).toBe('Resource temporarily unavailable');
    expect(strerror(35)).toBe('Resource deadlock avoided');
    expect(strerror(0)).toBe('Success');
  });

  test('unknown numbers', () => {
    expect(strerror(200)).toBe('Unknown error 200');
    expect(strerror(41)).toBe('Unknown error 41');
    expect(strerror(58)).toBe('Unknown error 58');
    expect(strerror(134)).toBe('Unknown error 134');
    expect(strerror(-1)).toBe('Unknown error -1');
  });
});

describe('errnoName', () => {
  test('names and bare numbers', () => {
    expect(errnoName(12)).toBe('ENOMEM');
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoName(95)).toBe('EOPNOTSUPP');
    expect(errnoName(200)).toBe('200');
    expect(errnoName(41)).toBe('41');
  });
});

describe('parseErrno', () => {
  test('accepts known names and plain decimals 1..4095', () => {
    expect(parseErrno('ENOMEM')).toBe(12);
    expect(parseErrno('EWOULDBLOCK')).toBe(11);
    expect(parseErrno('E2BIG')).toBe(7);
    expect(parseErrno('12')).toBe(12);
    expect(parseErrno('1')).toBe(1);
    expect(parseErrno('41')).toBe(41);
    expect(parseErrno('4095')).toBe(4095);
  });

  test('rejects everything else', () => {
    for (const s of ['0', '4096', '-12', '+12', '012', '00', 'enomem', 'EFOO', 'E', '', '12x', ' 12', '12 ', '1e3', '0x10', '12.0', '99999']) {
      expect(parseErrno(s)).toBeUndefined();
    }
  });
});

// The machine's glibc (through python3) is the reference, so the table cannot drift from it.
describe('agrees with the host glibc', () => {
  const script = [
    'import errno, json, os',
    'texts = {n: os.strerror(n) for n in range(0, 4097)}',
    'names = {k: getattr(errno, k) for k in dir(errno) if k.startswith("E") and isinstance(getattr(errno, k), int)}',
    'print(json.dumps({"texts": texts, "names": names}))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });

  test('python3 ran', () => {
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
  });

  const host = run.status === 0
    ? (JSON.parse(run.stdout) as { texts: Record<string, string>; names: Record<string, number> })
    : { texts: {}, names: {} };

  test('every number 0..4096 has os.strerror\'s text', () => {
    const mismatches: string[] = [];
    for (let n = 0; n <= 4096; n++) {
      const want = host.texts[String(n)];
      if (strerror(n) !== want) mismatches.push(`${n}: ${JSON.stringify(strerror(n))} != ${JSON.stringify(want)}`);
    }
    expect(mismatches).toEqual([]);
    expect(Object.keys(host.texts).length).toBe(4097);
  });

  test('every errno name python knows maps to the same number', () => {
    const mismatches: string[] = [];
    for (const [name, num] of Object.entries(host.names)) {
      if (errnoByName(name)?.num !== num) mismatches.push(`${name}: ${errnoByName(name)?.num} != ${num}`);
    }
    expect(mismatches).toEqual([]);
    expect(Object.keys(host.names).length).toBeGreaterThan(100);
  });
});
