// `boot --profile linux-3.10` and `-batch fixtures/profiles/linux-3.10-modules`: the boot of a
// 3.10 x86_64 distribution kernel and the modules loaded after it, as Linux 3.10.105's source
// shows them (README, "The linux-3.10 profile"). The tables below restate the source: ops, kind
// (register_pernet_subsys or register_pernet_device) and callbacks in registration order.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ipsim, tempDir } from './helpers/cli.js';

type Kind = 'subsys' | 'device';
type Row = readonly [name: string, kind: Kind, init: string | null, exit: string | null, exit_batch: string | null];

/** What 3.10 registers at boot, in registration order: start_kernel, then initcall levels, then link order. */
const BOOT: readonly Row[] = [
  ['proc_net_ns_ops', 'subsys', 'proc_net_ns_init', 'proc_net_ns_exit', null],
  ['net_ns_ops', 'subsys', 'net_ns_net_init', 'net_ns_net_exit', null],
  ['sysctl_pernet_ops', 'subsys', 'sysctl_net_init', 'sysctl_net_exit', null],
  ['netfilter_net_ops', 'subsys', 'netfilter_net_init', 'netfilter_net_exit', null],
  ['nf_log_net_ops', 'subsys', 'nf_log_net_init', 'nf_log_net_exit', null],
  ['net_inuse_ops', 'subsys', 'sock_inuse_init_net', 'sock_inuse_exit_net', null],
  ['netlink_net_ops', 'subsys', 'netlink_net_init', 'netlink_net_exit', null],
  ['rtnetlink_net_ops', 'subsys', 'rtnetlink_net_init', 'rtnetlink_net_exit', null],
  ['uevent_net_ops', 'subsys', 'uevent_net_init', 'uevent_net_exit', null],
  ['proto_net_ops', 'subsys', 'proto_init_net', 'proto_exit_net', null],
  ['dev_proc_ops', 'subsys', 'dev_proc_net_init', 'dev_proc_net_exit', null],
  ['dev_mc_net_ops', 'subsys', 'dev_mc_net_init', 'dev_mc_net_exit', null],
  ['netdev_net_ops', 'subsys', 'netdev_init', 'netdev_exit', null],
  ['loopback_net_ops', 'device', 'loopback_net_init', null, null],
  ['default_device_ops', 'device', null, 'default_device_exit', 'default_device_exit_batch'],
  ['fib_rules_net_ops', 'subsys', 'fib_rules_net_init', null, null],
  ['psched_net_ops', 'subsys', 'psched_net_init', 'psched_net_exit', null],
  ['genl_pernet_ops', 'subsys', 'genl_pernet_init', 'genl_pernet_exit', null],
  ['wext_pernet_ops', 'subsys', 'wext_pernet_init', 'wext_pernet_exit', null],
  ['sysctl_core_ops', 'subsys', 'sysctl_core_net_init', 'sysctl_core_net_exit', null],
  ['arp_net_ops', 'subsys', 'arp_net_init', 'arp_net_exit', null],
  ['devinet_ops', 'subsys', 'devinet_init_net', 'devinet_exit_net', null],
  ['fib_net_ops', 'subsys', 'fib_net_init', 'fib_net_exit', null],
  ['ip_rt_proc_ops', 'subsys', 'ip_rt_do_proc_init', 'ip_rt_do_proc_exit', null],
  ['xfrm_net_ops', 'subsys', 'xfrm_net_init', 'xfrm_net_exit', null],
  ['xfrm4_net_ops', 'subsys', 'xfrm4_net_init', 'xfrm4_net_exit', null],
  ['sysctl_route_ops', 'subsys', 'sysctl_route_net_init', 'sysctl_route_net_exit', null],
  ['rt_genid_ops', 'subsys', 'rt_genid_init', null, null],
  ['ipv4_inetpeer_ops', 'subsys', 'ipv4_inetpeer_init', 'ipv4_inetpeer_exit', null],
  ['igmp_net_ops', 'subsys', 'igmp_net_init', 'igmp_net_exit', null],
  ['tcp_sk_ops', 'subsys', 'tcp_sk_init', 'tcp_sk_exit', 'tcp_sk_exit_batch'],
  ['tcp_net_metrics_ops', 'subsys', 'tcp_net_metrics_init', 'tcp_net_metrics_exit', null],
  ['udplite4_net_ops', 'subsys', 'udplite4_proc_init_net', 'udplite4_proc_exit_net', null],
  ['icmp_sk_ops', 'subsys', 'icmp_sk_init', 'icmp_sk_exit', null],
  ['ipmr_net_ops', 'subsys', 'ipmr_net_init', 'ipmr_net_exit', null],
  ['ipv4_mib_ops', 'subsys', 'ipv4_mib_init_net', 'ipv4_mib_exit_net', null],
  ['raw_net_ops', 'subsys', 'raw_init_net', 'raw_exit_net', null],
  ['tcp4_net_ops', 'subsys', 'tcp4_proc_init_net', 'tcp4_proc_exit_net', null],
  ['udp4_net_ops', 'subsys', 'udp4_proc_init_net', 'udp4_proc_exit_net', null],
  ['ping_net_ops', 'subsys', 'ping_proc_init_net', 'ping_proc_exit_net', null],
  ['ip_proc_ops', 'subsys', 'ip_proc_init_net', 'ip_proc_exit_net', null],
  ['ip4_frags_ops', 'subsys', 'ipv4_frags_init_net', 'ipv4_frags_exit_net', null],
  ['unix_net_ops', 'subsys', 'unix_net_init', 'unix_net_exit', null],
  ['diag_net_ops', 'subsys', 'diag_net_init', 'diag_net_exit', null],
  ['xt_net_ops', 'subsys', 'xt_net_init', null, null],
  ['ipv4_sysctl_ops', 'subsys', 'ipv4_sysctl_init_net', 'ipv4_sysctl_exit_net', null],
  ['xfrm_user_net_ops', 'subsys', 'xfrm_user_net_init', null, 'xfrm_user_net_exit'],
  ['inet6_net_ops', 'subsys', 'inet6_net_init', 'inet6_net_exit', null],
  ['icmpv6_sk_ops', 'subsys', 'icmpv6_sk_init', 'icmpv6_sk_exit', null],
  ['ip6mr_net_ops', 'subsys', 'ip6mr_net_init', 'ip6mr_net_exit', null],
  ['ndisc_net_ops', 'subsys', 'ndisc_net_init', 'ndisc_net_exit', null],
  ['igmp6_net_ops', 'subsys', 'igmp6_net_init', 'igmp6_net_exit', null],
  ['raw6_net_ops', 'subsys', 'raw6_init_net', 'raw6_exit_net', null],
  ['udplite6_net_ops', 'subsys', 'udplite6_proc_init_net', 'udplite6_proc_exit_net', null],
  ['ipv6_proc_ops', 'subsys', 'ipv6_proc_init_net', 'ipv6_proc_exit_net', null],
  ['if6_proc_net_ops', 'subsys', 'if6_proc_net_init', 'if6_proc_net_exit', null],
  ['ipv6_inetpeer_ops', 'subsys', 'ipv6_inetpeer_init', 'ipv6_inetpeer_exit', null],
  ['ip6_route_net_ops', 'subsys', 'ip6_route_net_init', 'ip6_route_net_exit', null],
  ['fib6_net_ops', 'subsys', 'fib6_net_init', 'fib6_net_exit', null],
  ['xfrm6_net_ops', 'subsys', 'xfrm6_net_init', 'xfrm6_net_exit', null],
  ['fib6_rules_net_ops', 'subsys', 'fib6_rules_net_init', 'fib6_rules_net_exit', null],
  ['ip6_route_net_late_ops', 'subsys', 'ip6_route_net_init_late', 'ip6_route_net_exit_late', null],
  ['ip6_flowlabel_net_ops', 'subsys', 'ip6_flowlabel_proc_init', 'ip6_flowlabel_net_exit', null],
  ['ipv6_addr_label_ops', 'subsys', 'ip6addrlbl_net_init', 'ip6addrlbl_net_exit', null],
  ['addrconf_ops', 'subsys', 'addrconf_init_net', 'addrconf_exit_net', null],
  ['ip6_frags_ops', 'subsys', 'ipv6_frags_init_net', 'ipv6_frags_exit_net', null],
  ['tcpv6_net_ops', 'subsys', 'tcpv6_net_init', 'tcpv6_net_exit', 'tcpv6_net_exit_batch'],
  ['ipv6_sysctl_net_ops', 'subsys', 'ipv6_sysctl_net_init', 'ipv6_sysctl_net_exit', null],
  ['packet_net_ops', 'subsys', 'packet_net_init', 'packet_net_exit', null],
];

