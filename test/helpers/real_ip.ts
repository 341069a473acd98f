// The oracle: the real iproute2 `ip`, run as root in isolation the way spec §0 describes. One
// long-lived `unshare --mount --net --propagation private sh` per sequence owns a private mount
// namespace with a fresh tmpfs on /run/netns, and a fresh network namespace that stands in for the
// root one (the "base"); every command is `nsenter -t <that sh> -m -n -- ip ARGS`, spawned
// directly (no shell, so arguments and bytes pass unchanged). Everything `ip netns add` binds lives
// only in that tmpfs, so when the holder ends (its stdin closes, also if the test runner dies) the
// mount namespace goes and takes every namespace created there with it.
//
// Why a base network namespace instead of the real root one: nsids are per observer namespace,
// and the root namespace's table is shared by everything on the machine. Another run of this test
// (a parallel `npm test`, a second checkout) adding namespaces at the same time would put ids in
// it that shift `auto` and show up as nameless `nsid N ` lines; this was observed. A fresh
// namespace has an empty table by construction and behaves the same for every `ip netns` command
// (nothing in iproute2 or in the nsid code treats init_net specially here).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RealRun {
  stdout: string;
  stderr: string;
  exit: number | null;
  signal: NodeJS.Signals | null;
}

/** The environment of every real command: nothing inherited but a PATH that finds ip. */
export const REAL_ENV: NodeJS.ProcessEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', HOME: '/root' };

/**
 * Run inside the holder. /run/netns must be a directory to mount on; when the host has none, a
 * tmpfs over /run (private to this mount namespace) provides it, so nothing is created on the
 * host. `read` keeps the holder alive until its stdin closes.
 */
const HOLDER_SCRIPT = [
  'set -e',
  'if [ ! -d /run/netns ]; then mount -t tmpfs -o mode=0755 probe_run /run; mkdir -m 0755 /run/netns; fi',
  'mount -t tmpfs -o mode=0755 probe_netns /run/netns',
  'if [ -n "$(ls -A /run/netns)" ]; then echo "not-empty: $(ls -A /run/netns | tr "\\n" " ")"; exit 1; fi',
  'echo ready',
  'read -r _ || true',
].join('\n');

