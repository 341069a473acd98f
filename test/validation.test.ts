// Loading a state file (README, State file and Guarantees): every number is bounded by what the kernel model allows and
// every cross-reference is checked, so a file that loads can be run without a crash, a hang or a
// kernel BUG; a refusal is one line that names the way out, and the file is left as it was. A
// command never writes what the loader would refuse.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelState } from '../lib/state.js';
import { decodeSnapshot, kernelDocument, type KernelDocument } from '../store/snapshot.js';
import { isUnicodeText } from '../store/snapshot_format.js';
import { writeState } from '../store/write.js';
import { ipsim, tempDir } from './helpers/cli.js';

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

const run = (args: readonly string[]) => ipsim(args, { state: t.state });
const WAY_OUT = ' (keep a copy, then run "ipsim reset")';

/**
 * A seed boot with blue and red added and g_ops (id 1, 8 bytes of data per namespace) registered,
 * as the loader gives it: a struct net per namespace, which the edits below change.
 */
async function base(): Promise<KernelState> {
  for (const args of [
    ['netns', 'add', 'blue'],
    ['netns', 'add', 'red'],
    ['pernet', 'register-subsys', 'g_ops', '--id', '--size', '8', '--init', 'g_init', '--exit', 'g_exit'],
  ]) {
    expect(run(args).exit).toBe(0);
  }
  return await decodeSnapshot(readFileSync(t.state));
}

/** Each command refuses the file with exactly this reason, exit 1, one line, and leaves it alone. */
function expectRefused(content: string | Buffer, reason: string): void {
  writeFileSync(t.state, content);
  for (const args of [['netns', 'list'], ['show', 'gen'], ['netns', 'add', 'x'], ['pernet', 'unregister-subsys', 'g_ops']]) {
    expect(run(args)).toEqual({ stdout: '', stderr: `Error: cannot use state file "${t.state}": ${reason}${WAY_OUT}\n`, exit: 1, signal: null });
    expect(readFileSync(t.state)).toEqual(Buffer.from(content));
  }
}

/** The file of a base state edited, in the format this ipsim writes (store/snapshot.ts). */
async function edited(edit: (k: KernelState) => void): Promise<string> {
  const k = await base();
  edit(k);
  return JSON.stringify({ format: 'ipsim-state', version: 2, kernel: kernelDocument(k) });
}

describe('the cases that crashed, hung or hit a kernel BUG are refused', () => {
  test('a huge proc_reserved (a V8 fatal error in show ids) is beyond the 65536 proc reserve allows', async () => {
    expectRefused(
      await edited((k) => {
        k.proc_reserved = 200_000_000;
        k.net_namespace_list.forEach((net, i) => (net.proc_inum = 0xf0000000 + 200_000_000 + i));
      }),
      'kernel.proc_reserved: Invalid value: Expected <=65536 but received 200000000',
    );
  });

  test('max_gen_ptrs above the highest id the IDA hands out is refused', async () => {
    expectRefused(await edited((k) => (k.max_gen_ptrs = 2 ** 31)), 'kernel.max_gen_ptrs: Invalid value: Expected <=2147483647 but received 2147483648');
  });

  test('a generic array longer than kzalloc can allocate (4 MiB) is refused', async () => {
    expectRefused(
      await edited((k) => {
        k.max_gen_ptrs = 1e9;
        k.net_namespace_list[1]!.gen.len = 1e9;
      }),
      'kernel.net_namespace_list.gen_len.1: Invalid value: Expected <=524285 but received 1000000000',
    );
  });

  test('a huge max_gen_ptrs that ids can reach loads, and netns add fails in net_alloc_generic instead of allocating it', async () => {
    writeFileSync(t.state, await edited((k) => (k.max_gen_ptrs = 1e9)));
    const r = run(['--trace', 'netns', 'add', 'x']);
    expect(r.stderr).toBe('Failed to create a new network namespace "x": Cannot allocate memory\n');
    expect(r.exit).toBe(1);
    expect(r.stdout).toContain('    net_alloc_generic() = NULL\n');
    expect(run(['netns', 'list']).stdout).toBe('red\nblue\n');
  });

  test('a generic data slot missing for an ops with id and size (a kernel BUG in unregister) is refused', async () => {
    expectRefused(
      await edited((k) => (k.net_namespace_list[1]!.gen.slots = [])),
      'inconsistent: net_namespace_list.gen_slots: ptr[0] of net 1 has no data of g_ops, which has generic id 1 and size 8',
    );
  });

  test('invalid UTF-8 in a name is refused, not rewritten', async () => {
    const bytes = Buffer.from((await edited(() => {})).replace('"name":["blue"', '"name":["bl\u0001ue"'));
    bytes[bytes.indexOf(1)] = 0xff;
    expectRefused(bytes, 'not valid UTF-8');
  });

  test('text is Unicode when no surrogate is lone: pairs in either place pass, a lone or reversed half does not', () => {
    const lone = (s: string): boolean => /\p{Cs}/u.test(s);
    const texts = ['', 'blue', '名前', '🦊', 'a🦊b', '\ud800', '\udc00', 'a\ud800', '\udc00a', '\udc00\ud800', '\ud83e\udd8a\ud800', '\ud800\ud83e\udd8a'];
    expect(texts.map((s) => isUnicodeText(s))).toEqual(texts.map((s) => !lone(s)));
    expect(texts.filter((s) => !isUnicodeText(s))).toHaveLength(7);
  });

  test('a lone surrogate escaped in a name is refused', async () => {
    expectRefused((await edited(() => {})).replace('"name":["blue"', '"name":["bl\\ud800ue"'), 'kernel.names.name.0: not valid Unicode (a lone surrogate)');
  });

  test('what the file holds is quoted on one line: control characters in a name or at a JSON error are escaped', async () => {
    expectRefused(
      await edited((k) => {
        k.names[1]!.name = 'a\nb';
        k.names[0]!.name = 'a\nb';
      }),
      'inconsistent: names.name[1]: "a\\u000ab" appears twice',
    );
    writeFileSync(t.state, '{"format":"ipsim-state","version":n\n\u001bull}');
    expect(run(['netns', 'list']).stderr).toBe(
      `Error: cannot use state file "${t.state}": not JSON (Unexpected token '\\u000a', ..."version":n\\u000a\\u001bull}" is not valid JSON)${WAY_OUT}\n`,
    );
  });

  test('a byte order mark is not JSON', async () => {
    const content = `\ufeff${await edited(() => {})}`;
    writeFileSync(t.state, content);
    expect(run(['netns', 'list']).stderr).toMatch(/: not JSON \(.*\) \(keep a copy, then run "ipsim reset"\)\n$/);
  });
});

