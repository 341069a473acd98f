// Builds dist/ipsim.cjs, the whole CLI and its libraries in one CommonJS file, and the V8 code
// cache bin/ipsim runs it with (README, "Speed"). One CommonJS file because Node's ESM loader
// alone costs a fifth of an empty start, and resolving split chunks more; lazily imported modules
// stay lazy inside the bundle: their code runs, and is compiled, only when a command needs it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const dist = join(root, 'dist');
const bundle = join(dist, 'ipsim.cjs');

/**
 * Libraries too big to sit in the bundle every start reads (Graphviz in WebAssembly is over a
 * megabyte; inquirer and ora, for a terminal only, are over 600 KB together): each is bundled into a file of its own beside it, and the bundle's dynamic import()
 * of it becomes a require() of that file, made only by the command that needs it.
 */
const SEPARATE = new Map([
  ['@viz-js/viz', 'viz.cjs'],
  ['inquirer', 'inquirer.cjs'],
  ['ora', 'ora.cjs'],
]);

/**
 * Turns a dynamic import() of a SEPARATE library into a lazily run module whose body is
 * require(__dirname + '/FILE'): the file beside the bundle (__dirname is the wrapper's dist/), by
 * absolute path, since the require bin/ipsim hands the bundle is bin/ipsim's own.
 */
const separate = {
  name: 'separate',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.namespace === 'separate') return { path: args.path, external: true };
      if (!SEPARATE.has(args.path)) return undefined;
      if (args.kind !== 'dynamic-import') throw new Error(`${args.path} may only be imported dynamically (${args.importer})`);
      return { path: args.path, namespace: 'separate' };
    });
    b.onLoad({ filter: /.*/, namespace: 'separate' }, (args) => ({
      contents: `module.exports = require(__dirname + ${JSON.stringify(`/${SEPARATE.get(args.path)}`)});`,
      loader: 'js',
    }));
  },
};

/** What every file of dist/ is built with. */
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // bin/ipsim reads the bundle as latin1, the cheapest string V8 can make: keep it ASCII.
  charset: 'ascii',
  logLevel: 'warning',
  minify: true,
};

rmSync(dist, { recursive: true, force: true });
for (const [name, file] of SEPARATE) {
  await build({
    ...common,
    // The bundle's import() of it reads this as a CommonJS module in Node's way (the whole of
    // module.exports is the default export): so module.exports is the package's default export
    // when it has one (inquirer, ora), else its named exports (@viz-js/viz's instance).
    stdin: {
      contents: `const m = require(${JSON.stringify(name)}); module.exports = m.default !== undefined ? m.default : m;`,
      resolveDir: root,
      loader: 'js',
    },
    outfile: join(dist, file),
  });
}
await build({
  ...common,
  entryPoints: [join(root, 'commands/ipsim.ts')],
  outfile: bundle,
  keepNames: true,
  plugins: [separate],
  define: { 'import.meta.url': '__ipsimUrl' },
  // The file is one function expression, CommonJS's module wrapper, that bin/ipsim compiles as it
  // is: no copy of the source to wrap it, and the code cache covers exactly these bytes.
  // import.meta.url, which the sources use to find fixtures/, is the wrapper's sixth argument.
  banner: { js: '(function (exports, require, module, __filename, __dirname, __ipsimUrl) {' },
  footer: { js: '\n})' },
});

const text = readFileSync(bundle, 'latin1');
// bin/ipsim compiles the bundle with vm.Script, which has no loader for a real import().
if (/\bimport\s*\(/.test(text)) throw new Error('dist/ipsim.cjs still contains an import(): bundle that module too');

// The code cache: bin/ipsim writes one when it finds none usable, with whatever the run compiled,
// so one batch through the common commands leaves a cache that covers them.
const work = mkdtempSync(join(tmpdir(), 'ipsim-build-'));
try {
  const lines = [
    'netns add blue',
    'netns add red',
    'netns set red auto',
    'netns list',
    'show gen',
    'show lists',
    'show net red',
    'pernet register-subsys cache_net_ops --id --size 64 --init cache_init_net --exit cache_exit_net',
    'pernet list',
    'netns delete red',
    'netns delete blue',
  ];
  writeFileSync(join(work, 'train'), `${lines.join('\n')}\n`);
  const env = { PATH: process.env.PATH, HOME: work, NO_COLOR: '1' };
  const run = spawnSync(process.execPath, [join(root, 'bin/ipsim'), '--state', join(work, 'state.json'), '-batch', join(work, 'train')], {
    env,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the code-cache run failed (${run.status}): ${run.stderr}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (!readdirSync(dist).some((name) => name.endsWith('.cache'))) console.warn('build: no code cache was written; ipsim runs without one');
