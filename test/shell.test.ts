// `ipsim shell` (README, The shell): with stdin a pipe, then typed at in a real terminal (tmux),
// reading the screen as a person would.
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { HISTORY_MAX } from '../commands/shell_loop.js';
import { cleanEnv, ipsim, IPSIM, stateFixture, until } from './helpers/cli.js';

jest.setTimeout(120_000);

const t = stateFixture();

const shell = (stdin: string, args: string[] = []): ReturnType<typeof ipsim> => ipsim([...args, 'shell'], { state: t.state, stdin });

describe('the shell with stdin not a terminal', () => {
  test('prints no prompt and goes on after every error, fatal ones included, without "Command failed"', () => {
    const run = shell('netns add a\nnetns add a\npernet frob\nnetns add "b\n-zzz netns list\nroute\nnetns add c\nnetns list\n');
    expect(run).toEqual({
      stdout: 'c\na\n',
      stderr:
        'Cannot create namespace file "/run/netns/a": File exists\n' +
        'Command "frob" is unknown, try "ipsim pernet help".\n' +
        'Unterminated quoted string\n' +
        'Option "-zzz" is unknown, try "ip -help".\n' +
        'Object "route" is unknown, try "ip help".\n',
      exit: 0,
      signal: null,
    });
  });

  test('exits 1 when the last line failed, 0 when it succeeded', () => {
    expect(shell('netns add a\nnetns delete nope\n').exit).toBe(1);
    expect(shell('netns delete nope\nnetns add b\n').exit).toBe(0);
    expect(shell('').exit).toBe(0);
  });

  test('exit and quit end it; what follows is not read', () => {
    expect(shell('netns add a\nexit\nnetns add b\n')).toMatchObject({ stdout: '', stderr: '', exit: 0 });
    expect(shell('netns delete nope\nquit\nnetns add b\n').exit).toBe(1);
    expect(ipsim(['netns', 'list'], { state: t.state }).stdout).toBe('a\n');
  });

  test('runs batch lines: comments, continuation lines, quotes, and -force on every line', () => {
    const run = shell('# a comment\nnetns \\\n add "x y"\n\nnetns list # names\n');
    expect(run).toMatchObject({ stdout: 'x y\n', stderr: '', exit: 0 });
  });

  test('a line may start with -j, -p, -a and --trace; -n, -b and --state belong to the shell', () => {
    const run = shell('netns add a\n-j netns list\n--trace netns delete a\n-n a netns list\n--state x.json netns list\n');
    expect(run.stdout.startsWith('[{"name":"a"}]\nput_net(a)\n  __put_net(a)\ncleanup_net()\n')).toBe(true);
    expect(run.stdout.endsWith('  net_drop_ns(a)\n    net_free(a)\n')).toBe(true);
    expect(run.stderr).toBe('Error: -n, -b, --state, --color, --help and --version go before "shell", not on a line\n'.repeat(2));
    expect(run.exit).toBe(1);
  });

  test('help prints what the shell takes, on stdout, within 80 columns and without escape codes', () => {
    const run = shell('help\n', ['--color=auto']);
    expect(run.stdout).toContain('Type ipsim\'s commands without "ipsim", one a line, as in a batch file:\n');
    expect(run.stdout).toContain('  exit, quit    leave (Ctrl-D too)\n');
    expect(Math.max(...run.stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80);
    expect(run.stdout).not.toContain('\x1b');
    expect(run).toMatchObject({ stderr: '', exit: 0 });
  });

  test('help netns prints ip\'s text, byte for byte, and counts as success', () => {
    const run = shell('help netns\n');
    expect(run.stderr).toBe(ipsim(['netns', 'help'], { state: t.state }).stderr);
    expect(run).toMatchObject({ stdout: '', exit: 0 });
  });

  test('takes -n for the whole session: its lines act from that namespace', () => {
    ipsim(['netns', 'add', 'red'], { state: t.state });
    expect(shell('netns identify\n', ['-n', 'red'])).toMatchObject({ stdout: 'red\n', stderr: '', exit: 0 });
  });

  test('each line locks, writes and unlocks on its own: another ipsim writes while the shell waits', async () => {
    const child = t.background.track(spawn(process.execPath, [IPSIM, 'shell'], { env: cleanEnv({ IPSIM_STATE: t.state }) }));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.write('netns add a\n');
    await until('the shell to write its first line', () => {
      try {
        return (JSON.parse(readFileSync(t.state, 'utf8')).kernel.names.name as string[]).includes('a');
      } catch {
        return false;
      }
    });
    // The shell is open and waiting for input: the lock is free.
    expect(spawnSync(process.execPath, [IPSIM, 'netns', 'add', 'b'], { env: cleanEnv({ IPSIM_STATE: t.state }), timeout: 20000 }).status).toBe(0);
    child.stdin.end('netns list\n');
    expect(await ended).toBe(0);
    expect(stdout).toBe('b\na\n');
  });

  test('a signal while it waits for input ends it after -n\'s reference is written away, dying by that signal', async () => {
    ipsim(['netns', 'add', 'red'], { state: t.state });
    const child = t.background.track(spawn(process.execPath, [IPSIM, '-n', 'red', 'shell'], { env: cleanEnv({ IPSIM_STATE: t.state }) }));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdin.write('netns identify\n');
    await until('the first line to run', () => stdout === 'red\n');
    // The shell holds red's reference while it is open.
    expect(JSON.parse(readFileSync(t.state, 'utf8')).kernel.holders).toHaveLength(1);
    child.kill('SIGTERM');
    expect(await ended).toBe('SIGTERM');
    expect(JSON.parse(readFileSync(t.state, 'utf8')).kernel.holders).toEqual([]);
  });

  test('is not opened from a batch or with arguments', () => {
    expect(ipsim(['-batch', '-'], { state: t.state, stdin: 'shell\n' })).toMatchObject({
      stderr: 'Error: a shell cannot be opened from a batch, a boot profile or another shell\nCommand failed -:1\n',
      exit: 1,
    });
    expect(shell('shell\nnetns list\n')).toMatchObject({ stderr: 'Error: a shell cannot be opened from a batch, a boot profile or another shell\n', exit: 0 });
    expect(ipsim(['shell', 'now'], { state: t.state })).toMatchObject({ stderr: 'Error: too many arguments. Expected 0 arguments but got 1.\n', exit: 255 });
  });

  test('writes no history without a terminal', () => {
    shell('netns add a\n');
    expect(spawnSync('test', ['-e', `${t.state}.history`]).status).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// In a terminal: tmux, from Debian's packages (.ci/run installs it when it is missing).

const hasTmux = spawnSync('sh', ['-c', 'command -v tmux']).status === 0;
if (!hasTmux) console.log('tmux is not installed: the shell was not tested in a terminal (apt-get install tmux)');
const inTerminal = hasTmux ? describe : describe.skip;

/** One tmux server of its own, an 80x24 terminal running `ipsim ARGS shell`, then the exit status. */
class Terminal {
  private static count = 0;
  private readonly socket = `ipsim-test-${process.pid}-${Terminal.count++}`;

  constructor(args: string = '', redirect = '') {
    const command = `"${process.execPath}" "${IPSIM}" ${args} shell ${redirect}; echo "[exit $?]"; exec sleep 600`;
    this.tmux('new-session', '-d', '-x', '80', '-y', '24', 'sh', '-c', command);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      env: cleanEnv({ IPSIM_STATE: t.state, TERM: 'xterm' }),
      encoding: 'utf8',
    });
  }

  /** The screen's lines, trailing blanks and empty lines dropped. */
  screen(): string[] {
    const lines = this.tmux('capture-pane', '-p').split('\n').map((line) => line.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  /** Waits until the last line of the screen is `line`. */
  async last(line: string): Promise<void> {
    await until(`the screen to end with ${JSON.stringify(line)}, it shows ${JSON.stringify(this.screen())}`, () => this.screen().at(-1) === line);
  }

  /** Types text as keys (each key sent on its own would be the same), then waits for its echo. */
  async type(text: string, echoed: string): Promise<void> {
    this.tmux('send-keys', '-l', text);
    await this.last(echoed);
  }

  key(...keys: string[]): void {
    this.tmux('send-keys', ...keys);
  }

  /** Types text, then Tab, and waits for the screen's last line to be `completed`. */
  async tab(text: string, echoed: string, completed: string): Promise<void> {
    await this.type(text, echoed);
    this.key('Tab');
    await this.last(completed);
  }

  /** Types a line at the prompt, presses Enter and waits for the prompt to come back. */
  async enter(line: string, prompt = 'ipsim>'): Promise<void> {
    await this.type(line, `${prompt} ${line}`);
    this.key('Enter');
    await this.last(prompt);
  }

  /** The pid of ipsim, the child of the pane's sh. */
  pid(): number {
    const pane = this.tmux('display-message', '-p', '#{pane_pid}').trim();
    return Number(readFileSync(`/proc/${pane}/task/${pane}/children`, 'utf8').trim().split(' ')[0]);
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}

inTerminal('the shell in a terminal', () => {
  let term: Terminal | undefined;
  const open = async (args = '', prompt = 'ipsim>'): Promise<Terminal> => {
    term = new Terminal(args);
    await term.last(prompt);
    return term;
  };
  afterEach(() => term?.close());

  test('Tab completes a word and a namespace name; the command runs at Enter', async () => {
    ipsim(['netns', 'add', 'red-one'], { state: t.state });
    const s = await open();
    await s.tab('net', 'ipsim> net', 'ipsim> netns');
    await s.tab('ex', 'ipsim> netns ex', 'ipsim> netns exec');
    await s.tab('r', 'ipsim> netns exec r', 'ipsim> netns exec red-one');
    // The completed words ended with a space: the line goes on from there.
    await s.type('echo inside', 'ipsim> netns exec red-one echo inside');
    s.key('Enter');
    await s.last('ipsim>');
    expect(s.screen()).toEqual(['ipsim> netns exec red-one echo inside', 'inside', 'ipsim>']);
  });

  test('two Tabs list the candidates', async () => {
    const s = await open();
    await s.tab('pernet unr', 'ipsim> pernet unr', 'ipsim> pernet unregister-');
    s.key('Tab');
    await until('the list', () => s.screen().includes('unregister-subsys  unregister-device'));
  });

  test('an error prints its message and the shell goes on; Ctrl-D ends it with the last status', async () => {
    const s = await open();
    await s.enter('netns add');
    await s.enter('netns add blue');
    await s.enter('netns list');
    s.key('C-d');
    await s.last('[exit 0]');
    expect(s.screen()).toEqual(['ipsim> netns add', 'No netns name specified', 'ipsim> netns add blue', 'ipsim> netns list', 'blue', 'ipsim>', '[exit 0]']);
  });

  test('the status is 1 when the last line failed', async () => {
    const s = await open();
    await s.enter('pernet frob');
    await s.type('exit', 'ipsim> exit');
    s.key('Enter');
    await s.last('[exit 1]');
    expect(s.screen()).toEqual(['ipsim> pernet frob', 'Command "frob" is unknown, try "ipsim pernet help".', 'ipsim> exit', '[exit 1]']);
  });

  test('Ctrl-C cancels the line being typed, not the shell', async () => {
    ipsim(['netns', 'add', 'blue'], { state: t.state });
    const s = await open();
    await s.type('netns delete blue', 'ipsim> netns delete blue');
    s.key('C-c');
    await s.last('ipsim>');
    await s.enter('netns list');
    expect(s.screen()).toEqual(['ipsim> netns delete blue^C', 'ipsim> netns list', 'blue', 'ipsim>']);
  });

  test('a trailing backslash asks for a continuation line; Ctrl-C there cancels the whole line', async () => {
    const s = await open();
    await s.type('netns add \\', 'ipsim> netns add \\');
    s.key('Enter');
    await s.last('>');
    await s.type('one', '> one');
    s.key('Enter');
    await s.last('ipsim>');
    await s.type('netns add \\', 'ipsim> netns add \\');
    s.key('Enter');
    await s.last('>');
    s.key('C-c');
    await s.last('ipsim>');
    await s.enter('netns list');
    expect(s.screen()).toEqual(['ipsim> netns add \\', '> one', 'ipsim> netns add \\', '> ^C', 'ipsim> netns list', 'one', 'ipsim>']);
  });

  test('Up recalls the lines of an earlier session, kept beside the state, mode 0600', async () => {
    const first = await open();
    await first.enter('netns add green');
    await first.type('quit', 'ipsim> quit');
    first.key('Enter');
    await first.last('[exit 0]');
    first.close();
    expect(readFileSync(`${t.state}.history`, 'utf8')).toBe('netns add green\nquit\n');
    expect(statSync(`${t.state}.history`).mode & 0o777).toBe(0o600);
    const second = await open();
    second.key('Up');
    await second.last('ipsim> quit');
    second.key('Up');
    await second.last('ipsim> netns add green');
    second.key('Down');
    await second.last('ipsim> quit');
  });

  test(`the history keeps the last ${HISTORY_MAX} lines`, async () => {
    const old = Array.from({ length: 2 * HISTORY_MAX + 1 }, (_, i) => `netns add n${i}\n`).join('');
    execFileSync('sh', ['-c', `umask 077; cat > "$0"`, `${t.state}.history`], { input: old });
    const s = await open();
    s.key('Up');
    await s.last(`ipsim> netns add n${2 * HISTORY_MAX}`);
    const kept = readFileSync(`${t.state}.history`, 'utf8').split('\n').slice(0, -1);
    expect(kept).toHaveLength(HISTORY_MAX);
    expect(kept[0]).toBe(`netns add n${HISTORY_MAX + 1}`);
  });

  test('exec gets the terminal; Ctrl-C ends its command and the prompt comes back', async () => {
    ipsim(['netns', 'add', 'red'], { state: t.state });
    const s = await open();
    await s.type('netns exec red sh -c "echo started; sleep 60"', 'ipsim> netns exec red sh -c "echo started; sleep 60"');
    s.key('Enter');
    await s.last('started');
    s.key('C-c');
    await s.last('ipsim>');
    // Step 3 of exec ran: the reference its CMD held is gone from the state.
    expect(JSON.parse(readFileSync(t.state, 'utf8')).kernel.holders).toEqual([]);
    await s.type('netns exec red sh', 'ipsim> netns exec red sh');
    s.key('Enter');
    await until('sh to prompt', () => s.screen().at(-1)!.startsWith('#') || s.screen().at(-1)!.startsWith('$'));
    s.key('-l', 'echo $((6 * 7)); exit');
    s.key('Enter');
    await s.last('ipsim>');
    expect(s.screen()).toContain('42');
  });

  test('monitor prints what other processes do until Ctrl-C, then the prompt comes back', async () => {
    const s = await open();
    await s.type('netns monitor', 'ipsim> netns monitor');
    s.key('Enter');
    await new Promise((resolve) => setTimeout(resolve, 500));
    ipsim(['netns', 'add', 'watched'], { state: t.state });
    await s.last('add watched');
    s.key('C-c');
    await s.last('ipsim>');
    await s.enter('netns list');
    expect(s.screen()).toEqual(['ipsim> netns monitor', 'add watched', 'ipsim> netns list', 'watched', 'ipsim>']);
  });

  test('SIGTERM at the prompt ends the shell by that signal, after -n\'s reference is written away', async () => {
    ipsim(['netns', 'add', 'red'], { state: t.state });
    const s = await open('-n red', 'ipsim(red)>');
    expect(JSON.parse(readFileSync(t.state, 'utf8')).kernel.holders).toHaveLength(1);
    process.kill(s.pid(), 'SIGTERM');
    await s.last('[exit 143]');
    expect(JSON.parse(readFileSync(t.state, 'utf8')).kernel.holders).toEqual([]);
  });

  test('with stdout not a terminal: no prompt, no escape code, even with stdin one', async () => {
    const out = `${t.dir}/out.txt`;
    term = new Terminal('--color=auto', `> "${out}"`);
    const s = term;
    await s.type('pernet list', 'pernet list');
    s.key('Enter');
    await until('the line to run', () => readFileSync(out, 'utf8') !== '');
    s.key('C-d');
    await s.last('[exit 0]');
    const text = readFileSync(out, 'utf8');
    expect(text).toBe(ipsim(['pernet', 'list'], { state: t.state }).stdout);
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('ipsim>');
  });

  test('with -n the prompt names the namespace the lines act from', async () => {
    ipsim(['netns', 'add', 'red'], { state: t.state });
    const s = await open('-n red', 'ipsim(red)>');
    await s.enter('netns identify', 'ipsim(red)>');
    expect(s.screen()).toEqual(['ipsim(red)> netns identify', 'red', 'ipsim(red)>']);
  });
});