describe('every cross-reference and model bound is checked', () => {
  test.each<[string, (k: KernelState) => void, string]>([
    [
      'a data slot of an ops that does not own that id',
      (k) => (k.net_namespace_list[1]!.gen.slots[0]!.ops = 'other_ops'),
      'inconsistent: net_namespace_list.gen_slots[1]: ptr[0] of net 1 holds live data of other_ops, which does not own generic id 1',
    ],
    [
      'a data slot of another size than its ops allocates',
      (k) => (k.net_namespace_list[2]!.gen.slots[0]!.size = 16),
      'inconsistent: net_namespace_list.gen_slots[2]: ptr[0] of net 2 holds 16 bytes, g_ops allocates 8',
    ],
    [
      'a stale slot where the owner of the id has live data',
      (k) => (k.net_namespace_list[0]!.gen.slots[0]!.state = 'stale'),
      'inconsistent: net_namespace_list.gen_slots: ptr[0] of net 0 has no data of g_ops, which has generic id 1 and size 8',
    ],
    [
      'namespaces out of creation order',
      (k) => k.net_namespace_list.push(k.net_namespace_list.splice(1, 1)[0]!),
      'inconsistent: net_namespace_list.serial[2]: serial 1 is not above the previous namespace\'s 2',
    ],
    [
      'a serial at next_serial',
      (k) => (k.next_serial = 2),
      'inconsistent: net_namespace_list.serial[2]: serial 2 is not below next_serial 2',
    ],
    [
      'a namespace without a proc inode while net_ns_ops is registered',
      (k) => (k.net_namespace_list[1]!.proc_inum = null),
      'inconsistent: net_namespace_list.proc_inum[1]: proc_inum is null, but net_ns_ops is registered',
    ],
    [
      'net_ns_ops with other callbacks',
      (k) => (k.pernet_list[0]!.exit = null),
      'inconsistent: pernet_list[0]: net_ns_ops is not the ops net_ns_init registers',
    ],
    [
      'net_ns_net_init as another ops\' callback',
      (k) => (k.pernet_list.find((o) => o.name === 'g_ops')!.init = 'net_ns_net_init'),
      'inconsistent: pernet_list[2]: net_ns_net_init can only be a callback of net_ns_ops',
    ],
    [
      'no loopback device while loopback_net_init is registered',
      (k) => (k.net_namespace_list[2]!.loopback_dev = null),
      'inconsistent: net_namespace_list.loopback_dev[2]: loopback_net_init is registered, yet loopback_dev is NULL',
    ],
    [
      'an init fault on an ops without init',
      (k) => k.pernet_list.find((o) => o.name === 'default_device_ops')!.fail_init.push({ net: 'blue', errno: 12 }),
      'inconsistent: pernet_list[4]: default_device_ops has an init fault but no init callback',
    ],
    [
      'an allocation fault on an ops without generic data',
      (k) => k.pernet_list.find((o) => o.name === 'netdev_net_ops')!.fail_alloc.push('*'),
      'inconsistent: pernet_list[1]: netdev_net_ops has an allocation fault but allocates no generic data',
    ],
    [
      'a generic id beyond max_gen_ptrs',
      (k) => (k.pernet_list.find((o) => o.name === 'g_ops')!.id = 14),
      'inconsistent: pernet_list[2]: generic id 14 exceeds max_gen_ptrs 13',
    ],
    [
      'a proc inode number twice, where they stop ascending',
      (k) => (k.net_namespace_list[1]!.proc_inum = 4026531842),
      'inconsistent: net_namespace_list.proc_inum[2]: proc_inum 4026531842 appears twice',
    ],
    [
      'a proc inode number twice, after they stopped ascending',
      // 4026531842, 4026531841 (no longer ascending), 4026531842.
      (k) => (k.net_namespace_list[0]!.proc_inum = 4026531842),
      'inconsistent: net_namespace_list.proc_inum[2]: proc_inum 4026531842 appears twice',
    ],
    [
      'a name bound to a namespace that does not exist',
      (k) => (k.names[1]!.serial = 7),
      'inconsistent: names.serial[1]: "red" is bound to a namespace that does not exist',
    ],
    [
      'a holder of a namespace that does not exist',
      (k) => k.holders.push({ wrapper_pid: 1, wrapper_start: '1', cmd_pid: 0, cmd_start: '', boot_id: k.boot_id, serial: 9 }),
      'inconsistent: holders[0]: holds a namespace that does not exist',
    ],
    [
      'an nsid for a namespace that does not exist',
      (k) => (k.net_namespace_list[0]!.nsids = [{ nsid: 0, peer: 9 }]),
      'inconsistent: net_namespace_list.nsids[0]: nsid 0 of net 0 names a namespace that does not exist',
    ],
    [
      'two nsids for one peer',
      (k) => (k.net_namespace_list[0]!.nsids = [{ nsid: 0, peer: 1 }, { nsid: 1, peer: 1 }]),
      'inconsistent: net_namespace_list.nsids[1]: net 0 has two nsids for one peer',
    ],
    [
      'a count that misses a name listed out of serial order',
      (k) => {
        k.names.reverse();
        k.net_namespace_list[1]!.count = 2;
      },
      'inconsistent: net_namespace_list.count[1]: count is 2, expected 1 (names and holders)',
    ],
    [
      'a generic array shorter than net_alloc_generic makes',
      (k) => (k.net_namespace_list[1]!.gen.len = 12),
      'kernel.net_namespace_list.gen_len.1: Invalid value: Expected >=13 but received 12',
    ],
    [
      'a pid above PID_MAX_LIMIT',
      (k) => {
        k.holders.push({ wrapper_pid: 2 ** 40, wrapper_start: '1', cmd_pid: 0, cmd_start: '', boot_id: k.boot_id, serial: 1 });
        k.net_namespace_list[1]!.count += 1;
      },
      'kernel.holders.0.wrapper_pid: Invalid value: Expected <=4194303 but received 1099511627776',
    ],
    [
      'a start time that is not one',
      (k) => {
        k.holders.push({ wrapper_pid: 1, wrapper_start: 'soon', cmd_pid: 0, cmd_start: '', boot_id: k.boot_id, serial: 1 });
        k.net_namespace_list[1]!.count += 1;
      },
      'kernel.holders.0.wrapper_start: must be a /proc start time',
    ],
    ['a proc inode number past 32 bits', (k) => (k.net_namespace_list[1]!.proc_inum = 2 ** 32), 'kernel.net_namespace_list.proc_inum.1: Invalid value: Expected <=4294967295 but received 4294967296'],
    ['an nsid past INT_MAX', (k) => k.net_namespace_list[0]!.nsids.push({ nsid: 2 ** 31, peer: 1 }), 'kernel.net_namespace_list.nsids.0.nsid: Invalid value: Expected <=2147483647 but received 2147483648'],
  ])('%s', async (_what, edit, reason) => {
    expectRefused(await edited(edit), reason);
  });
});

