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

process.stdout.write(`
That was a throwaway kernel; your own state (~/.local/state/ipsim/state.json) was not touched.
Try next, on your own state:
  ipsim boot --trace                                   net_ns_init() and the seed profile
  ipsim --trace netns add blue                         copy_net_ns -> setup_net -> ops_init ...
  ipsim --trace pernet register-subsys vlan_net_ops --id --size 32 --init vlan_init_net
  ipsim show gen                                       the net_generic slots of every namespace
  ipsim --trace netns delete blue                      put_net -> cleanup_net
  ipsim --help                                         everything else
`);
