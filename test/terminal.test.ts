// At a real terminal (tmux): the guided prompt of a registration, reset's question, the spinner of
// a long batch, and figures and tables that fit 80 columns. Skipped with a message without tmux.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import stringWidth from 'fast-string-width';
import { ipsim, stateFixture } from './helpers/cli.js';
import { HAVE_TMUX, ipsimLine, Tty } from './helpers/tty.js';

const fx = stateFixture();
const run = (...args: string[]) => ipsim(args, { state: fx.state });
const skipped = HAVE_TMUX ? '' : ' (skipped: tmux is not installed; .ci/run installs it)';
const maybe = HAVE_TMUX ? test : test.skip;
/** A terminal test waits for a person's pace and, on a loaded machine, for the command. */
const TIMEOUT = 90000;

/** Runs body with a terminal running `ipsim args` on the fixture's state; the terminal is closed after. */
async function atTerminal(args: readonly string[], body: (tty: Tty) => Promise<void>, cols = 100, record?: string): Promise<void> {
  const tty = new Tty(ipsimLine(args), { cols, rows: 50, env: { IPSIM_STATE: fx.state }, ...(record === undefined ? {} : { record }) });
  try {
    await body(tty);
  } finally {
    tty.close();
  }
}

describe(`guided prompts${skipped}`, () => {
  maybe('register-subsys with no NAME asks the fields the flags did not give, and registers what was answered', async () => {
    expect(run('boot').exit).toBe(0);
    await atTerminal(['pernet', 'register-subsys', '--size', '16'], async (tty) => {
      await tty.answer('Name of the pernet_operations (register_pernet_subsys):', 'demo_ops');
      await tty.answer('Ask for a net_generic id', 'y');
      await tty.answer('init callback', 'demo_init');
      await tty.answer('exit callback', '');
      await tty.answer('exit_batch callback', '');
      await tty.answer('Namespaces where init fails', 'blue:EPERM');
      await tty.answer('kzalloc fails', '');
      const screen = await tty.waitFor('[exit 0]');
      // --size was given: its question is not asked.
      expect(screen).not.toContain('Size of its per-namespace data');
    });
    const list = run('pernet', 'list');
    expect(list.stdout).toMatch(/^\d+ +demo_ops +subsys +\d+ +16 +demo_init +- +- +init@blue=-EPERM$/m);
  }, TIMEOUT);

  maybe('Ctrl-C at a question ends the command, changes nothing, exit 130', async () => {
    expect(run('boot').exit).toBe(0);
    const before = run('pernet', 'list').stdout;
    await atTerminal(['pernet', 'register-device'], async (tty) => {
      await tty.waitFor('Name of the pernet_operations (register_pernet_device):');
      tty.press('C-c');
      const screen = await tty.waitFor('[exit 130]');
      expect(screen).toContain('Error: cancelled at the prompt; nothing was changed');
    });
    expect(run('pernet', 'list').stdout).toBe(before);
  }, TIMEOUT);

  maybe('reset asks at a terminal: no keeps the state (exit 1), yes deletes it (exit 0)', async () => {
    expect(run('boot').exit).toBe(0);
    await atTerminal(['reset'], async (tty) => {
      await tty.answer(`Delete the emulated kernel in ${fx.state}?`, 'n');
      const screen = await tty.waitFor('[exit 1]');
      expect(screen).toContain(`Error: reset declined; ${fx.state} was kept`);
    });
    expect(existsSync(fx.state)).toBe(true);
    await atTerminal(['reset'], async (tty) => {
      await tty.answer('Delete the emulated kernel', 'y');
      await tty.waitFor('[exit 0]');
    });
    expect(existsSync(fx.state)).toBe(false);
  }, TIMEOUT);

  maybe('reset --force and -force do not ask', async () => {
    for (const args of [['reset', '--force'], ['-force', 'reset']]) {
      expect(run('boot').exit).toBe(0);
      await atTerminal(args, async (tty) => {
        const screen = await tty.waitFor('[exit 0]');
        expect(screen).not.toContain('Delete the emulated kernel');
      });
      expect(existsSync(fx.state)).toBe(false);
    }
  }, TIMEOUT);
});

describe(`spinners${skipped}`, () => {
  maybe('a long batch shows a spinner on stderr at a terminal, gone when it ends', async () => {
    const batch = join(fx.dir, 'big.txt');
    // Outlasts the spinner's delay many times over (about 1.6 s here; 40,000 adds took 0.5 s, so
    // the spinner lived between two looks at the screen). The recording has every frame, however
    // briefly drawn; adding and deleting one name keeps the state small.
    writeFileSync(batch, 'netns add x\nnetns delete x\n'.repeat(100000));
    const raw = join(fx.dir, 'batch.raw');
    await atTerminal(
      ['-batch', batch],
      async (tty) => {
        const screen = await tty.waitFor('[exit 0]', 60000);
        expect(screen).not.toContain(`running ${batch}`);
      },
      100,
      raw,
    );
    expect(readFileSync(raw, 'utf8')).toContain(`running ${batch}`);
  }, TIMEOUT);

  maybe('a registration across 1000 namespaces draws its spinner on the terminal, then clears it', async () => {
    expect(ipsim(['-batch', '-'], { state: fx.state, stdin: Array.from({ length: 1000 }, (_, i) => `netns add n${i}\n`).join('') }).exit).toBe(0);
    const raw = join(fx.dir, 'terminal.raw');
    await atTerminal(
      ['pernet', 'register-subsys', 'big_ops', '--id', '--size', '8', '--init', 'big_init'],
      async (tty) => {
        const screen = await tty.waitFor('[exit 0]');
        expect(screen).not.toContain('register_pernet_subsys(big_ops)');
      },
      100,
      raw,
    );
    expect(readFileSync(raw, 'utf8')).toContain('register_pernet_subsys(big_ops) in 1001 namespaces');
  }, TIMEOUT);
});

describe(`an 80-column terminal${skipped}`, () => {
  for (const profile of ['seed', 'linux-3.10']) {
    maybe(`${profile}: no line of show lists or pernet list is wider than 80 columns`, async () => {
      expect(run('boot', '--profile', profile).exit).toBe(0);
      for (const command of [['show', 'lists'], ['pernet', 'list']]) {
        await atTerminal(
          command,
          async (tty) => {
            const screen = await tty.waitFor('[exit 0]');
            // Joined lines: a line the terminal had to wrap shows whole here.
            const lines = screen.split('\n');
            expect(Math.max(...lines.map((l) => stringWidth(l)))).toBeLessThanOrEqual(80);
            expect(screen).toContain(command[0] === 'pernet' ? '┌' : 'pernet_list, a list of pernet_operations');
          },
          80,
        );
      }
    }, TIMEOUT);
  }
});
