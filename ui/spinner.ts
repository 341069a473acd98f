// Spinners (ora) on stderr for work long enough to notice, only when stdin, stdout and stderr are
// terminals (Output.spinners, decided in output.ts): a pipe never sees a frame. ora is imported
// only when a spinner is drawn; with a delay, work that ends before it never loads ora at all.
import type { Output } from './output.js';

export interface Spinner {
  /** Clears the spinner's line and puts output back as it was; idempotent. */
  stop(): void;
}

const NONE: Spinner = { stop: () => undefined };

/** How long work runs before a delayed spinner appears, so short commands never show one. */
export const SPINNER_DELAY_MS = 200;

/**
 * A spinner with `text` on stderr after `delayMs` (0: drawn before this returns, for synchronous
 * work known to be long). While it spins, every write of `out` clears its line first and redraws
 * it after, so output and spinner never mix.
 */
export async function startSpinner(out: Output, text: string, delayMs = SPINNER_DELAY_MS): Promise<Spinner> {
  if (!out.spinners) return NONE;
  let stopped = false;
  let drawn: { stop(): void } | undefined;
  const draw = async (): Promise<void> => {
    const { default: ora } = await import('ora');
    if (stopped) return;
    // discardStdin: ora would otherwise put stdin in raw mode and swallow what is typed meanwhile.
    const s = ora({ text, stream: process.stderr, isEnabled: true, discardStdin: false }).start();
    out.overlay = { clear: () => s.clear(), render: () => s.render() };
    drawn = s;
  };
  const timer = delayMs > 0 ? setTimeout(() => void draw(), delayMs) : undefined;
  timer?.unref();
  if (delayMs === 0) await draw();
  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      if (drawn) {
        out.overlay = undefined;
        drawn.stop();
      }
    },
  };
}
