// The trace beside Linux 3.10.105's net/core/net_namespace.c: first_device's assignments, ops_init's
// kzalloc, synchronize_rcu()/rcu_barrier() exactly where 3.10 calls them, nsid calls only where
// there are nsids, trace names that cannot be misread, and --trace=source's locations.
import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Machine } from '../lib/machine.js';
import { SOURCE_3_10 } from '../lib/source_3_10.js';
import { formatTrace } from '../lib/trace.js';
import { traceName } from '../lib/trace_names.js';
import { distFilesLoaded, ipsim, tempDir } from './helpers/cli.js';
import { bootedKernel, createNet, destroyNet, failOn, mustCreateNet, netOf, newKernel, ops } from './helpers/kernel.js';

/** The kernel's trace since the last call, as text lines. */
function lines(kernel: Machine): string[] {
  return formatTrace(kernel.tracer.take()).split('\n').slice(0, -1);
}

describe('first_device, as register_pernet_device and unregister_pernet_device set it', () => {
  test('the first device: first_device = &ops->list after register_pernet_operations returns 0', () => {
    const kernel = newKernel();
    kernel.register_pernet_device(ops('D1'));
    expect(lines(kernel)).toEqual([
      'register_pernet_device(D1) = 0',
      '  register_pernet_operations(&pernet_list, D1) = 0',
      '    __register_pernet_operations(&pernet_list, D1) = 0',
      '      list_add_tail(D1, &pernet_list)',
      '  first_device = &D1.list',
    ]);
    kernel.register_pernet_device(ops('D2'));
    expect(lines(kernel).filter((l) => l.includes('first_device'))).toEqual([]);
  });

  test('a failed first device leaves first_device alone; rcu_barrier() comes before ida_remove', () => {
    const kernel = bootedKernel();
    const D = ops('D', { init: true, id: true, size: 8, fail_init: [failOn('init_net')] });
    expect(kernel.register_pernet_device(D)).toBe(-12);
    expect(lines(kernel)).toEqual([
      'register_pernet_device(D) = -ENOMEM',
      '  register_pernet_operations(&pernet_list, D) = -ENOMEM',
      '    ida_get_new_above(&net_generic_ids, 1, &id=1) = 0',
      '    __register_pernet_operations(&pernet_list, D) = -ENOMEM',
      '      list_add_tail(D, &pernet_list)',
      '      ops_init(D, init_net) = -ENOMEM',
      '        kzalloc(8) = data',
      '        net_assign_generic(init_net, 1) = 0',
      '        D_init(init_net) = -ENOMEM',
      '      list_del(D)',
      '      ops_exit_list(D, [])',
      '      ops_free_list(D, [])',
      '    rcu_barrier()',
      '    ida_remove(&net_generic_ids, 1)',
    ]);
    expect(kernel.state.first_device).toBeNull();
  });

  test('unregistering first_device advances it before unregister_pernet_operations, to &pernet_list at the end', () => {
    const kernel = newKernel();
    kernel.register_pernet_device(ops('D1'));
    kernel.register_pernet_device(ops('D2'));
    kernel.tracer.take();
    kernel.unregister_pernet_device('D1');
    expect(lines(kernel)).toEqual([
      'unregister_pernet_device(D1)',
      '  first_device = &D2.list',
      '  unregister_pernet_operations(D1)',
      '    __unregister_pernet_operations(D1)',
      '      list_del(D1)',
      '      ops_exit_list(D1, [])',
      '      ops_free_list(D1, [])',
      '    rcu_barrier()',
    ]);
    kernel.unregister_pernet_device('D2');
    expect(lines(kernel).slice(0, 2)).toEqual(['unregister_pernet_device(D2)', '  first_device = &pernet_list']);
    expect(kernel.state.first_device).toBeNull();
  });

  test('unregistering a device that is not first_device assigns nothing', () => {
    const kernel = newKernel();
    kernel.register_pernet_device(ops('D1'));
    kernel.register_pernet_device(ops('D2'));
    kernel.tracer.take();
    kernel.unregister_pernet_device('D2');
    expect(lines(kernel).filter((l) => l.includes('first_device'))).toEqual([]);
  });
});

