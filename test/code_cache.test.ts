// bin/ipsim runs dist/ipsim.cjs (or, for an object's common commands, the bundle made for that
// object), and each library bundled apart that a command needs, from a V8 code cache of its own
// (README "Speed"). Each test works on a copy of bin/ and dist/ in a
// temporary directory, so the checkout's own caches are never touched.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { cleanEnv, filesRead, tempDir } from './helpers/cli.js';

const root = resolve('.');
const cacheOf = (name: string): string => `${name}-${process.arch}-v8-${process.versions.v8}.cache`;
const CACHE = cacheOf('ipsim');
/** What the build leaves without any cache: the bundles (the whole CLI's, three objects', and --help and --version's), and the modules bundled apart. */
const FILES = [
  'chalk.cjs',
  'cli-table3.cjs',
  'commander.cjs',
  'fast-string-width.cjs',
  'inquirer.cjs',
  'ipsim.cjs',
  'ipsim.netns.cjs',
  'ipsim.pernet.cjs',
  'ipsim.show.cjs',
  'ipsim.usage.cjs',
  'ora.cjs',
  'snapshot_schema.cjs',
  'source_3_10.cjs',
  'viz.cjs',
];

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  cpSync(join(root, 'bin'), join(dir, 'bin'), { recursive: true });
  // The build's files and caches only: other runs in the checkout may have added a library's cache.
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.cache') || [CACHE, cacheOf('commander')].includes(basename(src)) });
});
afterEach(() => cleanup());

