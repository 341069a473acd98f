// The real `ip netns` transcripts (iproute2 6.1, captured as root in a private mount namespace with
// a tmpfs on /run/netns) replayed against the built ipsim: `ip` replaced by ipsim, every byte of
// stdout and stderr and the exit code compared, each case on a fresh state.
import { afterEach, describe, expect, test } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IPSIM, ipsim, tempDir } from './helpers/cli.js';

interface Step {
  argv: string[];
  stdout: string;
  stderr: string;
  exit: number;
  stdin?: string;
}
interface Case {
  name: string;
  steps: Step[];
  files?: Record<string, string>;
}

const corpora = ['fixtures/conformance/ip-netns-golden.json'];
/** Cases that need the process model (exec, pids, attach), which is not built yet. */
const PENDING = new Set<string>([]);

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

for (const corpus of corpora) {
  const cases = JSON.parse(readFileSync(corpus, 'utf8')) as Case[];
  describe(corpus, () => {
    for (const c of cases) {
      (PENDING.has(c.name) ? test.skip : test)(c.name, () => {
        const t = tempDir();
        cleanup = t.cleanup;
        for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(t.dir, name), content);
        for (const step of c.steps) {
          const argv = step.argv.map((a) => (a === 'ip' ? IPSIM : a));
          const run = ipsim(argv, { state: t.state, stdin: step.stdin, cwd: t.dir });
          expect({ argv: step.argv, stdout: run.stdout, stderr: run.stderr, exit: run.exit }).toEqual({
            argv: step.argv,
            stdout: step.stdout,
            stderr: step.stderr,
            exit: step.exit,
          });
        }
      });
    }
  });
}
