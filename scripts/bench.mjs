// Start-up and per-command cost of the built command, as scripts see it: median wall time of
// repeated runs (spawned the way a shell would, without NODE_EXTRA_CA_CERTS, which Node 20
// parses at every start; see README "Speed"). Usage: npm run bench [-- RUNS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const runs = Number(process.argv[2] ?? 30);
const ipsim = resolve('bin/ipsim');
const dir = mkdtempSync(join(tmpdir(), 'ipsim-bench-'));
const state = join(dir, 'state.json');
const env = { PATH: process.env.PATH, IPSIM_STATE: state, NO_COLOR: '1' };

function once(args, input) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [ipsim, ...args], { env, input, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`ipsim ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(label, argsFor, setup) {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    setup?.(i);
    times.push(once(...argsFor(i)));
  }
  console.log(`${label.padEnd(44)} ${median(times).toFixed(1).padStart(7)} ms`);
}

function floor() {
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0'], { env });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  console.log(`${'node -e 0 (the floor)'.padEnd(44)} ${median(times).toFixed(1).padStart(7)} ms`);
}

try {
  console.log(`median of ${runs} runs each, Node ${process.version}`);
  floor();
  measure('ipsim --version', () => [['--version']]);
  once(['boot']);
  measure('ipsim netns list (read + validate)', () => [['netns', 'list']]);
  measure('ipsim show gen (read + render)', () => [['show', 'gen']]);
  measure('ipsim netns add (lock + write)', (i) => [['netns', 'add', `b${i}`]]);
  measure('ipsim netns delete (lock + cleanup_net + write)', (i) => [['netns', 'delete', `b${i}`]]);
  measure('ipsim pernet list (table)', () => [['pernet', 'list']]);
  measure('ipsim __complete netns delete \'\' (every Tab)', () => [['__complete', 'netns', 'delete', '']]);
  const batch = Array.from({ length: 1000 }, (_, i) => `netns add x${i}`).join('\n');
  const start = process.hrtime.bigint();
  once(['-batch', '-'], `${batch}\n`);
  console.log(`${'1000-line batch of netns add (one write)'.padEnd(44)} ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1).padStart(7)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
