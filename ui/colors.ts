// The only chalk instance: its level comes from ui/output's policy, never from chalk's own
// detection, so a pipe or NO_COLOR gets plain bytes; without colour chalk is not even loaded.

export interface Paint {
  /** Table headings. */
  head(text: string): string;
  /** Function names in traces. */
  fn(text: string): string;
  /** Errors: negative returns in traces. */
  err(text: string): string;
}

const PLAIN: Paint = { head: (t) => t, fn: (t) => t, err: (t) => t };

export async function loadPaint(color: boolean): Promise<Paint> {
  if (!color) return PLAIN;
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: 1 });
  return {
    head: (t) => chalk.bold(t),
    fn: (t) => chalk.yellow(t),
    err: (t) => chalk.red(t),
  };
}
