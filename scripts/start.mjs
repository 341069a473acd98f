// `npm start`: the main job on the built-in defaults. A traced boot of the `seed` profile on a
// throwaway state (never the user's own), one namespace added, the lists drawn, then what to try.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ipsim = resolve('bin/ipsim');
const dir = mkdtempSync(join(tmpdir(), 'ipsim-start-'));
const env = { ...process.env, IPSIM_STATE: join(dir, 'state.json') };

function run(args) {
  process.stdout.write(`\n$ ipsim ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [ipsim, ...args], { env, stdio: 'inherit' });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
}

try {
  run(['boot', '--trace']);
  run(['--trace', 'netns', 'add', 'blue']);
  run(['show', 'lists']);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The state a plain `ipsim` here would use (IPSIM_STATE, XDG_STATE_HOME…): store/paths.ts's own
 * statePath, bundled on the fly by esbuild (already installed: prestart used it to build).
 */
async function ownStatePath() {
  const { build } = await import('esbuild');
  const result = await build({
    stdin: { contents: "export { statePath } from './store/paths.ts';", resolveDir: resolve('.'), loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  const { statePath } = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`);
  return statePath(undefined, process.env);
}

// Commands as they work from this directory: `ipsim` is on the PATH only after `npm install -g .`.
process.stdout.write(`
That was a throwaway kernel; your own state (${await ownStatePath()}) was not touched.
Try next, on your own state (from this directory; after \`npm install -g .\`, just \`ipsim\`):
  bin/ipsim boot --trace                         net_ns_init() and the seed profile
  bin/ipsim --trace netns add blue               copy_net_ns -> setup_net -> ops_init ...
  bin/ipsim --trace pernet register-subsys vlan_net_ops --id --size 32 --init vlan_init_net
  bin/ipsim show gen                             the net_generic slots of every namespace
  bin/ipsim --trace netns delete blue            put_net -> cleanup_net
  bin/ipsim shell                                a prompt with Tab completion and history
  bin/ipsim pernet --help                        help for ipsim's own objects and commands
  bin/ipsim --help                               everything else
`);
