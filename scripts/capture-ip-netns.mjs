#!/usr/bin/env node
// capture-ip-netns.mjs: run `ip netns` case definitions through the REAL iproute2 `ip` and write
// the completed conformance corpus (the format of fixtures/conformance/ip-netns-golden.json).
//
//   Usage:  node scripts/capture-ip-netns.mjs CASES.json OUT.json [--only NAME[,NAME...]]
//
// CASES.json is an array of {name, steps:[{argv, stdin?}], files?}: `argv` has no leading "ip";
// `files` maps a file name to its content, created in the case's working directory first.
// OUT.json gets the same cases with stdout, stderr and exit filled in for every step.
//
// Needs root, util-linux `unshare` and `mount`, and iproute2 (`ip`, normally /usr/sbin/ip).
// How a case runs (the conventions of /work/shared/spec/ip-netns.md §0):
//   - each case in its own private mount namespace (`unshare --mount --propagation private`),
//     with a fresh empty tmpfs on /run/netns (if /run/netns does not exist on the host, a tmpfs
//     is first put on /run inside that namespace, so nothing is created on the host);
//   - cases run one after another, in the root network namespace, so only `probe_*` names should
//     be used; before a case the root netns must have no nsids (`ip netns list-id` prints
//     nothing; a short wait covers the kernel's asynchronous netns cleanup);
//   - the working directory is a fresh temp dir holding the case's files; each step is its own
//     `ip` process (argv0 "ip", env PATH + LC_ALL=C only), fed the step's stdin (or empty stdin);
//     stdout and stderr are captured separately as bytes and must be valid UTF-8;
//   - afterwards `/run/netns` must already be empty (a case deletes what it creates); then
//     `ip -all netns delete` cleans up anyway, and the root netns must get back to no nsids;
//   - every case is run twice; a case whose two transcripts differ is reported and dropped.
// Problems are reported on stderr. Exit status: 0 all captured, 1 some case dropped (OUT.json still
// holds the others), 2 usage or setup error (not root, dirty root netns, another capture running).
// --only runs just the named cases (OUT.json then holds only those).
// Do not put `netns monitor` (never ends) or anything that depends on PIDs/timing in a case.
import { spawnSync } from 'node:child_process';
import {
  existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const STEP_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };
const STEP_TIMEOUT_MS = 20000;
const NSID_WAIT_MS = 30000;
const LOCK_DIR = join(tmpdir(), 'capture-ip-netns.lock');

function die(msg) {
  process.stderr.write(`capture-ip-netns: ${msg}\n`);
  process.exit(2);
}

function findIp() {
  for (const dir of ['/usr/sbin', '/sbin', ...(process.env.PATH ?? '').split(delimiter)]) {
    const p = join(dir || '.', 'ip');
    try {
      if (statSync(p).isFile()) return p;
    } catch {}
  }
  return undefined;
}

/** Strict UTF-8 decode: undefined if the bytes are not valid UTF-8 (a JSON string cannot hold them). */
function utf8(buf) {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch {
    return undefined;
  }
}

function run(file, args, opts = {}) {
  return spawnSync(file, args, { maxBuffer: 64 << 20, timeout: STEP_TIMEOUT_MS, ...opts });
}

// ---------------------------------------------------------------------------------------------
// Driver: runs inside the case's private mount namespace.
// ---------------------------------------------------------------------------------------------
function mountTmpfs(target) {
  const r = run('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', target], { env: STEP_ENV });
  if (r.status !== 0) throw new Error(`mount tmpfs on ${target} failed: ${String(r.stderr).trim()}`);
}

