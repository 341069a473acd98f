// The scenarios T01–T25 of /work/shared/spec/kernel-semantics.md §10, one test each, with the
// spec's exact expectations (3.8–3.10 semantics), plus a few paths the scenarios touch but do not
// pin down. Logs use the spec's notation (see test/helpers/kernel.ts); N0 is init_net.
//
// Setup choices, per scenario:
// - Placement-only scenarios register on a kernel before net_ns_init() (empty namespace list:
//   registrations only link), so pernet_list holds exactly the scenario's ops.
// - Scenarios that need namespaces boot first (net_ns_init links net_ns_ops as the first op), so
//   pernet_list starts with net_ns_ops; where net_ns_ops' callbacks would interleave with the
//   scenario's (creation and destruction walk the whole pernet_list), the log is filtered to the
//   scenario's ops with `only`. Registration and unregistration only run the ops concerned, so
//   their logs are compared unfiltered.
import { describe, expect, test } from '@jest/globals';
import { ENOMEM } from '../lib/errno.js';
import { KernelBug, net_generic } from '../lib/generic.js';
import type { Machine } from '../lib/machine.js';
import { CLONE_NEWNET } from '../lib/net_namespace.js';
import { Refused } from '../lib/refused.js';
import {
  bootedKernel,
  createNet,
  dataSlot,
  destroyNet,
  drain,
  failOn,
  hookLog,
  idOf,
  mustCreateNet,
  netList,
  netOf,
  newKernel,
  ops,
  pernetList,
  releaseName,
  staleSlot,
  takeLog,
} from './helpers/kernel.js';

const INUM_0 = 4026531840; // 0xF0000000, PROC_DYNAMIC_FIRST + 0