function which(tool: string): string | undefined {
  for (const dir of (REAL_ENV.PATH ?? '').split(':')) {
    const file = join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const IP = which('ip');
const UNSHARE = which('unshare');
const NSENTER = which('nsenter');

/** `ip netns list-id` in the host's mount namespace and the root network namespace. */
export function rootNsids(): RealRun {
  if (!IP) throw new Error('no ip');
  return run(IP, ['netns', 'list-id']);
}

function run(file: string, args: readonly string[], input = ''): RealRun {
  const r = spawnSync(file, args, { input, env: REAL_ENV, encoding: 'utf8', timeout: 20000 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, exit: r.status, signal: r.signal };
}

/**
 * Why the real side cannot run here, or undefined when it can: root on Linux, ip 6.1, unshare and
 * nsenter present, no nsid already assigned in the root network namespace (they would show in
 * every `list-id` and shift `auto`), and an isolated /run/netns that really is empty.
 */
export function realIpUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root';
  if (!IP) return 'no ip (iproute2) in /usr/sbin:/usr/bin:/sbin:/bin';
  if (!UNSHARE) return 'no unshare (util-linux)';
  if (!NSENTER) return 'no nsenter (util-linux)';
  const version = run(IP, ['-V']);
  if (version.exit !== 0) return `ip -V failed: ${version.stderr.trim()}`;
  if (!version.stdout.includes('iproute2-6.1.0')) return `ip is not iproute2 6.1.0: ${version.stdout.trim()}`;
  const ids = rootNsids();
  if (ids.exit !== 0) return `ip netns list-id failed: ${ids.stderr.trim()}`;
  if (ids.stdout !== '') return `the root network namespace already has nsids assigned: ${JSON.stringify(ids.stdout)}`;
  const probe = run(UNSHARE, ['--mount', '--net', '--propagation', 'private', 'sh', '-c', HOLDER_SCRIPT]);
  if (probe.exit !== 0 || probe.stdout !== 'ready\n') {
    return `cannot set up an isolated, empty /run/netns: ${JSON.stringify(probe.stdout + probe.stderr)}`;
  }
  return undefined;
}

/** Matches a `list-id` line for an id whose namespace has no name (left trailing space). */
const NAMELESS = /^nsid \d+ $/;

/** One isolated /run/netns in a private mount namespace, driven command by command. */
export class IsolatedIp {
  private constructor(private readonly holder: ChildProcessWithoutNullStreams) {}

  static async start(): Promise<IsolatedIp> {
    if (!IP || !UNSHARE || !NSENTER) throw new Error(`real ip unavailable: ${realIpUnavailable()}`);
    const holder = spawn(UNSHARE, ['--mount', '--net', '--propagation', 'private', 'sh', '-c', HOLDER_SCRIPT], {
      env: REAL_ENV,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    holder.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    holder.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('timed out')), 10000);
      const fail = (e: Error) => {
        clearTimeout(timer);
        holder.kill('SIGKILL');
        reject(new Error(`isolated /run/netns setup failed: ${e.message}: ${JSON.stringify(out + err)}`));
      };
      holder.once('error', fail);
      holder.once('exit', (code, signal) => fail(new Error(`holder exited (${code ?? signal})`)));
      holder.stdout.on('data', () => {
        if (out === 'ready\n') {
          clearTimeout(timer);
          holder.removeAllListeners('exit');
          resolve();
        }
      });
    });
    return new IsolatedIp(holder);
  }

  /** `ip ARGS` in the isolated mount namespace and the base network namespace, exactly as typed. */
  ip(args: readonly string[], stdin = ''): RealRun {
    return run(NSENTER!, ['-t', String(this.holder.pid), '-m', '-n', '--', IP!, ...args], stdin);
  }

  /**
   * Ids still held for namespaces that lost their last name: the kernel destroys a namespace (and
   * so releases its ids in every other namespace) asynchronously after its last reference goes.
   * In these sequences nothing but a pending destruction leaves a nameless id, so it looks in the
   * base namespace's table and in the table of every namespace that still has a name.
   */
  pendingDestruction(): string[] {
    const list = this.ip(['netns', 'list']);
    const names = list.stdout.split('\n').filter(Boolean).map((l) => l.replace(/ \(id: \d+\)$/, ''));
    const pending: string[] = [];
    for (const view of [[], ...names.map((n) => ['-n', n])]) {
      const r = this.ip([...view, 'netns', 'list-id']);
      if (r.exit !== 0) throw new Error(`ip ${[...view, 'netns', 'list-id'].join(' ')} failed: ${r.stderr}`);
      for (const line of r.stdout.split('\n')) if (NAMELESS.test(line)) pending.push(`${view.join(' ') || 'base'}: ${JSON.stringify(line)}`);
    }
    return pending;
  }

  /** Waits until every namespace whose last name was deleted has been destroyed. */
  async settle(timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let pending = this.pendingDestruction(); pending.length > 0; pending = this.pendingDestruction()) {
      if (Date.now() > deadline) throw new Error(`real kernel: ids of deleted namespaces still present after ${timeoutMs} ms: ${pending.join(', ')}`);
      await sleep(5);
    }
  }

  /** Ends the holder; its mount namespace, tmpfs and every namespace bound there go with it. */
  async close(): Promise<void> {
    if (this.holder.exitCode !== null || this.holder.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.holder.once('exit', () => resolve()));
    this.holder.stdin.end();
    const timer = setTimeout(() => this.holder.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Waits until the root namespace's own nsid table is empty again; returns what is left. */
export async function rootNsidsDrained(timeoutMs = 10000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = rootNsids();
    if (r.stdout === '' || Date.now() > deadline) return r.stdout;
    await sleep(10);
  }
}