function run(args: string[], env: Record<string, string> = {}, direct = false): { stdout: string; stderr: string; exit: number | null } {
  const ipsim = join(dir, 'bin/ipsim');
  const r = direct
    ? spawnSync(ipsim, args, { env: cleanEnv(env), encoding: 'utf8' })
    : spawnSync(process.execPath, [ipsim, ...args], { env: cleanEnv(env), encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, exit: r.status };
}

const cacheFile = (name = 'ipsim'): string => join(dir, 'dist', cacheOf(name));
const bundle = (): string => join(dir, 'dist/ipsim.cjs');

// -V (ip's -Version) runs from the whole CLI and its general cache; --version from the bundle made for
// --help and --version, with a cache of its own.
describe('the code cache', () => {
  test('the build leaves a cache for this Node that begins with a copy of the bundle', () => {
    const source = readFileSync(join(root, 'dist/ipsim.cjs'));
    const cache = readFileSync(join(root, 'dist', CACHE));
    expect(cache.length).toBeGreaterThan(source.length);
    expect(cache.subarray(0, source.length).equals(source)).toBe(true);
  });

  test('a usable cache is read, not written again', () => {
    const before = statSync(cacheFile());
    expect(run(['-V'])).toEqual({ stdout: 'ipsim 0.1.0\n', stderr: '', exit: 0 });
    const after = statSync(cacheFile());
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  test('a same-length change to the bundle runs the new code, and the cache is made again', () => {
    const text = readFileSync(bundle(), 'latin1');
    expect(text.split('"0.1.0"')).toHaveLength(2);
    writeFileSync(bundle(), text.replace('"0.1.0"', '"9.9.9"'), 'latin1');
    expect(run(['-V'])).toEqual({ stdout: 'ipsim 9.9.9\n', stderr: '', exit: 0 });
    const cache = readFileSync(cacheFile());
    expect(cache.subarray(0, text.length).toString('latin1')).toContain('"9.9.9"');
  });

  test("a cache V8 rejects (another Node's, say) is replaced by one this Node accepts", () => {
    const source = readFileSync(bundle());
    writeFileSync(cacheFile(), Buffer.concat([source, Buffer.alloc(4096, 0x5a)]));
    expect(run(['-V'])).toEqual({ stdout: 'ipsim 0.1.0\n', stderr: '', exit: 0 });
    const rewritten = readFileSync(cacheFile()).subarray(source.length);
    expect(rewritten.equals(Buffer.alloc(4096, 0x5a))).toBe(false);
    const before = statSync(cacheFile());
    expect(run(['-V']).exit).toBe(0);
    expect(statSync(cacheFile()).ino).toBe(before.ino);
  });

  test('without a cache the first run writes one', () => {
    rmSync(cacheFile());
    expect(run(['-V']).exit).toBe(0);
    expect(readdirSync(join(dir, 'dist')).sort()).toEqual([...FILES, CACHE, cacheOf('commander')].sort());
  });

  test('a cache that cannot be written: ipsim runs without one', () => {
    rmSync(cacheFile());
    mkdirSync(cacheFile());
    expect(run(['-V'])).toEqual({ stdout: 'ipsim 0.1.0\n', stderr: '', exit: 0 });
    expect(statSync(cacheFile()).isDirectory()).toBe(true);
    expect(readdirSync(join(dir, 'dist')).sort()).toEqual([...FILES, CACHE, cacheOf('commander')].sort());
  });

  test("a dist/ that cannot be written: the cache is made in the user's cache directory, and read from there", () => {
    rmSync(cacheFile());
    const userCache = join(dir, 'user-cache');
    mkdirSync(userCache);
    chmodSync(userCache, 0o777);
    // Root writes any directory: the run is then a user's, to whom the install is read-only.
    const asUser = process.getuid?.() === 0;
    if (asUser) chmodSync(dir, 0o755);
    else chmodSync(join(dir, 'dist'), 0o555);
    const runOnce = (): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [join(dir, 'bin/ipsim'), '-V'], {
        env: cleanEnv({ XDG_CACHE_HOME: userCache }),
        encoding: 'utf8',
        ...(asUser ? { uid: 65534, gid: 65534 } : {}),
      });
    try {
      expect(runOnce()).toMatchObject({ status: 0, stdout: 'ipsim 0.1.0\n' });
      const made = readdirSync(join(userCache, 'ipsim'));
      expect(made).toHaveLength(1);
      const caches = readdirSync(join(userCache, 'ipsim', made[0]!));
      expect(caches).toEqual([CACHE]);
      const before = statSync(join(userCache, 'ipsim', made[0]!, CACHE));
      expect(runOnce()).toMatchObject({ status: 0, stdout: 'ipsim 0.1.0\n' });
      const after = statSync(join(userCache, 'ipsim', made[0]!, CACHE));
      expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
      expect(readdirSync(join(dir, 'dist')).sort()).toEqual([...FILES, cacheOf('commander')].sort());
    } finally {
      chmodSync(join(dir, 'dist'), 0o755);
    }
  });

  test('IPSIM_CODE_CACHE=off neither reads nor writes a cache', () => {
    rmSync(cacheFile());
    rmSync(cacheFile('commander'));
    expect(run(['pernet', 'list', '--help'], { IPSIM_CODE_CACHE: 'off' }).exit).toBe(0);
    expect(readdirSync(join(dir, 'dist')).sort()).toEqual(FILES);
  });

  test("the build leaves a cache for commander too, the one library bundled apart its run of the common commands loads (a command's --help)", () => {
    const source = readFileSync(join(root, 'dist/commander.cjs'));
    const cache = readFileSync(join(root, 'dist', cacheOf('commander')));
    expect(cache.length).toBeGreaterThan(source.length);
    expect(cache.subarray(0, source.length).equals(source)).toBe(true);
  });

  test("a same-length change to a library bundled apart runs the new code, and that library's cache is made again", () => {
    const file = join(dir, 'dist/commander.cjs');
    const text = readFileSync(file, 'latin1');
    expect(text.split('unknown option').length).toBeGreaterThan(1);
    writeFileSync(file, text.replaceAll('unknown option', 'UNKNOWN OPTION'), 'latin1');
    const r = run(['pernet', 'list', '--zzz'], { IPSIM_STATE: join(dir, 'state.json') });
    expect(r).toEqual({ stdout: '', stderr: "Error: UNKNOWN OPTION '--zzz'\n", exit: 255 });
    expect(readFileSync(cacheFile('commander')).subarray(0, text.length).toString('latin1')).toContain('UNKNOWN OPTION');
  });

  test("a library's cache is written at the first run that loads it", () => {
    rmSync(cacheFile('commander'));
    expect(run(['-V']).exit).toBe(0);
    expect(existsSync(cacheFile('commander'))).toBe(false);
    expect(run(['pernet', 'list', '--help'], { IPSIM_STATE: join(dir, 'state.json') }).exit).toBe(0);
    const cache = readFileSync(cacheFile('commander'));
    expect(cache.subarray(0, statSync(join(dir, 'dist/commander.cjs')).size).equals(readFileSync(join(dir, 'dist/commander.cjs')))).toBe(true);
  });

  test('bin/ipsim runs as an executable, not only through node', () => {
    expect(run(['-V'], {}, true)).toEqual({ stdout: 'ipsim 0.1.0\n', stderr: '', exit: 0 });
  });

  test('without a build: one line on stderr, exit 1', () => {
    rmSync(join(dir, 'dist'), { recursive: true });
    const r = run(['-V']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`ipsim: cannot read ${join(dir, 'dist/ipsim.cjs')}: ENOENT; run "npm run build"\n`);
    expect(r.exit).toBe(1);
  });
});

describe("the common commands' own caches", () => {
  const require_ = createRequire(import.meta.url);
  const { ownCache, ownCaches, plan } = require_(join(root, 'bin/ipsim')) as {
    ownCache: (args: string[]) => string | undefined;
    ownCaches: () => string[];
    plan: (args: string[]) => { bundle: string; caches: string[] };
  };
  const own = (args: string[]): string => cacheOf(ownCache(args)!);
  // A state to read, made first (from the built-in seed profile, which the copy needs).
  beforeEach(() => {
    cpSync(join(root, 'fixtures'), join(dir, 'fixtures'), { recursive: true });
    expect(run(['netns', 'add', 'blue'], { IPSIM_STATE: join(dir, 'state.json') }).exit).toBe(0);
  });

  /** The caches a run read, by name. */
  function cachesRead(args: string[]): string[] {
    return filesRead(/\.cache$/, (env) => expect(run(args, { ...env, IPSIM_STATE: join(dir, 'state.json') }).exit).toBe(0));
  }

  test('the build makes one for each command bin/ipsim gives one, each beginning with a copy of the bundle that command runs from', () => {
    expect(ownCaches()).toContain('ipsim.netns-list');
    for (const name of ownCaches()) {
      // ipsim.OBJECT-COMMAND is made from the object's bundle, --version's and --help's from theirs, __complete's from the whole CLI's.
      const object = /^ipsim\.(netns|pernet|show)-/.exec(name)?.[1] ?? (['ipsim.version', 'ipsim.help'].includes(name) ? 'usage' : undefined);
      const from = object === undefined ? 'ipsim' : `ipsim.${object}`;
      const source = readFileSync(join(root, 'dist', `${from}.cjs`));
      const cache = readFileSync(join(root, 'dist', cacheOf(name)));
      expect([name, from, cache.length > source.length && cache.subarray(0, source.length).equals(source)]).toEqual([name, from, true]);
    }
  });

  test("an object's common commands run from the bundle made for that object, with their own cache only; the rest from the whole CLI's", () => {
    expect(plan(['--state', 'state.json', 'netns', 'list'])).toEqual({ bundle: 'ipsim.netns', caches: ['ipsim.netns-list'] });
    expect(plan(['pernet', 'register-subsys', 'x'])).toEqual({ bundle: 'ipsim.pernet', caches: ['ipsim.pernet-register-subsys'] });
    expect(plan(['show', 'gen'])).toEqual({ bundle: 'ipsim.show', caches: ['ipsim.show-gen'] });
    expect(plan(['--version'])).toEqual({ bundle: 'ipsim.usage', caches: ['ipsim.version'] });
    expect(plan(['--help'])).toEqual({ bundle: 'ipsim.usage', caches: ['ipsim.help'] });
    expect(plan(['__complete', 'netns', 'delete', ''])).toEqual({ bundle: 'ipsim', caches: ['ipsim.complete', 'ipsim'] });
    expect(plan(['-V'])).toEqual({ bundle: 'ipsim', caches: ['ipsim'] });
    expect(plan(['netns', 'identify'])).toEqual({ bundle: 'ipsim', caches: ['ipsim'] });
    expect(plan(['-batch', 'lines'])).toEqual({ bundle: 'ipsim', caches: ['ipsim'] });
  });

  test('a command is its object and the word after, wherever the options before put them; other commands have none', () => {
    expect(ownCache(['--state', 'state.json', 'netns', 'list'])).toBe('ipsim.netns-list');
    // The first object word is taken, even an option's value: that command runs from the general cache.
    expect(ownCache(['-n', 'show', 'netns', 'list'])).toBeUndefined();
    expect(ownCache(['-j', 'show', 'gen', 'blue'])).toBe('ipsim.show-gen');
    expect(ownCache(['__complete', 'netns', 'delete', ''])).toBe('ipsim.complete');
    expect(ownCache(['--version'])).toBe('ipsim.version');
    expect(ownCache(['netns', 'l'])).toBeUndefined();
    expect(ownCache(['-batch', 'lines'])).toBeUndefined();
    expect(ownCache(['boot'])).toBeUndefined();
  });

  test('a command with a cache of its own reads that one only', () => {
    cpSync(join(root, 'dist', own(['netns', 'list'])), join(dir, 'dist', own(['netns', 'list'])));
    expect(cachesRead(['netns', 'list'])).toEqual([own(['netns', 'list'])]);
  });

  test("without its own cache, an object's command makes it: its object's bundle has no other", () => {
    // Looked for in dist/, then in the user's cache directory.
    expect(cachesRead(['netns', 'list'])).toEqual([own(['netns', 'list']), own(['netns', 'list'])]);
    const cache = readFileSync(join(dir, 'dist', own(['netns', 'list'])));
    const source = readFileSync(join(dir, 'dist/ipsim.netns.cjs'));
    expect(cache.length > source.length && cache.subarray(0, source.length).equals(source)).toBe(true);
  });

  test("without its own cache, a command of the whole CLI's runs from the general one, and makes no cache of its own", () => {
    // It looks for its own first.
    const complete = ['__complete', 'netns', 'delete', ''];
    expect(cachesRead(complete)).toEqual([own(complete), CACHE]);
    expect(existsSync(join(dir, 'dist', own(complete)))).toBe(false);
  });

  test('an own cache that is not usable is made again, and the general one is left as it was', () => {
    const source = readFileSync(join(dir, 'dist/ipsim.netns.cjs'));
    writeFileSync(join(dir, 'dist', own(['netns', 'list'])), Buffer.concat([source, Buffer.alloc(4096, 0x5a)]));
    const general = statSync(cacheFile());
    expect(run(['netns', 'list'], { IPSIM_STATE: join(dir, 'state.json') }).exit).toBe(0);
    expect(readFileSync(join(dir, 'dist', own(['netns', 'list']))).subarray(source.length).equals(Buffer.alloc(4096, 0x5a))).toBe(false);
    expect([statSync(cacheFile()).ino, statSync(cacheFile()).mtimeMs]).toEqual([general.ino, general.mtimeMs]);
  });
});

describe("the bundles made for one object's commands", () => {
  const BUNDLES = { netns: 'ipsim.netns.cjs', pernet: 'ipsim.pernet.cjs', show: 'ipsim.show.cjs' } as const;
  /** The bundles of dist/ (ipsim*.cjs) a run read, in order. */
  function bundlesRead(args: string[], env: Record<string, string> = {}): string[] {
    return filesRead(/\/dist\/ipsim[^/]*\.cjs$/, (probe) => run(args, { ...probe, ...env }));
  }
  beforeEach(() => {
    cpSync(join(root, 'fixtures'), join(dir, 'fixtures'), { recursive: true });
  });

  test("leave out the other objects' modules, the seed boot, the batch, the shell and the completion call-back, and say so if one were reached", () => {
    // A message each object's module alone has.
    const markers = { netns: 'No netns name and PID specified', pernet: 'ask for a net_generic id', show: 'Usage: ipsim show {' };
    const whole = readFileSync(join(root, 'dist/ipsim.cjs'), 'latin1');
    for (const marker of Object.values(markers)) expect(whole.includes(marker)).toBe(true);
    // What a command that needs it hands to the whole CLI (commands/hand_over.ts); any other is a bug if reached.
    const handedOver = { netns: ['commands/boot', 'commands/netns_monitor'], pernet: ['commands/boot'], show: ['commands/boot', 'ui/diagrams', 'ui/graph', 'ui/spinner'] };
    for (const [object, file] of Object.entries(BUNDLES)) {
      const text = readFileSync(join(root, 'dist', file), 'latin1');
      for (const [other, marker] of Object.entries(markers)) expect([object, other, text.includes(marker)]).toEqual([object, other, other === object]);
      const others = Object.keys(BUNDLES).filter((other) => other !== object);
      const bugs = ['reset', 'shell', 'completion', 'shell_loop', 'complete', 'batch', 'batch_input', ...others].map((name) => `commands/${name}`);
      // SVG's module, which only show's diagrams reach.
      if (object === 'show') bugs.push('ui/svg');
      const standIn = (name: string): string => `"${name}.ts is not in dist/${file}")`;
      const handed = (name: string): boolean => text.includes(`${standIn(name)},{ipsimHandOver:!0}`);
      for (const name of bugs) expect([name, text.includes(standIn(name)), handed(name)]).toEqual([name, true, false]);
      for (const name of handedOver[object as keyof typeof handedOver]) expect([name, handed(name)]).toEqual([name, true]);
      expect(text.length).toBeLessThan(whole.length * 0.7);
    }
  });

  test('their modules are at the top level: only the stand-ins of the left-out ones wait for an import()', () => {
    for (const file of Object.values(BUNDLES)) {
      const text = readFileSync(join(root, 'dist', file), 'latin1');
      // esbuild's lazily run module: `var init_x = __esm(() => {...})`, minified `=k(()=>{`.
      const lazy = text.match(/=[A-Za-z_$][\w$]{0,2}\(\(\)=>\{/g) ?? [];
      const standIns = text.match(/ is not in dist\//g) ?? [];
      expect([file, lazy.length]).toEqual([file, standIns.length]);
    }
  });

  test('a command on a missing state hands itself to the whole CLI, which boots it: the same output, exit and files as there', () => {
    const lines = [
      ['netns', 'list'],
      ['netns', 'add', 'blue'],
      ['--trace', 'netns', 'add', 'blue'],
      ['-j', '--trace', 'netns', 'set', 'blue', '7'],
      ['-n', 'blue', 'netns', 'list'],
      ['netns', 'delete', 'blue'],
      ['pernet', 'list'],
      ['-j', 'pernet', 'register-subsys', 'x_ops', '--id', '--size', '8', '--init', 'x_init'],
      ['--trace', 'pernet', 'register-device', 'd_ops', '--init', 'd_init'],
      ['show', 'gen'],
      ['-j', 'show', 'lists'],
      ['--trace', 'show', 'net'],
      ['show', 'ids'],
      // Formats whose modules the show bundle leaves out: handed over on a state that exists too.
      ['show', 'gen', '--format', 'dot'],
      ['show', 'lists', '--format', 'mermaid'],
    ];
    for (const args of lines) {
      const object = args.find((word) => word in BUNDLES) as keyof typeof BUNDLES;
      const options = args.slice(0, args.indexOf(object));
      const state = join(dir, 'state.json');
      const files = (): string[] => readdirSync(dir).filter((name) => name.startsWith('state.json')).sort();
      rmSync(state, { force: true });
      rmSync(`${state}.events`, { force: true });
      expect(bundlesRead([...args], { IPSIM_STATE: state })).toEqual([BUNDLES[object], 'ipsim.cjs']);
      rmSync(state, { force: true });
      rmSync(`${state}.events`, { force: true });
      const here = { ...run([...args], { IPSIM_STATE: state }), files: files() };
      rmSync(state, { force: true });
      rmSync(`${state}.events`, { force: true });
      // The same line through -batch runs in the whole CLI from the start.
      const r = spawnSync(process.execPath, [join(dir, 'bin/ipsim'), ...options, '-batch', '-'], {
        env: cleanEnv({ IPSIM_STATE: state }),
        input: `${args.slice(args.indexOf(object)).join(' ')}\n`,
        encoding: 'utf8',
      });
      // A batch adds its own line about a failed one.
      const stderr = r.stderr.replace(/Command failed -:1\n$/, '');
      expect([args.join(' '), here]).toEqual([args.join(' '), { stdout: r.stdout, stderr, exit: r.status, files: files() }]);
    }
  });

  test('each common command of an object reads its bundle only', () => {
    const env = { IPSIM_STATE: join(dir, 'state.json') };
    expect(run(['netns', 'add', 'blue'], env).exit).toBe(0);
    expect(bundlesRead(['netns', 'list'], env)).toEqual(['ipsim.netns.cjs']);
    expect(bundlesRead(['pernet', 'list'], env)).toEqual(['ipsim.pernet.cjs']);
    expect(bundlesRead(['show', 'gen'], env)).toEqual(['ipsim.show.cjs']);
    expect(bundlesRead(['netns', 'identify', String(process.pid)], env)).toEqual(['ipsim.cjs']);
  });

  test('--help and --version run from a bundle with no command in it, a tenth of the whole CLI, and print what it prints', () => {
    const text = readFileSync(join(root, 'dist/ipsim.usage.cjs'), 'latin1');
    expect(text.includes('"commands/main.ts is not in dist/ipsim.usage.cjs"')).toBe(true);
    expect(text.length).toBeLessThan(readFileSync(join(root, 'dist/ipsim.cjs'), 'latin1').length / 10);
    for (const flag of ['--version', '--help']) {
      // After an option, the same flag is the whole CLI's.
      const same = ['--state', join(dir, 'state.json'), flag];
      expect(bundlesRead([flag])).toEqual(['ipsim.usage.cjs']);
      expect(bundlesRead(same)).toEqual(['ipsim.cjs']);
      expect(run([flag])).toEqual(run(same));
      expect(run([flag]).stdout).toMatch(flag === '--version' ? /^ipsim \d/ : /^Usage: ipsim /);
    }
  });

  test("a command line whose words look like an object's common command, but is not one, runs in the whole CLI, as it does there", () => {
    const state = join(dir, 'state.json');
    // --state's value is the word "netns": the command is "list", an object ip does not have.
    expect(bundlesRead(['--state', 'netns', 'list'])).toEqual(['ipsim.netns.cjs', 'ipsim.cjs']);
    expect(run(['--state', 'netns', 'list'])).toEqual({ stdout: '', stderr: 'Object "list" is unknown, try "ip help".\n', exit: 1 });
    // A batch file: the words after it are ignored, as ip ignores them.
    const lines = join(dir, 'lines');
    writeFileSync(lines, 'netns add red\n');
    expect(run(['--state', state, '-batch', lines, 'netns', 'list'])).toEqual({ stdout: '', stderr: '', exit: 0 });
    expect(run(['--state', state, 'netns', 'list'])).toEqual({ stdout: 'red\n', stderr: '', exit: 0 });
  });
});
