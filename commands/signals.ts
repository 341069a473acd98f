// Signal policy. Between batch lines a signal is held until the running line has completed and
// the state is written (README, "State file": Writing); while a `netns exec` child runs, the
// wrapper ignores SIGINT and SIGQUIT and passes the others on to the child, like a shell waiting
// for it (README, "ip netns compatibility", deviation 1).
import type { ChildProcess } from 'node:child_process';

/** Signal numbers, from node:os: loaded only on the paths that need one, not at every start. */
function signum(signal: NodeJS.Signals): number {
  return process.getBuiltinModule('node:os').constants.signals[signal] ?? 0;
}

/** CMD died by a signal: the wrapper drops its reference, writes the state, then dies by it. */
export class KilledBy extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`child killed by ${signal}`);
    this.name = 'KilledBy';
  }
}

/** Set while an exec'd child runs: its signals are the child's business, not the batch's. */
let childRunning = false;

/** Dies by the signal (default disposition); exits 128+N only if that did not end the process. */
export function dieBy(signal: NodeJS.Signals): never {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  process.exit(128 + signum(signal));
}

export function deferSignals(): { pending(): boolean | Promise<boolean>; readonly arrived: Promise<void>; deliver(): void } {
  let caught: NodeJS.Signals | undefined;
  let wake: () => void = () => undefined;
  // Ends a wait for input: the state is already written then, so the process may die at once.
  const arrived = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const handler = (signal: NodeJS.Signals): void => {
    if (childRunning) return;
    caught ??= signal;
    wake();
  };
  const names: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const name of names) process.on(name, handler);
  // Date.now(), not the performance global (its first use loads perf_hooks) nor hrtime.bigint()
  // (a BigInt a line): a millisecond's resolution is what is needed.
  let turn = Date.now();
  const turned = async (): Promise<boolean> => {
    await new Promise((resolve) => setImmediate(resolve));
    turn = Date.now();
    return caught !== undefined;
  };
  return {
    arrived,
    pending() {
      // A signal reaches its handler only on a turn of the event loop, and a turn costs more than
      // a fast line: a 10,000-line batch spent most of its time there. So the loop turns once the
      // millisecond has changed since the last turn, and a line in between costs no promise; a
      // signal still stops the batch within a millisecond or two of the line it arrived in (a slow
      // line, such as an exec, always gets a turn).
      return Date.now() !== turn ? turned() : caught !== undefined;
    },
    deliver() {
      for (const name of names) process.off(name, handler);
      if (caught) dieBy(caught);
    },
  };
}

const IGNORED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];
const FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGALRM'];

/** Waits for the child to end: its exit code, or the signal that killed it. */
export function waitForChild(child: ChildProcess): Promise<{ code: number; signal?: NodeJS.Signals }> {
  const ignore = (): void => undefined;
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  childRunning = true;
  for (const name of IGNORED) process.on(name, ignore);
  for (const name of FORWARDED) process.on(name, forward);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      childRunning = false;
      for (const name of IGNORED) process.off(name, ignore);
      for (const name of FORWARDED) process.off(name, forward);
      resolve(signal ? { code: 128 + signum(signal), signal } : { code: code ?? 0 });
    });
  });
}
