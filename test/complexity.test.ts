// README, "Speed": no kernel operation costs time proportional to the number of namespaces
// except those it visits. Proven with the engine's work counters (Machine.work: namespaces and ops
// visited, entries copied or moved in lists and tables), never with timers: each operation is run
// at n and at 2n namespaces, and its work is exactly what the kernel touches.
//
// The kernel is the seed profile's: net_ns_ops (init, exit), netdev_net_ops (init, exit),
// loopback_net_ops (init), default_device_ops (exit, exit_batch). So setup_net visits 4 ops, and
// cleanup_net's exit and free phases visit the 4 ops twice and call exit on 3 of them per namespace.
import { describe, expect, test } from '@jest/globals';
import { Machine } from '../lib/machine.js';
import { decodeSnapshot, encodeSnapshot } from '../store/snapshot.js';
import type { EngineWork } from '../lib/work.js';
import { EEXIST } from '../lib/errno.js';
import { createError } from '../lib/run_netns.js';
import { bootedKernel, createNet, destroyNet, drain, mustCreateNet, netOf, ops, releaseName } from './helpers/kernel.js';

function seedKernel(): Machine {
  const kernel = bootedKernel();
  kernel.register_pernet_subsys(ops('netdev_net_ops', { init: 'netdev_init', exit: 'netdev_exit' }));
  kernel.register_pernet_device(ops('loopback_net_ops', { init: 'loopback_net_init' }));
  kernel.register_pernet_device(ops('default_device_ops', { exit: 'default_device_exit', exit_batch: 'default_device_exit_batch' }));
  kernel.tracer.enabled = false;
  return kernel;
}

/** A seed kernel with n bound namespaces n0..n{n-1}, created in that order. */
function kernelWith(n: number): Machine {
  const kernel = seedKernel();
  for (let i = 0; i < n; i += 1) mustCreateNet(kernel, `n${i}`);
  return kernel;
}

/** The work `body` does (a kernel built in memory makes no struct net from a file: `made` stays 0). */
function workOf(kernel: Machine, body: () => void): Omit<EngineWork, 'made'> {
  const before = { ...kernel.work };
  body();
  return { nets: kernel.work.nets - before.nets, ops: kernel.work.ops - before.ops, moved: kernel.work.moved - before.moved };
}

/** init_net gives every namespace an nsid, as `ip netns set NAME auto` for each would. */
function assignNsids(kernel: Machine, n: number): void {
  for (let i = 0; i < n; i += 1) kernel.rtnl_net_newid(kernel.init_net!, netOf(kernel, `n${i}`), -1);
}

/** `-all netns delete`: every name unbound newest first, then one cleanup_net. */
function deleteAll(kernel: Machine): void {
  for (const { name } of kernel.readdir()) releaseName(kernel, name);
  drain(kernel);
}

