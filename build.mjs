// Builds dist/ipsim.cjs, the whole CLI and the libraries every command uses in one CommonJS file,
// the libraries only some commands use in files of their own, and the V8 code caches bin/ipsim runs
// them with (README, "Speed"). One CommonJS file because Node's ESM loader alone costs a fifth of an
// empty start, and resolving split chunks more; lazily imported modules stay lazy inside the
// bundle: their code runs, and is compiled, only when a command needs it. The bundles made for
// one object's commands (OBJECTS) hold only what those run, every module at their top level.
import { build } from 'esbuild';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { update as updateSnapshotCheck } from './scripts/snapshot-check.mjs';

const root = fileURLToPath(new URL('.', import.meta.url));
const dist = join(root, 'dist');
const bundle = join(dist, 'ipsim.cjs');

/**
 * Libraries that not every command needs, each bundled into a file of its own beside the bundle, so
 * that a start neither reads nor compiles them: Graphviz in WebAssembly (over a megabyte, for
 * --format svg), inquirer and ora (600 KB, for a terminal), cli-table3 and chalk (a terminal's
 * boxes and colours), commander (the largest library left, for ipsim's own commands with
 * arguments), fast-string-width (Unicode widths), Linux 3.10's source table (for --trace=source)
 * and the state's valibot schema (to word a refusal). The bundle's dynamic import() of one becomes __ipsimLoad(NAME): bin/ipsim runs
 * dist/NAME.cjs from a code cache of its own, as it runs the bundle. `reads` is what the source's
 * import() takes from it: the package's default export, or its named exports.
 */
const SEPARATE = new Map([
  ['@viz-js/viz', { name: 'viz', reads: 'named' }],
  ['inquirer', { name: 'inquirer', reads: 'default' }],
  ['ora', { name: 'ora', reads: 'default' }],
  ['cli-table3', { name: 'cli-table3', reads: 'default' }],
  ['chalk', { name: 'chalk', reads: 'named' }],
  ['commander', { name: 'commander', reads: 'named', lazy: ['child_process'] }],
  // Unicode display widths, for a `show lists` label or a table cell outside printable ASCII: its
  // Unicode expressions cost a start that parses it 0.3 ms, whether or not it runs.
  ['fast-string-width', { name: 'fast-string-width', reads: 'default' }],
  // Not libraries, but modules with nothing shared (no state, no class; their constants are copied):
  // a table only --trace=source reads (11 KB), and the state's valibot schema, which runs only to
  // word a refusal (the compiled check decides) and which a start without a code cache would
  // otherwise parse, about a millisecond.
  ['../lib/source_3_10.js', { name: 'source_3_10', reads: 'named', entry: './lib/source_3_10.ts' }],
  ['./snapshot_schema.js', { name: 'snapshot_schema', reads: 'named', entry: './store/snapshot_schema.ts' }],
]);

/**
 * Built-in modules a SEPARATE library requires at its start but uses only on paths ipsim never
 * takes, made to load at the first use of one of their properties instead: commander requires
 * child_process (and with it net, the streams and dgram, compiled at every start: a third of an
 * empty start) for executable subcommands, which ipsim has none of. Only for libraries that use
 * such a module as `require(NAME).fn(...)`, never taking its properties apart at their start.
 */
function lazyBuiltins(names) {
  const filter = new RegExp(`^(node:)?(${names.join('|')})$`);
  return {
    name: 'lazy-builtins',
    setup(b) {
      b.onResolve({ filter }, (args) =>
        // The shim's own require is of the module itself.
        args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
        contents: `module.exports = new Proxy({}, { get: (_, key) => require(${JSON.stringify(`node:${args.path}`)})[key] });`,
        loader: 'js',
      }));
    },
  };
}

/** Turns a dynamic import() of a SEPARATE library into a lazily run module whose body loads its file. */
const separate = {
  name: 'separate',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (!SEPARATE.has(args.path)) return undefined;
      if (args.kind !== 'dynamic-import') throw new Error(`${args.path} may only be imported dynamically (${args.importer})`);
      return { path: args.path, namespace: 'separate' };
    });
    b.onLoad({ filter: /.*/, namespace: 'separate' }, (args) => ({
      contents: `module.exports = __ipsimLoad(${JSON.stringify(SEPARATE.get(args.path).name)});`,
      loader: 'js',
    }));
  },
};