describe('the columns of the file agree with each other', () => {
  /** The base state's file, edited as the file holds it: a column per field, a row per slot and nsid. */
  async function editedFile(edit: (k: KernelDocument) => void): Promise<string> {
    const kernel = kernelDocument(await base());
    edit(kernel);
    return JSON.stringify({ format: 'ipsim-state', version: 2, kernel });
  }

  test.each<[string, (k: KernelDocument) => void, string]>([
    ['a column shorter than serial', (k) => k.net_namespace_list.count.pop(), 'inconsistent: net_namespace_list.count has 2 entries, serial has 3'],
    ['a name without its serial', (k) => k.names.serial.pop(), 'inconsistent: names.serial has 1 entries, name has 2'],
    [
      'a slot of a namespace that does not exist',
      (k) => (k.net_namespace_list.gen_slots[2]!.net = 7),
      'inconsistent: net_namespace_list.gen_slots[2]: net 7 is not a namespace, or its rows are out of list order',
    ],
    [
      'slots out of list order',
      (k) => k.net_namespace_list.gen_slots.reverse(),
      'inconsistent: net_namespace_list.gen_slots[1]: net 1 is not a namespace, or its rows are out of list order',
    ],
    [
      'a namespace\'s slots out of index order',
      (k) => k.net_namespace_list.gen_slots.splice(1, 0, { net: 1, index: 3, ops: 'old_ops', size: 4, state: 'stale' }),
      'inconsistent: net_namespace_list.gen_slots[2]: slot 0 of net 1 out of order or beyond gen_len 13',
    ],
    [
      'a namespace\'s nsids out of order',
      (k) => k.net_namespace_list.nsids.push({ net: 0, nsid: 3, peer: 1 }, { net: 0, nsid: 2, peer: 2 }),
      'inconsistent: net_namespace_list.nsids[1]: the nsids of net 0 are not strictly ascending',
    ],
    [
      'an nsid of a namespace that does not exist',
      (k) => k.net_namespace_list.nsids.push({ net: 5, nsid: 0, peer: 1 }),
      'inconsistent: net_namespace_list.nsids[0]: net 5 is not a namespace, or its rows are out of list order',
    ],
  ])('%s', async (_what, edit, reason) => {
    expectRefused(await editedFile(edit), reason);
  });
});