/** The modules batch, in load order: [ops, kind, .id, .size]. */
const MODULES: readonly (readonly [name: string, kind: Kind, id: boolean, size: number])[] = [
  ['nf_conntrack_net_ops', 'subsys', false, 0],
  ['ipv4_net_ops', 'subsys', false, 0],
  ['ip_tables_net_ops', 'subsys', false, 0],
  ['iptable_filter_net_ops', 'subsys', false, 0],
  ['nf_nat_net_ops', 'subsys', false, 0],
  ['iptable_nat_net_ops', 'subsys', false, 0],
  ['iptable_mangle_net_ops', 'subsys', false, 0],
  ['nf_ct_net_ops', 'subsys', false, 0],
  ['ipv6_net_ops', 'subsys', false, 0],
  ['ip6_tables_net_ops', 'subsys', false, 0],
  ['ip6table_filter_net_ops', 'subsys', false, 0],
  ['nfnetlink_net_ops', 'subsys', false, 0],
  ['ctnetlink_net_ops', 'subsys', false, 0],
  ['recent_net_ops', 'subsys', true, 24],
  ['hashlimit_net_ops', 'subsys', true, 24],
  ['br_net_ops', 'subsys', false, 0],
  ['vlan_net_ops', 'subsys', true, 24],
  ['bond_net_ops', 'subsys', true, 72],
  ['vxlan_net_ops', 'device', true, 8200],
  ['ipip_net_ops', 'device', true, 16],
  ['ipgre_net_ops', 'device', true, 16],
  ['ipgre_tap_net_ops', 'device', true, 16],
  ['ip6_tnl_net_ops', 'device', true, 288],
  ['sit_net_ops', 'device', true, 432],
  ['ip6gre_net_ops', 'device', true, 1032],
  ['proto_gre_net_ops', 'subsys', true, 56],
  ['nf_conntrack_pptp_net_ops', 'subsys', false, 0],
  ['ppp_net_ops', 'device', true, 120],
  ['pppoe_net_ops', 'device', true, 136],
  ['l2tp_net_ops', 'device', true, 2080],
  ['pppol2tp_net_ops', 'device', true, 0],
  ['pfkey_net_ops', 'subsys', true, 16],
  ['xfrm6_tunnel_net_ops', 'subsys', true, 4104],
  ['ovs_net_ops', 'device', true, 48],
];