function driver(ipBin, caseFile, resultFile) {
  const c = JSON.parse(readFileSync(caseFile, 'utf8'));
  const result = { steps: [], problems: [] };
  let workdir;
  try {
    if (!existsSync('/run/netns')) {
      mountTmpfs('/run');
      mkdirSync('/run/netns', { mode: 0o755 });
    }
    mountTmpfs('/run/netns');
    if (readdirSync('/run/netns').length !== 0) throw new Error('/run/netns is not empty after mounting a tmpfs');
    workdir = mkdtempSync(join(tmpdir(), 'capture-ip-netns-'));
    for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(workdir, name), content);
    for (const step of c.steps) {
      const r = run(ipBin, step.argv, {
        argv0: 'ip',
        cwd: workdir,
        env: STEP_ENV,
        input: step.stdin ?? '',
      });
      const where = `step ${JSON.stringify(step.argv)}`;
      // EPIPE: ip exited without reading all of its stdin (e.g. an option error); harmless.
      if (r.error && !(r.error.code === 'EPIPE' && typeof r.status === 'number')) {
        result.problems.push(`${where}: ${r.error.message}`);
      }
      if (r.signal) result.problems.push(`${where}: ip killed by ${r.signal}`);
      const stdout = utf8(r.stdout ?? Buffer.alloc(0));
      const stderr = utf8(r.stderr ?? Buffer.alloc(0));
      if (stdout === undefined || stderr === undefined) result.problems.push(`${where}: output is not valid UTF-8`);
      const out = { argv: step.argv };
      if (step.stdin !== undefined) out.stdin = step.stdin;
      Object.assign(out, { stdout: stdout ?? '', stderr: stderr ?? '', exit: r.status ?? -1 });
      result.steps.push(out);
    }
  } catch (e) {
    result.problems.push(`driver: ${e.message}`);
  }
  // The case must have deleted what it created; clean up regardless, then verify.
  try {
    const left = readdirSync('/run/netns');
    if (left.length) result.problems.push(`left behind in /run/netns: ${JSON.stringify(left)}`);
    const d = run(ipBin, ['-all', 'netns', 'delete'], { argv0: 'ip', env: STEP_ENV, input: '' });
    if (d.status !== 0) result.problems.push(`cleanup "ip -all netns delete" exited ${d.status}: ${String(d.stderr)}`);
    const still = readdirSync('/run/netns');
    if (still.length) result.problems.push(`still in /run/netns after cleanup: ${JSON.stringify(still)}`);
  } catch (e) {
    result.problems.push(`cleanup: ${e.message}`);
  }
  if (workdir) rmSync(workdir, { recursive: true, force: true });
  writeFileSync(resultFile, JSON.stringify(result));
}

// ---------------------------------------------------------------------------------------------
// Main: validation, root-netns checks, isolation, stability check, output.
// ---------------------------------------------------------------------------------------------
function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Waits until the root netns has no nsids (destruction of deleted netns is asynchronous). */
function rootNsidsClear(ipBin) {
  const deadline = Date.now() + NSID_WAIT_MS;
  let last;
  for (;;) {
    const r = run(ipBin, ['netns', 'list-id'], { argv0: 'ip', env: STEP_ENV, input: '' });
    last = `exit ${r.status}, stdout ${JSON.stringify(String(r.stdout))}, stderr ${JSON.stringify(String(r.stderr))}`;
    if (r.status === 0 && r.stdout.length === 0 && r.stderr.length === 0) return { ok: true };
    if (Date.now() > deadline) return { ok: false, last };
    sleepMs(100);
  }
}

function validate(cases) {
  if (!Array.isArray(cases)) die('CASES.json must hold an array');
  const seen = new Set();
  for (const c of cases) {
    if (typeof c?.name !== 'string' || !c.name) die(`a case has no name: ${JSON.stringify(c).slice(0, 200)}`);
    if (seen.has(c.name)) die(`duplicate case name ${c.name}`);
    seen.add(c.name);
    if (!Array.isArray(c.steps) || c.steps.length === 0) die(`case ${c.name}: steps must be a non-empty array`);
    for (const s of c.steps) {
      if (!Array.isArray(s.argv) || !s.argv.every((a) => typeof a === 'string')) die(`case ${c.name}: argv must be an array of strings`);
      if (s.stdin !== undefined && typeof s.stdin !== 'string') die(`case ${c.name}: stdin must be a string`);
      if (s.argv.some((a) => /^m(o(n(i(t(o(r)?)?)?)?)?)?$/.test(a)) && s.argv.includes('netns')) {
        process.stderr.write(`capture-ip-netns: warning: case ${c.name} may run "netns monitor", which never ends\n`);
      }
    }
    if (c.files !== undefined) {
      if (typeof c.files !== 'object' || c.files === null) die(`case ${c.name}: files must be an object`);
      for (const [f, content] of Object.entries(c.files)) {
        if (f !== basename(f) || f === '.' || f === '..' || !f) die(`case ${c.name}: file name ${JSON.stringify(f)} must be a plain name`);
        if (typeof content !== 'string') die(`case ${c.name}: content of ${f} must be a string`);
      }
    }
  }
}

function acquireLock() {
  try {
    mkdirSync(LOCK_DIR);
  } catch {
    let pid = NaN;
    try {
      pid = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8'));
    } catch {}
    let alive = false;
    if (pid > 0) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {}
    }
    if (alive) die(`another capture (pid ${pid}) is running (lock ${LOCK_DIR})`);
    rmSync(LOCK_DIR, { recursive: true, force: true });
    mkdirSync(LOCK_DIR);
  }
  writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
  process.on('exit', () => rmSync(LOCK_DIR, { recursive: true, force: true }));
}

