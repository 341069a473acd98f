// The only chalk instance: its level comes from ui/output's policy, never from chalk's own
// detection, so a pipe or NO_COLOR gets plain bytes.
import { Chalk } from 'chalk';

export interface Paint {
  head(text: string): string;
  name(text: string): string;
  fn(text: string): string;
  err(text: string): string;
  dim(text: string): string;
}

export function paint(color: boolean): Paint {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  return {
    head: (t) => chalk.bold(t),
    name: (t) => chalk.cyan(t),
    fn: (t) => chalk.yellow(t),
    err: (t) => chalk.red(t),
    dim: (t) => chalk.dim(t),
  };
}