describe('kernel-semantics §10 scenarios (3.x)', () => {
  test('T01 — subsys/device placement', () => {
    // Placement only: registered before net_ns_init, so the list holds just these ops.
    const kernel = newKernel();
    expect(kernel.register_pernet_subsys(ops('A'))).toBe(0);
    expect(kernel.register_pernet_subsys(ops('B'))).toBe(0);
    expect(kernel.register_pernet_device(ops('D1'))).toBe(0);
    expect(kernel.register_pernet_device(ops('D2'))).toBe(0);
    expect(kernel.register_pernet_subsys(ops('C'))).toBe(0);
    expect(kernel.register_pernet_device(ops('D3'))).toBe(0);
    expect(pernetList(kernel)).toEqual(['A', 'B', 'C', 'D1', 'D2', 'D3']);
    expect(kernel.state.first_device).toBe('D1');
  });

  test("T02 — the walkthrough's worked example", () => {
    // net_ns_init registers net_ns_ops on the empty list (step 1 of §2.2); the rest follow.
    const kernel = newKernel();
    kernel.net_ns_init();
    expect(pernetList(kernel)).toEqual(['net_ns_ops']);
    expect(kernel.state.first_device).toBeNull();
    expect(kernel.register_pernet_subsys(ops('netdev_net_ops', { init: 'netdev_init', exit: 'netdev_exit' }))).toBe(0);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'netdev_net_ops']);
    expect(kernel.state.first_device).toBeNull();
    expect(kernel.register_pernet_device(ops('loopback_net_ops', { init: 'loopback_net_init' }))).toBe(0);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'netdev_net_ops', 'loopback_net_ops']);
    expect(kernel.state.first_device).toBe('loopback_net_ops');
    expect(
      kernel.register_pernet_device(
        ops('default_device_ops', { exit: 'default_device_exit', exit_batch: 'default_device_exit_batch' }),
      ),
    ).toBe(0);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'netdev_net_ops', 'loopback_net_ops', 'default_device_ops']);
    expect(kernel.state.first_device).toBe('loopback_net_ops');
    expect(kernel.register_pernet_subsys(ops('X', { init: true, exit: true }))).toBe(0);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'netdev_net_ops', 'X', 'loopback_net_ops', 'default_device_ops']);
    expect(kernel.state.first_device).toBe('loopback_net_ops');
    expect(kernel.register_pernet_device(ops('Y', { init: true, exit: true }))).toBe(0);
    expect(pernetList(kernel)).toEqual([
      'net_ns_ops',
      'netdev_net_ops',
      'X',
      'loopback_net_ops',
      'default_device_ops',
      'Y',
    ]);
    expect(kernel.state.first_device).toBe('loopback_net_ops');
    // §2.3: init_net got its inits in registration order (loopback before X).
    expect(takeLog(kernel)).toEqual([
      'net_ns_ops.init(N0)',
      'netdev_net_ops.init(N0)',
      'loopback_net_ops.init(N0)',
      'X.init(N0)',
      'Y.init(N0)',
    ]);

    const n1 = mustCreateNet(kernel, 'N1');
    expect(takeLog(kernel)).toEqual([
      'net_ns_ops.init(N1)',
      'netdev_net_ops.init(N1)',
      'X.init(N1)',
      'loopback_net_ops.init(N1)',
      'Y.init(N1)',
    ]);
    expect(n1.loopback_dev).toBe('lo');

    destroyNet(kernel, 'N1');
    expect(takeLog(kernel)).toEqual([
      'Y.exit(N1)',
      'default_device_ops.exit(N1)',
      'default_device_ops.exit_batch([N1])',
      'X.exit(N1)',
      'netdev_net_ops.exit(N1)',
      'net_ns_ops.exit(N1)',
    ]);
  });

  test('T03 — device registered first', () => {
    // Placement only: registered before net_ns_init, so D1 really meets an empty list.
    const kernel = newKernel();
    expect(kernel.register_pernet_device(ops('D1'))).toBe(0);
    expect(kernel.state.first_device).toBe('D1');
    expect(kernel.register_pernet_subsys(ops('A'))).toBe(0);
    expect(kernel.register_pernet_subsys(ops('B'))).toBe(0);
    expect(pernetList(kernel)).toEqual(['A', 'B', 'D1']);
    expect(kernel.state.first_device).toBe('D1');
  });

  test('T04 — unregistering devices moves first_device', () => {
    // Placement only: registered before net_ns_init.
    const kernel = newKernel();
    kernel.register_pernet_subsys(ops('A'));
    kernel.register_pernet_device(ops('D1'));
    kernel.register_pernet_device(ops('D2'));
    expect(pernetList(kernel)).toEqual(['A', 'D1', 'D2']);
    expect(kernel.state.first_device).toBe('D1');

    kernel.unregister_pernet_device('D2');
    expect(pernetList(kernel)).toEqual(['A', 'D1']);
    expect(kernel.state.first_device).toBe('D1');

    expect(kernel.register_pernet_device(ops('D2'))).toBe(0);
    expect(pernetList(kernel)).toEqual(['A', 'D1', 'D2']);
    expect(kernel.state.first_device).toBe('D1');

    kernel.unregister_pernet_device('D1');
    expect(pernetList(kernel)).toEqual(['A', 'D2']);
    expect(kernel.state.first_device).toBe('D2');

    expect(kernel.register_pernet_subsys(ops('B'))).toBe(0);
    expect(pernetList(kernel)).toEqual(['A', 'B', 'D2']);
    expect(kernel.state.first_device).toBe('D2');

    kernel.unregister_pernet_device('D2');
    expect(pernetList(kernel)).toEqual(['A', 'B']);
    expect(kernel.state.first_device).toBeNull();

    expect(kernel.register_pernet_subsys(ops('C'))).toBe(0);
    expect(pernetList(kernel)).toEqual(['A', 'B', 'C']);
    expect(kernel.state.first_device).toBeNull();

    expect(kernel.register_pernet_device(ops('D3'))).toBe(0);
    expect(pernetList(kernel)).toEqual(['A', 'B', 'C', 'D3']);
    expect(kernel.state.first_device).toBe('D3');
  });

  test('T05 — failed device registration changes nothing', () => {
    // Needs N0, so the kernel is booted: net_ns_ops precedes A in the list.
    const kernel = bootedKernel();
    expect(kernel.register_pernet_subsys(ops('A'))).toBe(0);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'A']);
    expect(kernel.state.first_device).toBeNull();
    expect(netList(kernel)).toEqual(['N0']);
    kernel.tracer.take();

    expect(kernel.register_pernet_device(ops('D1', { init: true, fail_init: [failOn('init_net')] }))).toBe(-ENOMEM);
    expect(takeLog(kernel)).toEqual(['D1.init(N0)=-ENOMEM']);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'A']);
    expect(kernel.state.first_device).toBeNull();
    expect(kernel.ops('D1')).toBeUndefined();

    expect(kernel.register_pernet_subsys(ops('B'))).toBe(0);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'A', 'B']);
    expect(kernel.state.first_device).toBeNull();
  });

  test('T06 — creation success', () => {
    // Booted first (net_ns_ops runs before A on N1): log filtered to A, B, C; list_add_tail_rcu kept.
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { init: true }));
    kernel.register_pernet_subsys(ops('B', { init: true }));
    kernel.register_pernet_subsys(ops('C', { init: true }));
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'A', 'B', 'C']);
    kernel.tracer.take();

    const n1 = mustCreateNet(kernel, 'N1');
    expect(takeLog(kernel, { only: ['A', 'B', 'C'], marks: ['list_add_tail_rcu'] })).toEqual([
      'A.init(N1)',
      'B.init(N1)',
      'C.init(N1)',
      'list_add_tail_rcu(N1, net_namespace_list)',
    ]);
    expect(netList(kernel)).toEqual(['N0', 'N1']);
    expect(n1.count).toBe(1);
    expect(n1.passive).toBe(1);
    expect(n1.dev_base_seq).toBe(1);
  });

  test('T07 — creation failure mid-list', () => {
    // Registered before net_ns_init, so pernet_list is [A, B, C, D, net_ns_ops]: the ops before C
    // are exactly A and B, and net_ns_ops (after D) is never reached; the log is unfiltered.
    const kernel = newKernel();
    kernel.register_pernet_subsys(ops('A', { init: true, exit: true, id: true, size: 8 }));
    kernel.register_pernet_subsys(ops('B', { init: true, exit: true, exit_batch: true }));
    kernel.register_pernet_subsys(ops('C', { init: true, id: true, size: 8, fail_init: [failOn('N1')] }));
    kernel.register_pernet_subsys(ops('D', { init: true, exit: true }));
    kernel.net_ns_init();
    expect(pernetList(kernel)).toEqual(['A', 'B', 'C', 'D', 'net_ns_ops']);
    kernel.tracer.take();

    expect(createNet(kernel, 'N1')).toBe(-ENOMEM);
    const events = kernel.tracer.take();
    expect(hookLog(events)).toEqual([
      'A.init(N1)',
      'B.init(N1)',
      'C.init(N1)=-ENOMEM',
      'B.exit(N1)',
      'B.exit_batch([N1])',
      'A.exit(N1)',
      'free(A,N1)',
    ]);
    expect(netList(kernel)).toEqual(['N0']);
    // net_drop_ns: passive 1 → 0, net_free.
    expect(hookLog(events, { only: [], marks: ['net_drop_ns', 'net_free', 'list_add_tail_rcu'] })).toEqual([
      'net_drop_ns(N1)',
      'net_free(N1)',
    ]);
  });

  test('T08 — creation failure at the first op', () => {
    // Registered before net_ns_init, so C is op #1 of [C, A, net_ns_ops]: the log is unfiltered.
    const kernel = newKernel();
    kernel.register_pernet_subsys(ops('C', { init: true, fail_init: [failOn('N1')] }));
    kernel.register_pernet_subsys(ops('A', { init: true, exit: true }));
    kernel.net_ns_init();
    expect(pernetList(kernel)).toEqual(['C', 'A', 'net_ns_ops']);
    kernel.tracer.take();

    expect(createNet(kernel, 'N1')).toBe(-ENOMEM);
    const events = kernel.tracer.take();
    expect(hookLog(events)).toEqual(['C.init(N1)=-ENOMEM']);
    expect(hookLog(events, { only: [], marks: ['net_free'] })).toEqual(['net_free(N1)']);
    expect(netList(kernel)).toEqual(['N0']);
  });

  test('T09 — single destruction order', () => {
    // Booted first: net_ns_ops.exit runs last in the exit phase, so the log is filtered to A, B, C.
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { exit: true }));
    kernel.register_pernet_subsys(ops('B', { exit: true, id: true, size: 8 }));
    kernel.register_pernet_subsys(ops('C', { exit: true, exit_batch: true }));
    const n1 = mustCreateNet(kernel, 'N1');
    expect(n1.count).toBe(1);
    kernel.tracer.take();

    destroyNet(kernel, 'N1');
    expect(takeLog(kernel, { only: ['A', 'B', 'C'], marks: ['list_del_rcu', 'net_free'] })).toEqual([
      'list_del_rcu(N1)',
      'C.exit(N1)',
      'C.exit_batch([N1])',
      'B.exit(N1)',
      'A.exit(N1)',
      'free(B,N1)',
      'net_free(N1)',
    ]);
    expect(netList(kernel)).toEqual(['N0']);
    expect(n1.count).toBe(0);
    expect(n1.passive).toBe(0);
  });

  test('T10 — batched destruction is LIFO', () => {
    // Booted first: log filtered to A, B.
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { exit: true, exit_batch: true }));
    kernel.register_pernet_subsys(ops('B', { exit: true }));
    mustCreateNet(kernel, 'N1');
    mustCreateNet(kernel, 'N2');
    kernel.tracer.take();

    releaseName(kernel, 'N1');
    releaseName(kernel, 'N2');
    drain(kernel);
    expect(takeLog(kernel, { only: ['A', 'B'], marks: ['cleanup_net'] })).toEqual([
      'cleanup_net()',
      'B.exit(N2)',
      'B.exit(N1)',
      'A.exit(N2)',
      'A.exit(N1)',
      'A.exit_batch([N2, N1])',
    ]);
    expect(netList(kernel)).toEqual(['N0']);
  });

  test('T11 — all exits before any free', () => {
    // Booted first: log filtered to A, B.
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { exit: true, id: true, size: 8 }));
    kernel.register_pernet_subsys(ops('B', { exit: true, id: true, size: 8 }));
    mustCreateNet(kernel, 'N1');
    kernel.tracer.take();

    destroyNet(kernel, 'N1');
    expect(takeLog(kernel, { only: ['A', 'B'] })).toEqual(['B.exit(N1)', 'A.exit(N1)', 'free(B,N1)', 'free(A,N1)']);
  });

  test('T12 — registering on existing namespaces', () => {
    const kernel = bootedKernel();
    const n0 = netOf(kernel, 'N0');
    const n1 = mustCreateNet(kernel, 'N1');
    const n2 = mustCreateNet(kernel, 'N2');
    expect(netList(kernel)).toEqual(['N0', 'N1', 'N2']);
    kernel.tracer.take();

    expect(kernel.register_pernet_subsys(ops('X', { init: true, id: true, size: 8 }))).toBe(0);
    expect(takeLog(kernel)).toEqual(['X.init(N0)', 'X.init(N1)', 'X.init(N2)']);
    expect(idOf(kernel, 'X')).toBe(1);
    expect(n0.gen.slots).toEqual([dataSlot('X', 1, 8)]);
    expect(n1.gen.slots).toEqual([dataSlot('X', 1, 8)]);
    expect(n2.gen.slots).toEqual([dataSlot('X', 1, 8)]);
  });

  test('T13 — registration fails on the 3rd namespace', () => {
    const kernel = bootedKernel();
    const n0 = netOf(kernel, 'N0');
    const n1 = mustCreateNet(kernel, 'N1');
    const n2 = mustCreateNet(kernel, 'N2');
    const n3 = mustCreateNet(kernel, 'N3');
    expect(netList(kernel)).toEqual(['N0', 'N1', 'N2', 'N3']);
    kernel.tracer.take();

    const x = ops('X', { init: true, exit: true, exit_batch: true, id: true, size: 8, fail_init: [failOn('N2')] });
    expect(kernel.register_pernet_subsys(x)).toBe(-ENOMEM);
    expect(takeLog(kernel, { marks: ['ida_get_new_above', 'ida_remove'] })).toEqual([
      'ida_get_new_above(&net_generic_ids, 1, &id=1)=0',
      'X.init(N0)',
      'X.init(N1)',
      'X.init(N2)=-ENOMEM',
      'X.exit(N0)',
      'X.exit(N1)',
      'X.exit_batch([N0, N1])',
      'free(X,N0)',
      'free(X,N1)',
      'ida_remove(&net_generic_ids, 1)',
    ]);
    expect(pernetList(kernel)).toEqual(['net_ns_ops']);
    expect(kernel.idsInUse().net_generic_ids).toEqual([]);
    expect(kernel.state.max_gen_ptrs).toBe(13); // id 1 caused no increase
    // 3.x leaves the pointers stale; N3 was never touched.
    expect(n0.gen.slots).toEqual([staleSlot('X', 1, 8)]);
    expect(n1.gen.slots).toEqual([staleSlot('X', 1, 8)]);
    expect(n2.gen.slots).toEqual([staleSlot('X', 1, 8)]);
    expect(n3.gen.slots).toEqual([]);
  });

  test('T14 — registration fails on the first namespace', () => {
    const kernel = bootedKernel();
    mustCreateNet(kernel, 'N1');
    kernel.tracer.take();

    const x = ops('X', { init: true, exit: true, exit_batch: true, fail_init: [failOn('init_net')] });
    expect(kernel.register_pernet_subsys(x)).toBe(-ENOMEM);
    expect(takeLog(kernel)).toEqual(['X.init(N0)=-ENOMEM', 'X.exit_batch([])']);
    expect(pernetList(kernel)).toEqual(['net_ns_ops']);
  });

  test('T15 — op with no init and no data', () => {
    const kernel = bootedKernel();
    mustCreateNet(kernel, 'N1');
    kernel.tracer.take();

    expect(kernel.register_pernet_subsys(ops('X', { exit: true }))).toBe(0);
    expect(takeLog(kernel, { marks: ['ops_init'] })).toEqual([]);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'X']);

    kernel.unregister_pernet_subsys('X');
    expect(takeLog(kernel)).toEqual(['X.exit(N0)', 'X.exit(N1)']);
    expect(pernetList(kernel)).toEqual(['net_ns_ops']);
  });

  test('T15 (variant) — op with exit and data but no init', () => {
    const kernel = bootedKernel();
    const n0 = netOf(kernel, 'N0');
    const n1 = mustCreateNet(kernel, 'N1');
    kernel.tracer.take();

    expect(kernel.register_pernet_subsys(ops('X', { exit: true, id: true, size: 8 }))).toBe(0);
    // The namespaces are iterated (ops_init allocates the zeroed data) but no init is called.
    expect(takeLog(kernel, { marks: ['ops_init'] })).toEqual(['ops_init(X, N0)=0', 'ops_init(X, N1)=0']);
    expect(n0.gen.slots).toEqual([dataSlot('X', 1, 8)]);
    expect(n1.gen.slots).toEqual([dataSlot('X', 1, 8)]);

    kernel.unregister_pernet_subsys('X');
    expect(takeLog(kernel)).toEqual(['X.exit(N0)', 'X.exit(N1)', 'free(X,N0)', 'free(X,N1)']);
  });

  test('T16 — unregister', () => {
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { init: true }));
    kernel.register_pernet_subsys(ops('X', { exit: true, exit_batch: true, id: true, size: 8 }));
    kernel.register_pernet_device(ops('D', { init: true }));
    const n0 = netOf(kernel, 'N0');
    const n1 = mustCreateNet(kernel, 'N1');
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'A', 'X', 'D']);
    expect(idOf(kernel, 'X')).toBe(1);
    kernel.tracer.take();

    kernel.unregister_pernet_subsys('X');
    expect(takeLog(kernel)).toEqual([
      'X.exit(N0)',
      'X.exit(N1)',
      'X.exit_batch([N0, N1])',
      'free(X,N0)',
      'free(X,N1)',
    ]);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'A', 'D']);
    expect(kernel.state.first_device).toBe('D');
    expect(kernel.idsInUse().net_generic_ids).toEqual([]);
    expect(n0.gen.slots).toEqual([staleSlot('X', 1, 8)]);
    expect(n1.gen.slots).toEqual([staleSlot('X', 1, 8)]);

    const n2 = mustCreateNet(kernel, 'N2');
    expect(takeLog(kernel, { only: ['A', 'X', 'D'] })).toEqual(['A.init(N2)', 'D.init(N2)']);
    expect(n2.gen.slots).toEqual([]);
  });

  test('T17 — generic id allocation and reuse (3.x; the modern ids 3,4,5,4,6 are out of scope)', () => {
    // Ids only: no namespaces needed, registered before net_ns_init.
    const kernel = newKernel();
    expect(kernel.register_pernet_subsys(ops('A', { id: true }))).toBe(0);
    expect(kernel.register_pernet_subsys(ops('B', { id: true }))).toBe(0);
    expect(kernel.register_pernet_subsys(ops('C', { id: true }))).toBe(0);
    expect(idOf(kernel, 'A')).toBe(1);
    expect(idOf(kernel, 'B')).toBe(2);
    expect(idOf(kernel, 'C')).toBe(3);
    kernel.unregister_pernet_subsys('B');
    expect(kernel.idsInUse().net_generic_ids).toEqual([1, 3]);
    expect(kernel.register_pernet_subsys(ops('D', { id: true }))).toBe(0);
    expect(kernel.register_pernet_subsys(ops('E', { id: true }))).toBe(0);
    expect(idOf(kernel, 'D')).toBe(2);
    expect(idOf(kernel, 'E')).toBe(4);
  });

  test('T18 — a failed registration releases its id', () => {
    // B's init must fail on N0, so the kernel is booted.
    const kernel = bootedKernel();
    expect(kernel.register_pernet_subsys(ops('A', { id: true }))).toBe(0);
    expect(idOf(kernel, 'A')).toBe(1);
    kernel.tracer.take();

    expect(kernel.register_pernet_subsys(ops('B', { id: true, init: true, fail_init: [failOn('init_net')] }))).toBe(
      -ENOMEM,
    );
    expect(takeLog(kernel, { marks: ['ida_get_new_above', 'ida_remove'] })).toEqual([
      'ida_get_new_above(&net_generic_ids, 1, &id=2)=0',
      'B.init(N0)=-ENOMEM',
      'ida_remove(&net_generic_ids, 2)',
    ]);
    expect(kernel.ops('B')).toBeUndefined();

    expect(kernel.register_pernet_subsys(ops('C', { id: true }))).toBe(0);
    expect(idOf(kernel, 'C')).toBe(2);
  });

  test('T19 — generic array growth (3.x; the modern analog is out of scope)', () => {
    const kernel = bootedKernel();
    const thirteen = ['O1', 'O2', 'O3', 'O4', 'O5', 'O6', 'O7', 'O8', 'O9', 'O10', 'O11', 'O12', 'O13'];
    expect(thirteen.map((name) => kernel.register_pernet_subsys(ops(name, { id: true, size: 8 })))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const n0 = netOf(kernel, 'N0');
    const n1 = mustCreateNet(kernel, 'N1');
    const O_SLOTS = [
      dataSlot('O1', 1, 8),
      dataSlot('O2', 2, 8),
      dataSlot('O3', 3, 8),
      dataSlot('O4', 4, 8),
      dataSlot('O5', 5, 8),
      dataSlot('O6', 6, 8),
      dataSlot('O7', 7, 8),
      dataSlot('O8', 8, 8),
      dataSlot('O9', 9, 8),
      dataSlot('O10', 10, 8),
      dataSlot('O11', 11, 8),
      dataSlot('O12', 12, 8),
      dataSlot('O13', 13, 8),
    ];
    expect(kernel.state.pernet_list.map((o) => [o.name, o.id])).toEqual([
      ['net_ns_ops', null],
      ...O_SLOTS.map((s) => [s.ops, s.index + 1]),
    ]);
    expect(kernel.state.max_gen_ptrs).toBe(13);
    expect(n0.gen).toEqual({ len: 13, slots: O_SLOTS });
    expect(n1.gen).toEqual({ len: 13, slots: O_SLOTS });
    kernel.tracer.take();

    // regS P → id 14: max_gen_ptrs 14, N0 and N1 re-allocated to 14 with 13 slots copied.
    expect(kernel.register_pernet_subsys(ops('P', { id: true, size: 8 }))).toBe(0);
    expect(idOf(kernel, 'P')).toBe(14);
    expect(kernel.state.max_gen_ptrs).toBe(14);
    expect(takeLog(kernel, { marks: ['net_assign_generic', 'net_alloc_generic'] })).toEqual([
      'net_assign_generic(N0, 14)=0',
      'net_alloc_generic()=ng(len=14)',
      'net_assign_generic(N1, 14)=0',
      'net_alloc_generic()=ng(len=14)',
    ]);
    expect(n0.gen).toEqual({ len: 14, slots: [...O_SLOTS, dataSlot('P', 14, 8)] });
    expect(n1.gen).toEqual({ len: 14, slots: [...O_SLOTS, dataSlot('P', 14, 8)] });

    // create N2 → len 14 from the start (one net_alloc_generic, in net_alloc).
    const n2 = mustCreateNet(kernel, 'N2');
    expect(takeLog(kernel, { only: [], marks: ['net_alloc_generic'] })).toEqual(['net_alloc_generic()=ng(len=14)']);
    expect(n2.gen).toEqual({ len: 14, slots: [...O_SLOTS, dataSlot('P', 14, 8)] });

    // unregS P → id 14 freed; max_gen_ptrs and the arrays stay at 14.
    kernel.unregister_pernet_subsys('P');
    expect(kernel.idsInUse().net_generic_ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(kernel.state.max_gen_ptrs).toBe(14);
    expect(n0.gen).toEqual({ len: 14, slots: [...O_SLOTS, staleSlot('P', 14, 8)] });
    expect(n1.gen).toEqual({ len: 14, slots: [...O_SLOTS, staleSlot('P', 14, 8)] });
    expect(n2.gen).toEqual({ len: 14, slots: [...O_SLOTS, staleSlot('P', 14, 8)] });
    kernel.tracer.take();

    // regS Q → id 14 again, no growth.
    expect(kernel.register_pernet_subsys(ops('Q', { id: true, size: 8 }))).toBe(0);
    expect(idOf(kernel, 'Q')).toBe(14);
    expect(kernel.state.max_gen_ptrs).toBe(14);
    expect(takeLog(kernel, { marks: ['net_alloc_generic'] })).toEqual([]);
    expect(n0.gen).toEqual({ len: 14, slots: [...O_SLOTS, dataSlot('Q', 14, 8)] });
    expect(n1.gen).toEqual({ len: 14, slots: [...O_SLOTS, dataSlot('Q', 14, 8)] });
    expect(n2.gen).toEqual({ len: 14, slots: [...O_SLOTS, dataSlot('Q', 14, 8)] });
  });

  test('T20 — net_generic lookup and its guards (3.x ptr[id-1] with BUG; modern unchecked ptr[id] is out of scope)', () => {
    const kernel = bootedKernel();
    expect(kernel.register_pernet_subsys(ops('X', { id: true, size: 8 }))).toBe(0);
    const ng = netOf(kernel, 'N0').gen;
    expect(ng.len).toBe(13);
    expect(net_generic(ng, 1)).toEqual(dataSlot('X', 1, 8)); // ptr[0]
    expect(() => net_generic(ng, 0)).toThrow(KernelBug); // id == 0
    expect(() => net_generic(ng, 14)).toThrow(KernelBug); // id > len
    expect(() => net_generic(ng, 2)).toThrow(KernelBug); // ptr[1] is NULL
    expect(() => net_generic(ng, 14)).toThrow(/kernel BUG/);
  });

  test('T21 — unshare without CLONE_NEWNET', () => {
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { init: true, exit: true }));
    const n1 = mustCreateNet(kernel, 'N1');
    expect(n1.count).toBe(1);
    const inumsBefore = kernel.idsInUse().proc_inums;
    kernel.tracer.take();

    const got = kernel.copy_net_ns(0, 'init_user_ns', n1);
    expect(got).toBe(n1);
    expect(n1.count).toBe(2);
    expect(takeLog(kernel, { marks: ['proc_alloc_inum', 'net_alloc', 'setup_net'] })).toEqual([]);
    expect(kernel.idsInUse().proc_inums).toEqual(inumsBefore);
    expect(netList(kernel)).toEqual(['N0', 'N1']);
  });

  test('T22 — active vs passive refcounts', () => {
    const kernel = bootedKernel();
    // This test holds N1's reference itself (no bound name); N1 stays its trace alias throughout.
    kernel.nameNextNet('N1');
    const created = kernel.copy_net_ns(CLONE_NEWNET, 'init_user_ns', kernel.init_net!);
    if (typeof created === 'number') throw new Error(`copy_net_ns failed: ${created}`);
    const n1 = created;
    expect(n1.count).toBe(1);
    expect(n1.passive).toBe(1);
    kernel.tracer.take();

    kernel.get_net(n1);
    kernel.get_net(n1);
    expect(n1.count).toBe(3);
    kernel.put_net(n1);
    kernel.put_net(n1);
    expect(n1.count).toBe(1);
    expect(takeLog(kernel, { marks: ['__put_net'] })).toEqual([]);

    kernel.grab_passive(n1);
    expect(n1.passive).toBe(2);

    kernel.put_net(n1);
    expect(n1.count).toBe(0);
    expect(takeLog(kernel, { marks: ['__put_net'] })).toEqual(['__put_net(N1)']);
    kernel.drainNetnsWq();
    expect(takeLog(kernel, { marks: ['list_del_rcu', 'net_drop_ns', 'net_free'] })).toEqual([
      'list_del_rcu(N1)',
      'net_ns_ops.exit(N1)',
      'net_drop_ns(N1)',
    ]);
    expect(netList(kernel)).toEqual(['N0']);
    expect(n1.passive).toBe(1);

    kernel.net_drop_ns(n1);
    expect(n1.passive).toBe(0);
    expect(takeLog(kernel, { marks: ['net_drop_ns', 'net_free'] })).toEqual(['net_drop_ns(N1)', 'net_free(N1)']);
    kernel.endCommand();
  });

  test('T23 — namespace inode numbers', () => {
    const kernel = bootedKernel();
    expect(netOf(kernel, 'N0').proc_inum).toBe(INUM_0); // 0xF0000000
    expect(mustCreateNet(kernel, 'N1').proc_inum).toBe(INUM_0 + 1);
    expect(mustCreateNet(kernel, 'N2').proc_inum).toBe(INUM_0 + 2);
    destroyNet(kernel, 'N1');
    expect(kernel.idsInUse().proc_inums).toEqual([INUM_0, INUM_0 + 2]);
    expect(mustCreateNet(kernel, 'N3').proc_inum).toBe(INUM_0 + 1);
  });

  test('T23 (3.10 machine) — proc IDA pre-seeded with 116 used indices', () => {
    const kernel = newKernel();
    kernel.procReserve(116);
    kernel.net_ns_init();
    expect(netOf(kernel, 'N0').proc_inum).toBe(4026531956); // 0xF0000074
    expect(mustCreateNet(kernel, 'N1').proc_inum).toBe(4026531957);
  });

  test("T24 — init_net's init order vs a later namespace", () => {
    const kernel = bootedKernel();
    expect(netList(kernel)).toEqual(['N0']);
    kernel.register_pernet_subsys(ops('A', { init: true, exit: true }));
    kernel.register_pernet_device(ops('D', { init: true, exit: true }));
    kernel.register_pernet_subsys(ops('B', { init: true, exit: true }));
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'A', 'B', 'D']);
    // Registration only runs the ops registered: unfiltered.
    expect(takeLog(kernel)).toEqual(['A.init(N0)', 'D.init(N0)', 'B.init(N0)']);

    // Creation and destruction walk all of pernet_list (net_ns_ops too): filtered to A, B, D.
    mustCreateNet(kernel, 'N1');
    expect(takeLog(kernel, { only: ['A', 'B', 'D'] })).toEqual(['A.init(N1)', 'B.init(N1)', 'D.init(N1)']);
    destroyNet(kernel, 'N1');
    expect(takeLog(kernel, { only: ['A', 'B', 'D'] })).toEqual(['D.exit(N1)', 'B.exit(N1)', 'A.exit(N1)']);
  });

  test('T25 — id without size (3.x: accepted; modern WARN/-EINVAL is out of scope)', () => {
    const kernel = bootedKernel();
    const n0 = netOf(kernel, 'N0');
    expect(kernel.register_pernet_subsys(ops('X', { id: true, size: 0, init: true }))).toBe(0);
    expect(takeLog(kernel, { marks: ['net_assign_generic'] })).toEqual(['X.init(N0)']);
    expect(pernetList(kernel)).toEqual(['net_ns_ops', 'X']);
    expect(idOf(kernel, 'X')).toBe(1);
    expect(kernel.idsInUse().net_generic_ids).toEqual([1]);
    expect(n0.gen.slots).toEqual([]);
    expect(() => net_generic(n0.gen, 1)).toThrow(KernelBug);
  });
});