interface OpsJson {
  name: string;
  kind: Kind;
  id: number | null;
  size: number;
  init: string | null;
  exit: string | null;
  exit_batch: string | null;
  first_device: boolean;
}

interface TraceJson {
  fn: string;
  args?: string[];
  hook?: string;
  ops?: string;
  net?: string;
}

const INIT_NET_INUM = 4026531956;

let t: ReturnType<typeof tempDir>;

function run(...args: string[]): string {
  const r = ipsim(args, { state: t.state });
  expect({ stderr: r.stderr, exit: r.exit }).toEqual({ stderr: '', exit: 0 });
  return r.stdout;
}

function pernetList(): OpsJson[] {
  return JSON.parse(run('-j', 'pernet', 'list')) as OpsJson[];
}

function trace(stdout: string): TraceJson[] {
  return (JSON.parse(stdout) as { trace: TraceJson[] }).trace;
}

/** pernet_list order: each subsys is linked before first_device, each device at the tail. */
function pernetOrder(rows: readonly { name: string; kind: Kind }[]): string[] {
  return [...rows.filter((r) => r.kind === 'subsys'), ...rows.filter((r) => r.kind === 'device')].map((r) => r.name);
}

const bootRows = BOOT.map(([name, kind, init, exit, exit_batch]) => ({ name, kind, init, exit, exit_batch }));