describe('work linear in what the kernel touches (README, Speed: work in proportion to what the kernel touches)', () => {
  test.each([100, 200])('netns add at %i namespaces visits the 4 ops and no namespace', (n) => {
    const kernel = kernelWith(n);
    expect(workOf(kernel, () => createNet(kernel, 'new'))).toEqual({ nets: 0, ops: 4, moved: 0 });
  });

  test.each([100, 200])('netns delete at %i namespaces: one unlink, 3 exits, one drop; one cleanup_list entry', (n) => {
    const kernel = kernelWith(n);
    expect(workOf(kernel, () => destroyNet(kernel, 'n0'))).toEqual({ nets: 5, ops: 8, moved: 1 });
  });

  test.each([100, 200])('a batch of %i single deletes, oldest first, costs 5 namespaces and 8 ops each', (n) => {
    const kernel = kernelWith(n);
    const work = workOf(kernel, () => {
      for (let i = 0; i < n; i += 1) destroyNet(kernel, `n${i}`);
    });
    expect(work).toEqual({ nets: 5 * n, ops: 8 * n, moved: n });
    // The lists are rebuilt once, by the first read: only init_net is left.
    expect(workOf(kernel, () => kernel.state.net_namespace_list)).toEqual({ nets: 0, ops: 0, moved: 1 });
    expect(kernel.state.names).toEqual([]);
  });

  test.each([100, 200])('-all netns delete of %i namespaces is one cleanup_net over all of them', (n) => {
    const kernel = kernelWith(n);
    expect(workOf(kernel, () => deleteAll(kernel))).toEqual({ nets: 5 * n, ops: 8, moved: n });
    expect(kernel.state.net_namespace_list.map((net) => net.serial)).toEqual([0]);
  });

  test.each([100, 200])('with nsids for all %i: each single delete visits one table; the table is rebuilt once', (n) => {
    const kernel = kernelWith(n);
    assignNsids(kernel, n);
    const work = workOf(kernel, () => {
      for (let i = 0; i < n; i += 1) destroyNet(kernel, `n${i}`);
    });
    expect(work).toEqual({ nets: 6 * n, ops: 8 * n, moved: n });
    expect(kernel.init_net!.nsids).toEqual([]);
  });

  test.each([100, 200])('with nsids for all %i: -all delete visits the table of init_net once per namespace', (n) => {
    const kernel = kernelWith(n);
    assignNsids(kernel, n);
    expect(workOf(kernel, () => deleteAll(kernel))).toEqual({ nets: 6 * n, ops: 8, moved: n });
    expect(kernel.init_net!.nsids).toEqual([]);
  });

  test('unhash_nsid visits only the tables that hold the dying namespace', () => {
    const kernel = kernelWith(100);
    kernel.rtnl_net_newid(netOf(kernel, 'n7'), netOf(kernel, 'n42'), 3);
    kernel.rtnl_net_newid(netOf(kernel, 'n7'), netOf(kernel, 'n8'), 4);
    // n42's cleanup: one table (n7's) besides the 5 namespace visits of any delete.
    expect(workOf(kernel, () => destroyNet(kernel, 'n42'))).toEqual({ nets: 6, ops: 8, moved: 1 });
    // n7's table is rebuilt when read, keeping its one live peer.
    expect(workOf(kernel, () => expect(netOf(kernel, 'n7').nsids).toEqual([{ nsid: 4, peer: netOf(kernel, 'n8').serial }]))).toEqual({
      nets: 0,
      ops: 0,
      moved: 1,
    });
  });

  test.each([100, 200])('netns list over %i names indexes the nsid table of init_net once', (n) => {
    const kernel = kernelWith(n);
    assignNsids(kernel, n);
    const init_net = kernel.init_net!;
    let ids: number[] = [];
    const work = workOf(kernel, () => {
      ids = kernel.readdir().map(({ net }) => kernel.peernet2id(init_net, net));
    });
    expect(work).toEqual({ nets: 0, ops: 0, moved: n });
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
  });

  test.each([100, 200])('a state file of %i namespaces: netns list makes init_net alone and no name entry; a walk makes each once', async (n) => {
    const loaded = new Machine(await decodeSnapshot(Buffer.from(encodeSnapshot(kernelWith(n).state))));
    const init_net = loaded.init_net!;
    expect(init_net.nsids).toEqual([]);
    expect(loaded.readdirNames()).toEqual(Array.from({ length: n }, (_, i) => `n${n - 1 - i}`));
    expect(loaded.work).toEqual({ nets: 0, ops: 0, moved: 0, made: 1 });
    expect(loaded.readdir().map((entry) => entry.name)).toEqual(loaded.readdirNames());
    expect(loaded.work.moved).toBe(n);
    expect(loaded.state.net_namespace_list).toHaveLength(n + 1);
    expect(loaded.state.net_namespace_list).toHaveLength(n + 1);
    expect(loaded.work.made).toBe(n + 1);
  });

  test.each([100, 200])('a state file of %i namespaces: netns add and the write after it make init_net alone from the file, and write what making them all writes', async (n) => {
    const kernel = kernelWith(n);
    // Slots and nsids in the file too: rows the copy must carry over for the namespaces it does not make.
    kernel.register_pernet_subsys(ops('X', { id: true, size: 8, init: 'f' }));
    assignNsids(kernel, 3);
    const file = Buffer.from(encodeSnapshot(kernel.state));
    const loaded = new Machine(await decodeSnapshot(file));
    mustCreateNet(loaded, 'new');
    const written = encodeSnapshot(loaded.state);
    // init_net alone is made from the file (its nsid table has entries); the new one is created.
    expect(loaded.work.made).toBe(1);
    const all = new Machine(await decodeSnapshot(file));
    mustCreateNet(all, 'new');
    expect(all.state.net_namespace_list).toHaveLength(n + 2);
    expect(written).toBe(encodeSnapshot(all.state));
  });

  test.each([100, 200])('a state file of %i namespaces: netns add looks its name up in the name column and binds it there; a second lookup makes the entries', async (n) => {
    const file = Buffer.from(encodeSnapshot(kernelWith(n).state));
    const loaded = new Machine(await decodeSnapshot(file));
    expect(createError(loaded, 'n7')).toBe(EEXIST);
    mustCreateNet(loaded, 'new');
    expect(loaded.work.moved).toBe(0);
    const written = encodeSnapshot(loaded.state);
    expect(loaded.work.moved).toBe(0);
    expect(loaded.netByName('new')).toBeDefined();
    expect(loaded.work.moved).toBe(n + 1);
    const all = new Machine(await decodeSnapshot(file));
    expect(all.state.names).toHaveLength(n);
    mustCreateNet(all, 'new');
    expect(written).toBe(encodeSnapshot(all.state));
  });

  test.each([100, 200])('a state file of %i namespaces: a registration writes the loaded names as they are, making no entry', async (n) => {
    const file = Buffer.from(encodeSnapshot(kernelWith(n).state));
    const loaded = new Machine(await decodeSnapshot(file));
    loaded.register_pernet_subsys(ops('X', { id: true, size: 8, init: 'f' }));
    const moved = loaded.work.moved;
    const written = encodeSnapshot(loaded.state);
    // Making the entries would move the n names.
    expect(loaded.work.moved).toBe(moved);
    const all = new Machine(await decodeSnapshot(file));
    all.register_pernet_subsys(ops('X', { id: true, size: 8, init: 'f' }));
    expect(all.state.names).toHaveLength(n);
    expect(written).toBe(encodeSnapshot(all.state));
  });

  test.each([100, 200])('registering an ops with data across %i namespaces visits each once', (n) => {
    const kernel = kernelWith(n);
    const work = workOf(kernel, () => kernel.register_pernet_subsys(ops('X', { id: true, size: 64, init: 'f' })));
    // subsys: placed before first_device (loopback_net_ops, the third ops), init_net included.
    expect(work).toEqual({ nets: n + 1, ops: 3, moved: 0 });
  });
});