/**
 * The commands with a cache of the bundle to themselves (bin/ipsim's OWN_CACHE names them), each
 * with the arguments of the run that makes it.
 */
const OWN_CACHES = new Map([
  ['version', ['--version']],
  ['help', ['--help']],
  ['complete', ['__complete', 'netns', 'delete', '']],
  ['netns-list', ['netns', 'list']],
  ['netns-add', ['netns', 'add', 'green']],
  ['netns-delete', ['netns', 'delete', 'blue']],
  ['netns-set', ['netns', 'set', 'blue', '7']],
  ['pernet-list', ['pernet', 'list']],
  ['pernet-register-subsys', ['pernet', 'register-subsys', 'x_net_ops', '--id', '--size', '64', '--init', 'x_init', '--exit', 'x_exit']],
  ['pernet-register-device', ['pernet', 'register-device', 'x_dev_ops', '--init', 'x_init', '--exit', 'x_exit']],
  ['show-gen', ['show', 'gen']],
  ['show-lists', ['show', 'lists']],
  ['show-net', ['show', 'net', 'red']],
  ['show-ids', ['show', 'ids']],
]);

// bin/ipsim's own lists: which commands have a cache of their own, and which bundle each runs from.
const { ownCache, ownCaches, plan } = createRequire(import.meta.url)('./bin/ipsim');

/**
 * The objects whose common commands bin/ipsim runs from a bundle of their own (its plan() of the
 * runs in OWN_CACHES), dist/ipsim.OBJECT.cjs: only what that object's commands run, every module
 * of it at the bundle's top level (see eagerImports). Left out: the dispatcher's other objects
 * (pernet's commands too, which the seed profile runs), the interactive shell, the completion
 * call-back and -batch's modules (NEVER_IN_OBJECTS), and what only rarer commands load
 * (HANDED_OVER: the seed boot of a missing state, `netns monitor`, show's formats). A command that
 * needs one of those hands itself to the whole CLI: the left-out module's stand-in throws an error
 * marked for that (commands/hand_over.ts), before anything is printed or written. "usage", the bundle of
 * --help and --version, leaves out every command (main.ts and all it loads): a tenth of the whole
 * CLI, with a cache a sixth the size. Any other left-out module, if a bug ever reached one, says
 * which (exit 70). commands/ipsim.ts hands any command line that is not one of its bundle's to
 * the whole CLI, dist/ipsim.cjs (bin/ipsim gives it the way), before it does anything.
 */
const OBJECTS = [...new Set([...OWN_CACHES.values()].map((args) => plan(args).bundle))].filter((name) => name !== 'ipsim').map((name) => name.slice('ipsim.'.length));
const OBJECT_MODULES = ['netns', 'pernet', 'show', 'reset', 'shell', 'completion'];
/** Left out of every object's bundle: what only -batch, the shell and the completion call-back run. */
const NEVER_IN_OBJECTS = ['commands/shell_loop', 'commands/complete', 'commands/batch', 'commands/batch_input', 'ui/svg'];
/**
 * Left out of an object's bundle, and handed to the whole CLI when a command needs one: the seed
 * boot of a missing state in each, and what an object's rarer commands load (`netns monitor`;
 * show's dot, Mermaid and SVG, and the spinner of the last).
 */
const HANDED_OVER = {
  netns: ['commands/boot', 'commands/netns_monitor'],
  pernet: ['commands/boot'],
  show: ['commands/boot', 'ui/diagrams', 'ui/graph', 'ui/spinner'],
};

/** The modules `object`'s bundle leaves out, by path, each mapped to whether it is handed over. */
function leftOut(object) {
  const names =
    object === 'usage'
      ? ['commands/main', ...NEVER_IN_OBJECTS]
      : [...OBJECT_MODULES.filter((name) => name !== object).map((name) => `commands/${name}`), ...NEVER_IN_OBJECTS];
  const absent = new Map([...names.map((name) => [name, false]), ...(HANDED_OVER[object] ?? []).map((name) => [name, true])].map(([name, handed]) => [join(root, `${name}.ts`), handed]));
  for (const path of absent.keys()) if (!existsSync(path)) throw new Error(`build.mjs leaves out ${path}, which does not exist`);
  return absent;
}

