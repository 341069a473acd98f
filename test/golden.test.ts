// Golden transcripts of ipsim's own commands (fixtures/golden/*.txt), replayed against the built
// command on a fresh state per file. A file is a series of steps:
//
//   # lines between steps are comments, kept as they are
//   $ ipsim ARGS            the command (words split as a batch line is)
//   <<                      optional: the lines up to the next `>>` are its stdin
//   stdout lines
//   2> stderr lines
//   [exit N]
//
// The state file's directory prints as STATE_DIR. UPDATE_GOLDEN=1 rewrites the files from what
// the command prints now (then read the diff before committing it).
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchItems } from '../commands/batch.js';
import { ipsim, tempDir } from './helpers/cli.js';

const DIR = 'fixtures/golden';

interface Step {
  comments: string[];
  command: string;
  stdin?: string[];
}

function parse(text: string): Step[] {
  const steps: Step[] = [];
  let comments: string[] = [];
  let inStep = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (!inStep && line.startsWith('$ ipsim')) {
      const step: Step = { comments, command: line };
      if (lines[i + 1] === '<<') {
        const end = lines.indexOf('>>', i + 2);
        step.stdin = lines.slice(i + 2, end);
        i = end;
      }
      steps.push(step);
      comments = [];
      inStep = true;
    } else if (inStep) {
      if (/^\[exit \d+\]$/.test(line)) inStep = false;
    } else if (i < lines.length - 1) {
      comments.push(line);
    }
  }
  return steps;
}

function words(command: string): string[] {
  for (const item of batchItems(command.slice('$ ipsim'.length))) if (item.kind === 'command') return item.argv;
  return [];
}

function render(steps: readonly Step[], outputs: readonly string[]): string {
  return steps
    .map((step, i) => {
      const stdin = step.stdin ? ['<<', ...step.stdin, '>>'] : [];
      return [...step.comments, step.command, ...stdin, outputs[i]!].join('\n');
    })
    .join('\n');
}

function lines(text: string, prefix: string): string[] {
  if (text === '') return [];
  const body = text.endsWith('\n') ? text.slice(0, -1) : `${text}\n(no newline at end)`;
  return body.split('\n').map((l) => `${prefix}${l}`);
}

describe('golden transcripts', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort()) {
    test(file, () => {
      const path = join(DIR, file);
      const expected = readFileSync(path, 'utf8');
      const steps = parse(expected);
      const t = tempDir();
      try {
        const outputs = steps.map((step) => {
          const run = ipsim(words(step.command), { state: t.state, stdin: step.stdin ? `${step.stdin.join('\n')}\n` : '', cwd: t.dir });
          const scrub = (s: string): string => s.split(t.dir).join('STATE_DIR');
          return [...lines(scrub(run.stdout), ''), ...lines(scrub(run.stderr), '2> '), `[exit ${run.exit}]`].join('\n');
        });
        const actual = `${render(steps, outputs)}\n`;
        if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
        else expect(actual).toBe(expected);
      } finally {
        t.cleanup();
      }
    });
  }
});