beforeEach(() => {
  t = tempDir();
});

afterEach(() => {
  t.cleanup();
});

describe('boot --profile linux-3.10', () => {
  test('registers the 69 ops of a 3.10 boot in initcall order, proc_net_ns_ops before net_ns_init', () => {
    const events = trace(run('-j', 'boot', '--profile', 'linux-3.10', '--trace'));
    const registered = events.filter((e) => e.fn === 'register_pernet_subsys' || e.fn === 'register_pernet_device');
    expect(registered.map((e) => [e.args?.[0], e.fn])).toEqual(BOOT.map(([name, kind]) => [name, `register_pernet_${kind}`]));
    const calls = events.map((e) => (e.fn === 'net_ns_init' ? 'net_ns_init' : e.args?.[0]));
    expect(calls.indexOf('proc_net_ns_ops')).toBeLessThan(calls.indexOf('net_ns_init'));
    expect(BOOT).toHaveLength(69);
  });

  test('pernet list: the subsys in registration order, then loopback_net_ops (first_device) and default_device_ops', () => {
    run('boot', '--profile', 'linux-3.10');
    const list = pernetList();
    expect(list.map((ops) => ops.name)).toEqual(pernetOrder(bootRows));
    expect(list.slice(-2).map((ops) => [ops.name, ops.kind])).toEqual([
      ['loopback_net_ops', 'device'],
      ['default_device_ops', 'device'],
    ]);
    expect(list.filter((ops) => ops.first_device).map((ops) => ops.name)).toEqual(['loopback_net_ops']);
    expect(run('pernet', 'list').split('\n').at(-2)).toBe('first_device: loopback_net_ops');
  });

  test('each ops has the kind and the callbacks of its 3.10 definition', () => {
    run('boot', '--profile', 'linux-3.10');
    const byName = new Map(pernetList().map((ops) => [ops.name, ops]));
    for (const row of bootRows) {
      const ops = byName.get(row.name);
      expect({ name: ops?.name, kind: ops?.kind, init: ops?.init, exit: ops?.exit, exit_batch: ops?.exit_batch }).toEqual(row);
    }
  });

  test('no ops registered at boot uses net_generic: no id, no size, max_gen_ptrs stays 13', () => {
    run('boot', '--profile', 'linux-3.10');
    expect(pernetList().filter((ops) => ops.id !== null || ops.size !== 0)).toEqual([]);
    const ids = JSON.parse(run('-j', 'show', 'ids')) as { net_generic_ids: number[]; max_gen_ptrs: number; proc_inums: number[] };
    expect(ids).toMatchObject({ net_generic_ids: [], max_gen_ptrs: 13 });
    expect(ids.proc_inums).toContain(INIT_NET_INUM);
  });

  test('init_net is net:[4026531956], with lo as its loopback device', () => {
    run('boot', '--profile', 'linux-3.10');
    expect(JSON.parse(run('-j', 'show', 'net', 'init_net'))).toMatchObject({
      net: 'init_net',
      proc_inum: INIT_NET_INUM,
      loopback_dev: 'lo',
    });
    expect(JSON.parse(run('-j', 'show', 'net', `net:[${INIT_NET_INUM}]`))).toMatchObject({ net: 'init_net' });
  });

  test('netns add runs every init in pernet_list order; netns delete runs every exit in reverse', () => {
    run('boot', '--profile', 'linux-3.10');
    const inits = trace(run('-j', '--trace', 'netns', 'add', 'blue')).filter((e) => e.hook === 'init');
    const order = pernetOrder(bootRows);
    const row = (name: string) => bootRows.find((r) => r.name === name)!;
    expect(inits.map((e) => [e.ops, e.fn, e.net])).toEqual(
      order.filter((name) => row(name).init !== null).map((name) => [name, row(name).init, 'blue']),
    );
    expect(JSON.parse(run('-j', 'show', 'net', 'blue'))).toMatchObject({ proc_inum: INIT_NET_INUM + 1, loopback_dev: 'lo' });
    const exits = trace(run('-j', '--trace', 'netns', 'delete', 'blue')).filter((e) => e.hook === 'exit' || e.hook === 'exit_batch');
    const expected = [...order].reverse().flatMap((name) => {
      const { exit, exit_batch } = row(name);
      return [...(exit ? [[name, exit]] : []), ...(exit_batch ? [[name, exit_batch]] : [])];
    });
    expect(exits.map((e) => [e.ops, e.fn])).toEqual(expected);
  });
});