/** Puts a stand-in for each of `absent` (leftOut) where an import() would load it. */
function objectOnly(object, absent) {
  return {
    name: 'object-only',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const target = join(dirname(args.importer), args.path.replace(/\.js$/, '.ts'));
        return absent.has(target) ? { path: target, namespace: 'absent' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'absent' }, (args) => {
        const error = `new Error(${JSON.stringify(`${relative(root, args.path)} is not in dist/ipsim.${object}.cjs`)})`;
        // commands/hand_over.ts: the whole CLI is to run the command.
        const thrown = absent.get(args.path) ? `Object.assign(${error}, { ipsimHandOver: true })` : error;
        return { contents: `throw ${thrown};`, loader: 'js' };
      });
    },
  };
}

/**
 * In an object's bundle, each import() of one of its own modules becomes a static import. esbuild
 * puts a module that is only ever imported statically at the bundle's top level, but one that an
 * import() loads (and every module that one imports) in a function its first import calls, whose
 * code V8 parses a second time when it compiles that function: without a code cache, `netns list`
 * and `netns add` took 3 ms longer (100 alternating pairs each way). With the boot and the other
 * objects left out, what is left is what the object's commands run, so running every module's top
 * level at the start costs little; with them in, it cost more than it saved. The left-out modules'
 * stand-ins and the files bundled apart (SEPARATE) stay behind their import().
 */
function eagerImports(absent) {
  return {
    name: 'eager-imports',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        const statics = [];
        // A type's `typeof import(...)` is no import.
        const contents = source.replace(/(?<!typeof )\bimport\('(\.{1,2}\/[^']+)\.js'\)/g, (call, path) => {
          if (SEPARATE.has(`${path}.js`) || absent.has(join(dirname(args.path), `${path}.ts`))) return call;
          statics.push(`import * as __eager${statics.length} from '${path}.js';`);
          return `Promise.resolve(__eager${statics.length - 1})`;
        });
        return statics.length === 0 ? undefined : { contents: `${statics.join('')}${contents}`, loader: 'ts' };
      });
    },
  };
}

/**
 * What every file of dist/ is built with. Each is one function expression, CommonJS's module
 * wrapper with bin/ipsim's loader as a sixth argument, that bin/ipsim compiles as it is: no copy of
 * the source to wrap it, and the code cache covers exactly these bytes.
 */
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // bin/ipsim reads each file as latin1, the cheapest string V8 can make: keep them ASCII.
  charset: 'ascii',
  logLevel: 'warning',
  minify: true,
  banner: { js: '(function (exports, require, module, __filename, __dirname, __ipsimLoad) {' },
  footer: { js: '\n})' },
};

// The state file's check, compiled from its valibot schema (scripts/snapshot-check.mjs): rewritten
// here when the schema changed, so a bundle never holds a check that is not the schema's.
if (await updateSnapshotCheck()) console.log('build: store/snapshot_check.ts rewritten from store/snapshot_schema.ts');

rmSync(dist, { recursive: true, force: true });
for (const [pkg, { name, reads, lazy, entry }] of SEPARATE) {
  await build({
    ...common,
    plugins: lazy ? [lazyBuiltins(lazy)] : [],
    // The bundle's import() of it reads this as a CommonJS module in Node's way (the whole of
    // module.exports is the default export): so module.exports is the package's default export
    // when that is what the source takes (inquirer, ora, cli-table3), else its named exports.
    stdin: {
      contents: `const m = require(${JSON.stringify(entry ?? pkg)}); module.exports = ${reads === 'default' ? 'm.default !== undefined ? m.default : m' : 'm'};`,
      resolveDir: root,
      loader: 'js',
    },
    outfile: join(dist, `${name}.cjs`),
  });
}
for (const object of [undefined, ...OBJECTS]) {
  const absent = object === undefined ? undefined : leftOut(object);
  await build({
    ...common,
    entryPoints: [join(root, 'commands/ipsim.ts')],
    outfile: object === undefined ? bundle : join(dist, `ipsim.${object}.cjs`),
    plugins: absent === undefined ? [separate] : [separate, objectOnly(object, absent), eagerImports(absent)],
    // The built-in profiles are found beside the package: in the bundle, from the wrapper's __dirname.
    define: { 'import.meta.dirname': '__dirname', 'import.meta.ipsimObject': object === undefined ? 'undefined' : JSON.stringify(object) },
  });
}