test('names listed out of serial order load: each counts for the namespace it names', async () => {
  writeFileSync(t.state, await edited((k) => k.names.reverse()));
  expect(run(['netns', 'list'])).toMatchObject({ stdout: 'blue\nred\n', stderr: '', exit: 0 });
});

test('the check in store/snapshot_check.ts is the one scripts/snapshot-check.mjs compiles from the schema', async () => {
  const r = spawnSync(process.execPath, ['scripts/snapshot-check.mjs', '--check'], { encoding: 'utf8' });
  expect([r.stderr, r.status]).toEqual(['', 0]);
});

describe('limits the kernel model reaches fail as allocations', () => {
  test('with no serial left for a struct net, netns add fails in net_alloc (-ENOMEM)', async () => {
    writeFileSync(t.state, await edited((k) => (k.next_serial = Number.MAX_SAFE_INTEGER)));
    expect(run(['netns', 'add', 'x'])).toMatchObject({ stderr: 'Failed to create a new network namespace "x": Cannot allocate memory\n', exit: 1 });
    expect(run(['netns', 'list']).stdout).toBe('red\nblue\n');
  });
});

describe('a command never writes a state the loader would refuse', () => {
  test('writeState checks the invariants first and writes nothing when one is broken (a bug: exit 70 at the top)', async () => {
    const doc = await base();
    const state = await decodeSnapshot(readFileSync(t.state));
    state.net_namespace_list[1]!.count = 5;
    const path = join(t.dir, 'new.json');
    expect(() => writeState(path, state)).toThrow(
      'refusing to write an inconsistent state: net_namespace_list.count[1]: count is 5, expected 1 (names and holders)',
    );
    expect(existsSync(path)).toBe(false);
    writeState(path, doc);
    expect(await decodeSnapshot(readFileSync(path))).toEqual(doc);
  });

  test('what the file does not store is checked before writing: every namespace has dev_base_seq 1', async () => {
    const state = await base();
    state.net_namespace_list[1]!.dev_base_seq = 2;
    const path = join(t.dir, 'new.json');
    expect(() => writeState(path, state)).toThrow(
      'refusing to write an inconsistent state: net 1 has passive 1, dev_base_seq 2, user_ns init_user_ns',
    );
    expect(existsSync(path)).toBe(false);
  });
});