function runIsolated(ipBin, c, scratch) {
  const caseFile = join(scratch, 'case.json');
  const resultFile = join(scratch, 'result.json');
  writeFileSync(caseFile, JSON.stringify(c));
  rmSync(resultFile, { force: true });
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', process.execPath, SELF, '--driver', ipBin, caseFile, resultFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: STEP_TIMEOUT_MS * (c.steps.length + 2),
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0 || !existsSync(resultFile)) {
    return { steps: [], problems: [`driver failed (exit ${r.status}, signal ${r.signal}): ${String(r.stderr).trim()}`] };
  }
  return JSON.parse(readFileSync(resultFile, 'utf8'));
}

function firstDifference(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return `step ${i + 1}:\n    run 1: ${JSON.stringify(a[i])}\n    run 2: ${JSON.stringify(b[i])}`;
  }
  return 'none';
}

function main(argv) {
  const positional = [];
  let only;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only = new Set(String(argv[++i] ?? '').split(','));
    else if (argv[i] === '-h' || argv[i] === '--help') {
      process.stdout.write('Usage: node scripts/capture-ip-netns.mjs CASES.json OUT.json [--only NAME[,NAME...]]\n');
      return 0;
    } else positional.push(argv[i]);
  }
  if (positional.length !== 2) die('usage: node scripts/capture-ip-netns.mjs CASES.json OUT.json [--only NAME[,NAME...]]');
  const [casesPath, outPath] = positional.map((p) => resolve(p));
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) die('must run as root (it creates network namespaces)');
  const ipBin = findIp();
  if (!ipBin) die('cannot find the ip binary');
  const version = run(ipBin, ['-V'], { env: STEP_ENV });
  process.stderr.write(`capture-ip-netns: oracle ${ipBin}: ${String(version.stdout).trim()}\n`);
  if (!/iproute2-6\.1\.0/.test(String(version.stdout))) process.stderr.write('capture-ip-netns: warning: the corpus is meant for iproute2 6.1.0\n');
  if (run('unshare', ['--version']).status !== 0) die('util-linux unshare is needed');

  let cases = JSON.parse(readFileSync(casesPath, 'utf8'));
  validate(cases);
  if (only) cases = cases.filter((c) => only.has(c.name));
  acquireLock();
  const scratch = mkdtempSync(join(tmpdir(), 'capture-ip-netns-main-'));
  process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

  const pre = rootNsidsClear(ipBin);
  if (!pre.ok) die(`the root network namespace has nsids (ip netns list-id: ${pre.last}); refusing to run`);

  const out = [];
  const dropped = [];
  for (const c of cases) {
    const runs = [];
    for (let n = 0; n < 2; n++) {
      const before = rootNsidsClear(ipBin);
      if (!before.ok) die(`before case ${c.name}: root netns still has nsids (${before.last}); stopping`);
      const res = runIsolated(ipBin, c, scratch);
      const after = rootNsidsClear(ipBin);
      if (!after.ok) res.problems.push(`root netns nsids did not clear after the case (${after.last})`);
      runs.push(res);
      if (res.problems.length) break;
    }
    const problems = runs.flatMap((r) => r.problems);
    if (!problems.length && JSON.stringify(runs[0].steps) !== JSON.stringify(runs[1].steps)) {
      problems.push(`unstable: the two runs differ at ${firstDifference(runs[0].steps, runs[1].steps)}`);
    }
    if (problems.length) {
      dropped.push(c.name);
      process.stderr.write(`capture-ip-netns: DROPPED ${c.name}:\n  ${problems.join('\n  ')}\n`);
      continue;
    }
    const entry = { name: c.name, steps: runs[0].steps };
    if (c.files !== undefined) entry.files = c.files;
    out.push(entry);
    process.stderr.write(`capture-ip-netns: ok ${c.name} (${entry.steps.length} steps)\n`);
  }
  writeFileSync(outPath, JSON.stringify(out, null, 1));
  const steps = out.reduce((n, c) => n + c.steps.length, 0);
  process.stderr.write(`capture-ip-netns: wrote ${out.length} cases, ${steps} steps to ${outPath}` +
    (dropped.length ? `; dropped ${dropped.length}: ${dropped.join(', ')}` : '') + '\n');
  return dropped.length ? 1 : 0;
}

if (process.argv[2] === '--driver') {
  driver(process.argv[3], process.argv[4], process.argv[5]);
} else {
  process.exitCode = main(process.argv.slice(2));
}