describe("ops_init's kzalloc", () => {
  test('an ops with id and size: kzalloc(size) = data, then net_assign_generic', () => {
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { init: true, id: true, size: 32 }));
    expect(lines(kernel).slice(5, 9)).toEqual([
      '      ops_init(A, init_net) = 0',
      '        kzalloc(32) = data',
      '        net_assign_generic(init_net, 1) = 0',
      '        A_init(init_net) = 0',
    ]);
  });

  test('--fail-alloc: kzalloc(size) = NULL is why ops_init returns -ENOMEM, and init is not called', () => {
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { init: true, id: true, size: 32, fail_alloc: ['blue'] }));
    kernel.tracer.take();
    expect(createNet(kernel, 'blue')).toBe(-12);
    const trace = lines(kernel);
    const at = trace.indexOf('    ops_init(A, blue) = -ENOMEM');
    expect(trace.slice(at, at + 3)).toEqual(['    ops_init(A, blue) = -ENOMEM', '      kzalloc(32) = NULL', '    ops_exit_list(net_ns_ops, [blue])']);
  });

  test('an ops without id or size allocates nothing', () => {
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { init: true, size: 32 }));
    kernel.register_pernet_subsys(ops('B', { init: true, id: true }));
    expect(lines(kernel).filter((l) => l.includes('kzalloc'))).toEqual([]);
  });
});

describe('synchronize_rcu() and rcu_barrier(), where 3.10 calls them', () => {
  test('cleanup_net: synchronize_rcu() after unlinking, rcu_barrier() after the free phase; no nsid call without nsids', () => {
    const kernel = bootedKernel();
    mustCreateNet(kernel, 'blue');
    kernel.tracer.take();
    destroyNet(kernel, 'blue');
    expect(lines(kernel)).toEqual([
      'put_net(blue)',
      '  __put_net(blue)',
      'cleanup_net()',
      '  list_del_rcu(blue)',
      '  synchronize_rcu()',
      '  ops_exit_list(net_ns_ops, [blue])',
      '    net_ns_net_exit(blue)',
      '      proc_free_inum(4026531841)',
      '  ops_free_list(net_ns_ops, [blue])',
      '  rcu_barrier()',
      '  net_drop_ns(blue)',
      '    net_free(blue)',
    ]);
  });

  test("setup_net's undo path ends with rcu_barrier()", () => {
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { init: true, fail_init: [failOn('blue')] }));
    kernel.tracer.take();
    expect(createNet(kernel, 'blue')).toBe(-12);
    expect(lines(kernel)).toEqual([
      'copy_net_ns(CLONE_NEWNET, init_user_ns, init_net) = ERR_PTR(-ENOMEM)',
      '  net_alloc() = blue',
      '    net_alloc_generic() = ng(len=13)',
      '  setup_net(blue, init_user_ns) = -ENOMEM',
      '    ops_init(net_ns_ops, blue) = 0',
      '      net_ns_net_init(blue) = 0',
      '        proc_alloc_inum(&net->proc_inum=4026531841) = 0',
      '    ops_init(A, blue) = -ENOMEM',
      '      A_init(blue) = -ENOMEM',
      '    ops_exit_list(net_ns_ops, [blue])',
      '      net_ns_net_exit(blue)',
      '        proc_free_inum(4026531841)',
      '    ops_free_list(net_ns_ops, [blue])',
      '    rcu_barrier()',
      '  net_drop_ns(blue)',
      '    net_free(blue)',
    ]);
  });

  test('a registration and a namespace that succeed wait for nothing', () => {
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { init: true, exit: true, id: true, size: 8 }));
    kernel.register_pernet_device(ops('D', { init: true }));
    mustCreateNet(kernel, 'blue');
    expect(lines(kernel).filter((l) => /rcu/.test(l) && !l.includes('list_add_tail_rcu'))).toEqual([]);
  });

  test('unregister_pernet_subsys: rcu_barrier() between the exits and ida_remove', () => {
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { exit: true, id: true, size: 8 }));
    kernel.tracer.take();
    kernel.unregister_pernet_subsys('A');
    expect(lines(kernel)).toEqual([
      'unregister_pernet_subsys(A)',
      '  unregister_pernet_operations(A)',
      '    __unregister_pernet_operations(A)',
      '      list_del(A)',
      '      ops_exit_list(A, [init_net])',
      '        A_exit(init_net)',
      '      ops_free_list(A, [init_net])',
      '        ops_free(A, init_net)',
      '    rcu_barrier()',
      '    ida_remove(&net_generic_ids, 1)',
    ]);
  });
});

