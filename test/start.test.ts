// `npm start`'s closing text: it names the state a plain ipsim would use, and what it suggests
// works as typed from the clone (bin/ipsim: `ipsim` is on the PATH only after `npm install -g .`).
import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { batchItems } from '../commands/batch.js';
import { cleanEnv, stateFixture } from './helpers/cli.js';

const fx = stateFixture();

test('npm start names $IPSIM_STATE as the state left untouched, and its suggestions run as typed', () => {
  const start = spawnSync(process.execPath, ['scripts/start.mjs'], { env: cleanEnv({ IPSIM_STATE: fx.state }), encoding: 'utf8', timeout: 30000 });
  expect(start.status).toBe(0);
  expect(start.stdout).toContain(`\nThat was a throwaway kernel; your own state (${fx.state}) was not touched.\n`);
  expect(existsSync(fx.state)).toBe(false);
  const suggested = start.stdout
    .split('\n')
    .filter((line) => line.startsWith('  bin/ipsim '))
    .map((line) => line.trim().split(/ {2,}/)[0]!);
  expect(suggested.length).toBeGreaterThanOrEqual(6);
  for (const command of suggested) {
    const [item] = [...batchItems(command)];
    if (item?.kind !== 'command') throw new Error(`not a command line: ${command}`);
    const [program, ...args] = item.argv;
    expect(program).toBe('bin/ipsim');
    // The shell waits for a person: the others run here as a newcomer would type them.
    if (args[0] === 'shell') continue;
    const r = spawnSync(program!, args, { env: cleanEnv({ IPSIM_STATE: fx.state }), encoding: 'utf8', input: '' });
    expect({ command, exit: r.status, stderr: r.stderr }).toEqual({ command, exit: 0, stderr: '' });
  }
  expect(existsSync(join(fx.dir, 'state.json'))).toBe(true);
}, 60000);

test('npm start without IPSIM_STATE names $XDG_STATE_HOME/ipsim/state.json', () => {
  const start = spawnSync(process.execPath, ['scripts/start.mjs'], { env: cleanEnv({ XDG_STATE_HOME: fx.dir }), encoding: 'utf8', timeout: 30000 });
  expect(start.status).toBe(0);
  expect(start.stdout).toContain(`your own state (${join(fx.dir, 'ipsim', 'state.json')}) was not touched.`);
}, 60000);
