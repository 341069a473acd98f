// Child process for test/lock.test.ts. Usage:
//   node lock-child.mjs BUNDLE counter STATE COUNTER_FILE ITERATIONS [die]
//     ITERATIONS times: lock, read the counter, yield, write counter+1, release.
//     With "die", the last iteration SIGKILLs this process while it holds the lock.
//   node lock-child.mjs BUNDLE hold STATE
//     Takes the lock, prints "locked", holds it until stdin ends, releases, prints "released".
//   node lock-child.mjs BUNDLE exit-holding STATE
//     Takes the lock and exits normally without releasing it.
//   node lock-child.mjs BUNDLE idle
//     Prints "ready" and waits until stdin ends.
// BUNDLE is an ESM bundle of store/lock.ts built by the test.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setImmediate as yieldOnce } from 'node:timers/promises';

const [bundle, mode, ...args] = process.argv.slice(2);

function untilStdinEnds() {
  return new Promise((resolve) => {
    process.stdin.on('data', () => {});
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
  });
}

if (mode === 'idle') {
  process.stdout.write('ready\n');
  await untilStdinEnds();
} else {
  const { acquireLock } = await import(pathToFileURL(bundle).href);
  if (mode === 'counter') {
    const [state, counterFile, iterations, die] = args;
    const n = Number(iterations);
    for (let i = 0; i < n; i++) {
      const lock = await acquireLock(state);
      const value = Number(readFileSync(counterFile, 'utf8'));
      await yieldOnce(); // widen the window a lost update would need
      writeFileSync(counterFile, `${value + 1}\n`);
      if (die === 'die' && i === n - 1) process.kill(process.pid, 'SIGKILL');
      lock.release();
    }
  } else if (mode === 'hold') {
    const lock = await acquireLock(args[0]);
    process.stdout.write('locked\n');
    await untilStdinEnds();
    lock.release();
    process.stdout.write('released\n');
  } else if (mode === 'exit-holding') {
    await acquireLock(args[0]);
    process.exit(0);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}