describe('nsid calls (Linux 4.0+) only where a namespace has nsids', () => {
  test("a namespace another one has an nsid for: unhash_nsid right after list_del_rcu", () => {
    const kernel = bootedKernel();
    const blue = mustCreateNet(kernel, 'blue');
    const red = mustCreateNet(kernel, 'red');
    kernel.rtnl_net_newid(red, blue, -1);
    kernel.tracer.take();
    destroyNet(kernel, 'blue');
    expect(lines(kernel).slice(3, 6)).toEqual(['  list_del_rcu(blue)', '  unhash_nsid(blue)', '  synchronize_rcu()']);
    expect(netOf(kernel, 'red').nsids).toEqual([]);
  });

  test('a namespace with a table of its own: unhash_nsid; its peer, no longer in any table, none', () => {
    const kernel = bootedKernel();
    const blue = mustCreateNet(kernel, 'blue');
    const red = mustCreateNet(kernel, 'red');
    kernel.rtnl_net_newid(red, blue, -1);
    destroyNet(kernel, 'red');
    expect(lines(kernel)).toContain('  unhash_nsid(red)');
    destroyNet(kernel, 'blue');
    expect(lines(kernel).filter((l) => l.includes('nsid'))).toEqual([]);
  });
});

describe('trace names that cannot be misread', () => {
  test('a name is quoted for a character of Unicode\'s White_Space or Control (Cc), or one of ,()[], wherever it is, and for " first', () => {
    const misread = (c: string): boolean => /[\s\p{Cc},()[\]]/u.test(c);
    const wrong: string[] = [];
    for (let code = 0; code <= 0xffff; code += 1) {
      const c = String.fromCharCode(code);
      if ((traceName(`a${c}`) !== `a${c}`) !== misread(c)) wrong.push(code.toString(16));
    }
    for (const c of ['🦊', '\u{e0001}', '\u{10ffff}']) if (traceName(`a${c}`) !== `a${c}`) wrong.push(c);
    expect(wrong).toEqual([]);
    expect(traceName('"a')).toBe('"\\"a"');
    expect(traceName('a"')).toBe('a"');
  });

  test('a bound name that reads as something else is written as a JSON string', () => {
    expect(traceName('blue')).toBe('blue');
    expect(traceName('名前')).toBe('名前');
    expect(traceName('a:b')).toBe('a:b');
    expect(traceName('init_net')).toBe('"init_net"');
    expect(traceName('net:[4026531840]')).toBe('"net:[4026531840]"');
    expect(traceName('net:[x')).toBe('"net:[x"');
    expect(traceName('"init_net"')).toBe('"\\"init_net\\""');
    expect(traceName('a, b')).toBe('"a, b"');
    expect(traceName('f(x)')).toBe('"f(x)"');
    expect(traceName('a]')).toBe('"a]"');
    expect(traceName('tab\there')).toBe('"tab\\there"');
    expect(traceName('new\nline')).toBe('"new\\nline"');
  });

  test('a namespace bound as init_net or as another one\'s net:[INUM] is told apart from them', () => {
    const kernel = bootedKernel();
    mustCreateNet(kernel, 'net:[4026531840]');
    expect(lines(kernel)).toContain('  list_add_tail_rcu("net:[4026531840]", net_namespace_list)');
    const second = mustCreateNet(kernel, 'init_net');
    kernel.tracer.take();
    kernel.register_pernet_subsys(ops('A', { init: true }));
    expect(lines(kernel).slice(4)).toEqual([
      '      ops_init(A, init_net) = 0',
      '        A_init(init_net) = 0',
      '      ops_init(A, "net:[4026531840]") = 0',
      '        A_init("net:[4026531840]") = 0',
      '      ops_init(A, "init_net") = 0',
      '        A_init("init_net") = 0',
    ]);
    expect(kernel.netName(second)).toBe('"init_net"');
    expect(kernel.netName(kernel.init_net!)).toBe('init_net');
  });
});

