// Usage texts: ipsim's own for --help (stdout, exit 0); iproute2 6.1's `ip` usage, byte for byte,
// on stderr with exit 255 wherever ip prints it (no object, `help`, an option missing its value).

export const VERSION = '0.1.0';

export const USAGE = `Usage: ipsim [ OPTIONS ] OBJECT { COMMAND | help }
       ipsim [ -force ] -batch FILE
where  OBJECT := { netns | pernet | show | boot | reset | shell |
                   completion }
       OPTIONS := { -j[son] | -p[retty] | -b[atch] FILE | -force | -a[ll] |
                    -n[etns] NAME | -c[olor][=WHEN] | --state FILE |
                    --trace[=source] | --color[=WHEN] | --help | --version }

Objects:
  netns    ip netns, byte for byte:
             list | add NAME | attach NAME PID | set NAME NETNSID |
             delete [NAME] | identify [PID] | pids NAME |
             exec [NAME] CMD... | monitor | list-id [target-nsid N] [nsid N]
  pernet   the kernel's pernet_operations registry:
             register-subsys NAME [OPS-OPTIONS]
             register-device NAME [OPS-OPTIONS]
             unregister-subsys NAME | unregister-device NAME
             fail NAME [--init NET[:ERRNO]]... [--alloc NET]... [--clear]
             list
           OPS-OPTIONS := [--id] [--size BYTES] [--init FN] [--exit FN]
                          [--exit-batch FN] [--fail-init NET[:ERRNO]]...
                          [--fail-alloc NET]...
  show     the kernel's data structures: gen [NET] | net [NET] | lists | ids
  boot     net_ns_init() + profile: boot [--profile seed|bare|linux-3.10|FILE]
  reset    forget the emulated kernel (delete the state file): reset [--force]
  shell    a prompt for ipsim lines on one state: Tab completion, history
  completion  completion script for your shell: completion { bash | zsh | fish }

Help: "ipsim OBJECT --help" and "ipsim OBJECT COMMAND --help" explain
ipsim's own objects (pernet, show, boot, reset, shell, completion): what
they do, their options, an example. For netns, "ipsim netns help" prints
ip's own usage, as ip does. At a terminal, register-subsys/-device
without NAME and reset ask first.

State file: --state FILE, else $IPSIM_STATE, else
$XDG_STATE_HOME/ipsim/state.json (~/.local/state/ipsim/state.json).
`;

/** ip/ip.c usage() of iproute2 6.1, as the Debian 12 build prints it. */
export const IP_USAGE =
  'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n' +
  '       ip [ -force ] -batch filename\n' +
  'where  OBJECT := { address | addrlabel | amt | fou | help | ila | ioam | l2tp |\n' +
  '                   link | macsec | maddress | monitor | mptcp | mroute | mrule |\n' +
  '                   neighbor | neighbour | netconf | netns | nexthop | ntable |\n' +
  '                   ntbl | route | rule | sr | tap | tcpmetrics |\n' +
  '                   token | tunnel | tuntap | vrf | xfrm }\n' +
  '       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |\n' +
  '                    -h[uman-readable] | -iec | -j[son] | -p[retty] |\n' +
  '                    -f[amily] { inet | inet6 | mpls | bridge | link } |\n' +
  '                    -4 | -6 | -M | -B | -0 |\n' +
  '                    -l[oops] { maximum-addr-flush-attempts } | -br[ief] |\n' +
  '                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |\n' +
  '                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |\n' +
  '                    -c[olor]}\n';