describe('paths the scenarios touch but do not pin down', () => {
  test('fail_alloc: ops_init returns -ENOMEM with no init event and no slot written', () => {
    const kernel = bootedKernel();
    const n0 = netOf(kernel, 'N0');
    const n1 = mustCreateNet(kernel, 'N1');
    kernel.tracer.take();

    const x = ops('X', { init: true, exit: true, id: true, size: 8, fail_alloc: ['N1'] });
    expect(kernel.register_pernet_subsys(x)).toBe(-ENOMEM);
    expect(takeLog(kernel, { marks: ['ops_init'] })).toEqual([
      'ops_init(X, N0)=0',
      'X.init(N0)',
      'ops_init(X, N1)=-ENOMEM',
      'X.exit(N0)',
      'free(X,N0)',
    ]);
    expect(n0.gen.slots).toEqual([staleSlot('X', 1, 8)]);
    expect(n1.gen.slots).toEqual([]);
    expect(pernetList(kernel)).toEqual(['net_ns_ops']);
    expect(kernel.idsInUse().net_generic_ids).toEqual([]);
  });

  test('a failed init leaves a stale slot that a later net_assign_generic overwrites', () => {
    const kernel = bootedKernel();
    const n0 = netOf(kernel, 'N0');
    const n1 = mustCreateNet(kernel, 'N1');
    kernel.tracer.take();

    expect(kernel.register_pernet_subsys(ops('X', { init: true, id: true, size: 8, fail_init: [failOn('N1')] }))).toBe(
      -ENOMEM,
    );
    expect(takeLog(kernel)).toEqual(['X.init(N0)', 'X.init(N1)=-ENOMEM', 'free(X,N0)']);
    expect(n0.gen.slots).toEqual([staleSlot('X', 1, 8)]); // freed by ops_free_list
    expect(n1.gen.slots).toEqual([staleSlot('X', 1, 8)]); // freed inside ops_init, pointer kept (3.x)

    expect(kernel.register_pernet_subsys(ops('Y', { id: true, size: 16 }))).toBe(0);
    expect(idOf(kernel, 'Y')).toBe(1);
    expect(takeLog(kernel, { marks: ['net_assign_generic'] })).toEqual([
      'net_assign_generic(N0, 1)=0',
      'net_assign_generic(N1, 1)=0',
    ]);
    expect(n0.gen.slots).toEqual([dataSlot('Y', 1, 16)]);
    expect(n1.gen.slots).toEqual([dataSlot('Y', 1, 16)]);
  });

  test('a failed registration keeps max_gen_ptrs and the arrays it grew', () => {
    const kernel = bootedKernel();
    const thirteenIdOnly = ['O1', 'O2', 'O3', 'O4', 'O5', 'O6', 'O7', 'O8', 'O9', 'O10', 'O11', 'O12', 'O13'];
    expect(thirteenIdOnly.map((name) => kernel.register_pernet_subsys(ops(name, { id: true })))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const n0 = netOf(kernel, 'N0');
    const n1 = mustCreateNet(kernel, 'N1');
    const n2 = mustCreateNet(kernel, 'N2');
    expect(kernel.state.max_gen_ptrs).toBe(13);
    kernel.tracer.take();

    const x = ops('X', { init: true, id: true, size: 8, fail_init: [failOn('N2')] });
    expect(kernel.register_pernet_subsys(x)).toBe(-ENOMEM);
    expect(takeLog(kernel)).toEqual(['X.init(N0)', 'X.init(N1)', 'X.init(N2)=-ENOMEM', 'free(X,N0)', 'free(X,N1)']);
    expect(kernel.idsInUse().net_generic_ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(kernel.state.max_gen_ptrs).toBe(14);
    expect(n0.gen).toEqual({ len: 14, slots: [staleSlot('X', 14, 8)] });
    expect(n1.gen).toEqual({ len: 14, slots: [staleSlot('X', 14, 8)] });
    expect(n2.gen).toEqual({ len: 14, slots: [staleSlot('X', 14, 8)] });
    expect(mustCreateNet(kernel, 'N3').gen).toEqual({ len: 14, slots: [] });
  });

  test('changeFaults makes a later copy_net_ns fail inside setup_net (undo path visible)', () => {
    const kernel = bootedKernel();
    kernel.register_pernet_subsys(ops('A', { init: true, exit: true, id: true, size: 8 }));
    kernel.register_pernet_subsys(ops('B', { init: true, exit: true }));
    kernel.changeFaults('B', { clear: false, init: [failOn('N1')], alloc: [] });
    expect(kernel.ops('B')!.fail_init).toEqual([failOn('N1')]);
    kernel.tracer.take();

    // Unfiltered: net_ns_ops is op #1, A op #2, B op #3 fails.
    expect(createNet(kernel, 'N1')).toBe(-ENOMEM);
    expect(takeLog(kernel, { marks: ['proc_alloc_inum', 'proc_free_inum', 'net_free'] })).toEqual([
      'net_ns_ops.init(N1)',
      `proc_alloc_inum(&net->proc_inum=${INUM_0 + 1})=0`,
      'A.init(N1)',
      'B.init(N1)=-ENOMEM',
      'A.exit(N1)',
      'net_ns_ops.exit(N1)',
      `proc_free_inum(${INUM_0 + 1})`,
      'free(A,N1)',
      'net_free(N1)',
    ]);
    expect(netList(kernel)).toEqual(['N0']);
    expect(kernel.state.names).toEqual([]);
    expect(kernel.idsInUse().proc_inums).toEqual([INUM_0]);

    kernel.changeFaults('B', { clear: true, init: [], alloc: [] });
    expect(kernel.ops('B')!.fail_init).toEqual([]);
    const n1 = mustCreateNet(kernel, 'N1');
    expect(takeLog(kernel)).toEqual(['net_ns_ops.init(N1)', 'A.init(N1)', 'B.init(N1)']);
    expect(n1.proc_inum).toBe(INUM_0 + 1);
    expect(netList(kernel)).toEqual(['N0', 'N1']);
  });

  describe('Refused: kernel-undefined misuse leaves the state untouched', () => {
    function setup(): Machine {
      const kernel = bootedKernel();
      kernel.register_pernet_subsys(ops('A', { init: true }));
      kernel.register_pernet_device(ops('D1', { exit: true }));
      mustCreateNet(kernel, 'N1');
      kernel.tracer.take();
      expect(pernetList(kernel)).toEqual(['net_ns_ops', 'A', 'D1']);
      expect(kernel.state.first_device).toBe('D1');
      return kernel;
    }

    function expectRefused(kernel: Machine, action: () => unknown, message: RegExp): void {
      const before = structuredClone(kernel.state);
      expect(action).toThrow(Refused);
      expect(action).toThrow(message);
      expect(kernel.state).toEqual(before);
      expect(kernel.tracer.take()).toEqual([]);
    }

    test('double registration', () => {
      const kernel = setup();
      expectRefused(kernel, () => kernel.register_pernet_subsys(ops('A', { init: true })), /A is already registered/);
      expectRefused(kernel, () => kernel.register_pernet_device(ops('A')), /A is already registered/);
    });

    test('unregistering an unknown ops', () => {
      const kernel = setup();
      expectRefused(kernel, () => kernel.unregister_pernet_subsys('Z'), /Z is not registered/);
      expectRefused(kernel, () => kernel.unregister_pernet_device('Z'), /Z is not registered/);
    });

    test('unregister_pernet_subsys of a device ops (here first_device)', () => {
      const kernel = setup();
      expectRefused(kernel, () => kernel.unregister_pernet_subsys('D1'), /D1 is a device ops/);
    });

    test('unregister_pernet_device of a subsys ops', () => {
      const kernel = setup();
      expectRefused(kernel, () => kernel.unregister_pernet_device('A'), /A is a subsys ops/);
    });

    test('net_ns_ops cannot be unregistered, nor registered by anyone but net_ns_init', () => {
      const kernel = setup();
      expectRefused(kernel, () => kernel.unregister_pernet_subsys('net_ns_ops'), /net_ns_ops cannot be unregistered/);
      expectRefused(kernel, () => kernel.register_pernet_subsys(ops('net_ns_ops')), /net_ns_ops/);
    });

    test('net_ns_net_init / net_ns_net_exit as callbacks of another ops', () => {
      const kernel = setup();
      expectRefused(
        kernel,
        () => kernel.register_pernet_subsys(ops('X', { init: 'net_ns_net_init' })),
        /net_ns_net_init can only be a callback of net_ns_ops/,
      );
      expectRefused(
        kernel,
        () => kernel.register_pernet_device(ops('X', { exit: 'net_ns_net_exit' })),
        /net_ns_net_exit can only be a callback of net_ns_ops/,
      );
    });

    test('fail_init on an ops without init', () => {
      const kernel = setup();
      expectRefused(
        kernel,
        () => kernel.register_pernet_subsys(ops('X', { exit: true, fail_init: [failOn('*')] })),
        /X has no init callback to fail/,
      );
      expectRefused(
        kernel,
        () => kernel.changeFaults('D1', { clear: false, init: [failOn('N1')], alloc: [] }),
        /D1 has no init callback to fail/,
      );
    });
  });
});