describe('fixtures/profiles/linux-3.10-modules', () => {
  test('runs after the boot: subsys before first_device, devices at the tail, ids 1..19 in load order', () => {
    run('boot', '--profile', 'linux-3.10');
    run('-batch', 'fixtures/profiles/linux-3.10-modules');
    const list = pernetList();
    const modules = MODULES.map(([name, kind]) => ({ name, kind }));
    expect(list.map((ops) => ops.name)).toEqual(pernetOrder([...bootRows, ...modules]));
    let next = 1;
    const expected = MODULES.map(([name, kind, id, size]) => [name, kind, id ? next++ : null, size]);
    const byName = new Map(list.map((ops) => [ops.name, ops]));
    expect(MODULES.map(([name]) => byName.get(name)).map((ops) => [ops?.name, ops?.kind, ops?.id, ops?.size])).toEqual(expected);
    expect(JSON.parse(run('-j', 'show', 'ids'))).toMatchObject({
      net_generic_ids: Array.from({ length: 19 }, (_, i) => i + 1),
      max_gen_ptrs: 19,
    });
    expect(list.filter((ops) => ops.first_device).map((ops) => ops.name)).toEqual(['loopback_net_ops']);
  });

  test('a namespace added after the modules runs their inits too, each in its pernet_list place', () => {
    run('boot', '--profile', 'linux-3.10');
    run('-batch', 'fixtures/profiles/linux-3.10-modules');
    const order = pernetList().filter((ops) => ops.init !== null).map((ops) => ops.name);
    const inits = trace(run('-j', '--trace', 'netns', 'add', 'red')).filter((e) => e.hook === 'init');
    expect(inits.map((e) => e.ops)).toEqual(order);
    expect(inits.map((e) => e.ops)).toEqual(expect.arrayContaining(['vlan_net_ops', 'bond_net_ops', 'ipip_net_ops', 'sit_net_ops']));
  });
});

describe('the profiles name their source', () => {
  const LEVELS = ['start_kernel', 'pure_initcall', 'core_initcall', 'postcore_initcall', 'subsys_initcall', 'fs_initcall', 'device_initcall'];

  test('each linux-3.10 registration names its file:line and initcall level, levels never going back', () => {
    const lines = readFileSync('fixtures/profiles/linux-3.10', 'utf8').split('\n').filter((l) => l.startsWith('pernet '));
    expect(lines).toHaveLength(68);
    const levels = lines.map((line) => {
      const m = /  # ((?:fs|lib|net|drivers)\/[\w/.-]+\.c):\d+, (\w+)/.exec(line);
      expect([line, m !== null && LEVELS.includes(m[2]!)]).toEqual([line, true]);
      return LEVELS.indexOf(m![2]!);
    });
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
  });

  test('each linux-3.10-modules registration names its file:line, and every --size its sizeof', () => {
    const lines = readFileSync('fixtures/profiles/linux-3.10-modules', 'utf8').split('\n').filter((l) => l.startsWith('pernet '));
    expect(lines).toHaveLength(MODULES.length);
    for (const line of lines) {
      expect([line, /  # (net|drivers)\/[\w/.-]+\.c:\d+/.test(line)]).toEqual([line, true]);
      expect([line, line.includes(' --size ')]).toEqual([line, line.includes('.size = sizeof(struct ')]);
    }
  });
});