describe('--trace=source', () => {
  test("the table has net_namespace.c's functions at the lines 3.10.105 defines them", () => {
    const ns = 'net/core/net_namespace.c';
    const expected: Record<string, number> = {
      net_alloc_generic: 41, net_assign_generic: 53, ops_init: 90, ops_free: 117, ops_exit_list: 125,
      ops_free_list: 137, setup_net: 150, net_alloc: 196, net_free: 218, net_drop_ns: 231, copy_net_ns: 238,
      cleanup_net: 272, __put_net: 325, net_ns_net_init: 385, net_ns_net_exit: 390, net_ns_init: 400,
      __register_pernet_operations: 439, __unregister_pernet_operations: 465, register_pernet_operations: 497,
      unregister_pernet_operations: 524, register_pernet_subsys: 552, unregister_pernet_subsys: 571,
      register_pernet_device: 598, unregister_pernet_device: 619,
    };
    for (const [fn, line] of Object.entries(expected)) expect([fn, SOURCE_3_10.functions[fn]]).toEqual([fn, `${ns}:${line}`]);
    expect(SOURCE_3_10.statements).toEqual({
      'register_pernet_device first_device': `${ns}:604`,
      'unregister_pernet_device first_device': `${ns}:623`,
    });
    // the config's choices (RHEL 7's kernel-3.10.0: TREE_RCU without PREEMPT_RCU, DEBUG_LIST, PROC_FS)
    expect(SOURCE_3_10.functions.kzalloc).toBe('include/linux/slab.h:517');
    expect(SOURCE_3_10.functions.synchronize_rcu).toBe('include/linux/rcupdate.h:206');
    expect(SOURCE_3_10.functions.rcu_barrier).toBe('kernel/rcutree_plugin.h:1091');
    expect(SOURCE_3_10.functions.list_del).toBe('lib/list_debug.c:75');
    expect(SOURCE_3_10.functions.get_net).toBe('include/net/net_namespace.h:161');
    expect(SOURCE_3_10.functions.proc_alloc_inum).toBe('fs/proc/generic.c:130');
    expect(SOURCE_3_10.functions.loopback_net_init).toBe('drivers/net/loopback.c:190');
    expect(SOURCE_3_10.functions.unhash_nsid).toBe(`${ns} (Linux 4.17+, not in 3.10)`);
  });

  test('every kernel function the engine names has a location', () => {
    const engine = readFileSync('lib/net_namespace.ts', 'utf8');
    const named = new Set([...engine.matchAll(/tracer\.(?:call|leaf)\(\s*'([A-Za-z_0-9]+)'/g)].map((m) => m[1]!));
    for (const m of engine.matchAll(/'(register_pernet_(?:subsys|device))'/g)) named.add(m[1]!);
    named.add('ops_free'); // the "free" hook event
    expect(named.size).toBeGreaterThan(25);
    expect([...named].filter((fn) => !Object.hasOwn(SOURCE_3_10.functions, fn))).toEqual([]);
    const assigned = [...engine.matchAll(/tracer\.assign\('([a-z_]+)'/g)].map((m) => m[1]!);
    expect(assigned).toEqual(['first_device', 'first_device']);
  });

  test('a boot of linux-3.10, its modules, namespaces and failures: every line names its source but a callback of our own', () => {
    const t = tempDir();
    try {
      const run = (...args: string[]): string => {
        const r = ipsim(['--trace=source', ...args], { state: t.state });
        return r.stdout;
      };
      const out = [
        run('boot', '--profile', 'linux-3.10'),
        run('-batch', 'fixtures/profiles/linux-3.10-modules'),
        run('netns', 'add', 'blue'),
        run('netns', 'add', 'red'),
        run('netns', 'set', 'blue', 'auto'),
        run('pernet', 'register-device', 'x_net_ops', '--id', '--size', '8', '--init', 'x_init', '--exit', 'x_exit', '--fail-init', 'red'),
        run('pernet', 'unregister-device', 'loopback_net_ops'),
        run('-all', 'netns', 'delete'),
      ].join('');
      const traced = out.split('\n').filter((l) => l !== '');
      expect(traced.length).toBeGreaterThan(1000);
      const bare = traced.filter((l) => !/ {2}# \S/.test(l));
      // only x_init and x_exit, named on our command line, are in no kernel
      expect(bare.length).toBeGreaterThan(0);
      expect(bare.filter((l) => !/^ *x_(init|exit)\(/.test(l))).toEqual([]);
      expect(traced).toContain('register_pernet_device(loopback_net_ops) = 0  # net/core/net_namespace.c:598');
      expect(traced).toContain('  first_device = &loopback_net_ops.list  # net/core/net_namespace.c:604');
      expect(traced).toContain('  first_device = &default_device_ops.list  # net/core/net_namespace.c:623');
      expect(traced).toContain('        kzalloc(24) = data  # include/linux/slab.h:517');
      expect(traced).toContain('  unhash_nsid(blue)  # net/core/net_namespace.c (Linux 4.17+, not in 3.10)');
    } finally {
      t.cleanup();
    }
  });

  test('after the object of an ipsim command, --trace=source is that command\'s alone', () => {
    const t = tempDir();
    try {
      const boot = ipsim(['boot', '--profile', 'bare', '--trace=source'], { state: t.state });
      expect(boot).toMatchObject({ exit: 0, stderr: "" });
      expect(boot.stdout.split('\n')[0]).toBe('net_ns_init()  # net/core/net_namespace.c:400');
      const script = [
        'pernet register-subsys a_net_ops --init a_init --trace=source',
        'pernet register-subsys b_net_ops --init b_init --trace',
        'pernet unregister-subsys b_net_ops',
      ].join('\n');
      const batch = ipsim(['-batch', '-'], { state: t.state, stdin: `${script}\n` });
      expect(batch).toMatchObject({ exit: 0, stderr: "" });
      const out = batch.stdout.split('\n');
      expect(out).toContain('register_pernet_subsys(a_net_ops) = 0  # net/core/net_namespace.c:552');
      expect(out).toContain('register_pernet_subsys(b_net_ops) = 0');
      expect(out.filter((l) => l.startsWith('unregister_pernet_subsys'))).toEqual([]);
      // after `--`, the word is an operand, not an option
      const operand = ipsim(['pernet', 'unregister-subsys', '--', '--trace=source'], { state: t.state });
      expect(operand).toMatchObject({ exit: 1, stdout: '' });
    } finally {
      t.cleanup();
    }
  });

  test('-j: "src" on every event without "hook"; hook events exactly as before, their callbacks in "callback_src"', () => {
    const t = tempDir();
    try {
      ipsim(['boot'], { state: t.state });
      const r = ipsim(['-j', '--trace=source', 'pernet', 'register-device', 'vlan_net_ops', '--id', '--size', '32', '--init', 'vlan_init_net', '--exit', 'my_exit'], { state: t.state });
      expect(r.exit).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({
        trace: [
          { depth: 0, fn: 'register_pernet_device', args: ['vlan_net_ops'], ret: 0, src: 'net/core/net_namespace.c:598' },
          { depth: 1, fn: 'register_pernet_operations', args: ['&pernet_list', 'vlan_net_ops'], ret: 0, src: 'net/core/net_namespace.c:497' },
          { depth: 2, fn: 'ida_get_new_above', args: ['&net_generic_ids', '1', '&id=1'], ret: 0, src: 'lib/idr.c:949' },
          { depth: 2, fn: '__register_pernet_operations', args: ['&pernet_list', 'vlan_net_ops'], ret: 0, src: 'net/core/net_namespace.c:439' },
          { depth: 3, fn: 'list_add_tail', args: ['vlan_net_ops', '&pernet_list'], src: 'include/linux/list.h:74' },
          { depth: 3, fn: 'ops_init', args: ['vlan_net_ops', 'init_net'], ret: 0, src: 'net/core/net_namespace.c:90' },
          { depth: 4, fn: 'kzalloc', args: ['32'], ret: 'data', src: 'include/linux/slab.h:517' },
          { depth: 4, fn: 'net_assign_generic', args: ['init_net', '1'], ret: 0, src: 'net/core/net_namespace.c:53' },
          { depth: 4, fn: 'vlan_init_net', hook: 'init', ops: 'vlan_net_ops', net: 'init_net', ret: 0 },
        ],
        callback_src: { vlan_init_net: 'net/8021q/vlan.c:601' },
      });
      // without =source, the document is the documented {"trace":[…]}, the new events included
      const plain = ipsim(['-j', '--trace', 'pernet', 'unregister-device', 'loopback_net_ops'], { state: t.state });
      expect(JSON.parse(plain.stdout).trace.slice(0, 2)).toEqual([
        { depth: 0, fn: 'unregister_pernet_device', args: ['loopback_net_ops'] },
        { depth: 1, fn: 'first_device', assign: '&default_device_ops.list' },
      ]);
    } finally {
      t.cleanup();
    }
  });

  const GIT_DIR = '/work/.mirror/gq213+linux-3.10.105/repo';
  const haveTree = existsSync(GIT_DIR);
  (haveTree ? test : test.skip)(`the committed table is what scripts/source-locations.mjs derives from the tree${haveTree ? '' : ' (skipped: no 3.10.105 tree at ' + GIT_DIR + ')'}`, () => {
    expect(() => execFileSync(process.execPath, ['scripts/source-locations.mjs', '--check', '--git-dir', GIT_DIR], { stdio: 'pipe' })).not.toThrow();
  });
});

describe('the source table, a file of its own in dist/', () => {
  test('is read by --trace=source only', () => {
    const t = tempDir();
    try {
      expect(ipsim(['boot'], { state: t.state }).exit).toBe(0);
      expect(distFilesLoaded(['--trace', 'netns', 'add', 'blue'], t.state)).toEqual([]);
      expect(distFilesLoaded(['--trace=source', 'netns', 'add', 'red'], t.state)).toEqual(['source_3_10.cjs']);
    } finally {
      t.cleanup();
    }
  });
});