// bin/ipsim compiles each file with vm.Script, which has no loader for a real import().
for (const file of readdirSync(dist)) {
  if (/\bimport\s*\(/.test(readFileSync(join(dist, file), 'latin1'))) throw new Error(`dist/${file} still contains an import(): bundle that module too`);
}

// The code caches: bin/ipsim writes one for each file it ran without a usable one, with whatever the
// run compiled, so one batch through the common commands leaves caches that cover them (the
// bundle's and commander's; the terminal's libraries get theirs at their first use).
const work = mkdtempSync(join(tmpdir(), 'ipsim-build-'));
try {
  // Read as it arrives (-batch -), the lines are two commands: the writes, settled (the state
  // written) before the run waits for the rest, and then the lines that load that state again, as
  // nearly every command does (the read, its checks, the lock). A cache made from one command over
  // a missing state would hold none of that.
  const first = ['netns add blue', 'netns add red', 'netns set red auto'];
  const then = [
    'netns list',
    'show gen',
    'show lists',
    'show net red',
    'pernet register-subsys cache_net_ops --id --size 64 --init cache_init_net --exit cache_exit_net',
    // Plain options are read without commander (commands/options.ts); a command's help is its.
    'pernet register-subsys --help',
    'pernet list',
    'netns delete red',
    'netns delete blue',
  ];
  const state = join(work, 'state.json');
  const env = { PATH: process.env.PATH, HOME: work, NO_COLOR: '1' };
  const child = spawn(process.execPath, [join(root, 'bin/ipsim'), '--state', state, '-batch', '-'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  let running = true;
  exited.then(() => (running = false));
  child.stdin.write(`${first.join('\n')}\n`);
  while (running && !existsSync(state)) await sleep(5);
  child.stdin.end(`${then.join('\n')}\n`);
  const status = await exited;
  if (status !== 0) throw new Error(`the code-cache run failed (${status}): ${stderr}`);

  // Each command bin/ipsim gives a cache of the bundle to itself (OWN_CACHE there) has it made by a
  // run of that command alone, on a state like the one above. bin/ipsim makes again a cache it
  // finds unusable, so an empty file is what asks it to make this one.
  const ownState = join(work, 'own.json');
  const setup = spawnSync(process.execPath, [join(root, 'bin/ipsim'), '--state', ownState, '-batch', '-'], {
    env: { ...env, IPSIM_CODE_CACHE: 'off' },
    input: `${first.join('\n')}\n${then[4]}\n`,
    encoding: 'utf8',
  });
  if (setup.status !== 0) throw new Error(`the state for the commands' own caches could not be made (${setup.status}): ${setup.stderr}`);
  // The runs must be of the commands bin/ipsim gives their own cache, all of them (so OBJECTS,
  // taken from these runs' bundles, holds every object bundle bin/ipsim may ask for).
  const made = [...OWN_CACHES].map(([name, args]) => (ownCache(args) === `ipsim.${name}` ? `ipsim.${name}` : `${name}, whose run bin/ipsim gives ${ownCache(args)}`));
  if (made.sort().join() !== ownCaches().sort().join()) throw new Error(`OWN_CACHES makes ${made.join(', ')}; bin/ipsim has ${ownCaches().join(', ')}`);
  for (const [name, args] of OWN_CACHES) {
    const state = join(work, `${name}.json`);
    copyFileSync(ownState, state);
    copyFileSync(`${ownState}.events`, `${state}.events`);
    writeFileSync(join(dist, `ipsim.${name}-${process.arch}-v8-${process.versions.v8}.cache`), '');
    // Through IPSIM_STATE: __complete reads no options.
    const r = spawnSync(process.execPath, [join(root, 'bin/ipsim'), ...args], { env: { ...env, IPSIM_STATE: state }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the run that makes ${name}'s own cache failed (${r.status}): ${r.stderr}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (!readdirSync(dist).some((name) => name.endsWith('.cache'))) console.warn('build: no code cache was written; ipsim runs without one');
