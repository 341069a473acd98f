// The only chalk instance: its level comes from ui/output's policy, never from chalk's own
// detection, so a pipe or NO_COLOR gets plain bytes; without colour chalk is not even loaded.

export interface Paint {
  head(text: string): string;
  name(text: string): string;
  fn(text: string): string;
  err(text: string): string;
  dim(text: string): string;
}

const PLAIN: Paint = { head: (t) => t, name: (t) => t, fn: (t) => t, err: (t) => t, dim: (t) => t };

export async function loadPaint(color: boolean): Promise<Paint> {
  if (!color) return PLAIN;
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: 1 });
  return {
    head: (t) => chalk.bold(t),
    name: (t) => chalk.cyan(t),
    fn: (t) => chalk.yellow(t),
    err: (t) => chalk.red(t),
    dim: (t) => chalk.dim(t),
  };
}
