// A real pseudo-terminal for the tests of what only happens at a terminal (prompts, spinners, the
// width of figures): tmux (Debian's package) runs the command in a detached session of a given
// size on its own server socket, the test sends keys and reads the screen. Without tmux the tests
// that need it are skipped with a message.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IPSIM, cleanEnv } from './cli.js';

export const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;

/** One tmux server and session running `command` (a shell line) in a terminal of cols × rows. */
export class Tty {
  /** The server's socket, in a directory of its own that close() removes. */
  private readonly dir: string;
  private readonly socket: string;

  /**
   * `record`: a file that gets every byte the command writes to the terminal (tmux pipe-pane), for
   * what the screen no longer shows when the command has ended; the command then starts once the
   * recording has.
   */
  constructor(command: string, options: { cols: number; rows: number; env: Record<string, string>; record?: string }) {
    this.dir = mkdtempSync(join(tmpdir(), 'ipsim-tty-'));
    this.socket = join(this.dir, 'tmux');
    const env = cleanEnv({ TERM: 'xterm-256color', ...options.env });
    delete env.NO_COLOR;
    const channel = 'recording';
    const line = options.record === undefined ? command : `tmux wait-for ${channel}; ${command}`;
    // The shell stays after the command, so its screen can be read when it has ended.
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-x', String(options.cols), '-y', String(options.rows), `${line}; sleep 600`], env);
    if (options.record !== undefined) {
      this.tmux(['pipe-pane', '-o', `cat >> '${options.record}'`]);
      this.tmux(['wait-for', '-S', channel]);
    }
  }

  private tmux(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { env, encoding: 'utf8' });
  }

  /** Types text literally. */
  type(text: string): void {
    this.tmux(['send-keys', '-l', text]);
  }

  /** Presses keys by tmux's names: Enter, C-c, Up, Tab… */
  press(...keys: string[]): void {
    this.tmux(['send-keys', ...keys]);
  }

  /** The screen and its history, wrapped lines joined (so a line wider than the terminal shows whole). */
  screen(): string {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-']);
  }

  /** Waits until the screen shows `text`; fails with the screen after `timeout` ms. */
  async waitFor(text: string | RegExp, timeout = 15000): Promise<string> {
    const start = Date.now();
    for (;;) {
      const screen = this.screen();
      if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
      if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${String(text)} on the screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for a question, types the answer (nothing: the default) and presses Enter. */
  async answer(question: string, text: string): Promise<void> {
    await this.waitFor(question);
    if (text !== '') this.type(text);
    this.press('Enter');
  }

  close(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A shell line that runs ipsim with args, then prints its exit status where the screen shows it. */
export function ipsimLine(args: readonly string[]): string {
  const quote = (w: string): string => `'${w.replace(/'/g, `'\\''`)}'`;
  return `${quote(process.execPath)} ${quote(IPSIM)} ${args.map(quote).join(' ')}; echo "[exit $?]"`;
}
