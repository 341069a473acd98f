// The top-level usage text: printed on stdout for --help, on stderr (exit 255) where ip prints its
// usage (no object, `help`, a global option missing its argument).

export const VERSION = '0.1.0';

export const USAGE = `Usage: ipsim [ OPTIONS ] OBJECT { COMMAND | help }
       ipsim [ -force ] -batch FILE
where  OBJECT := { netns | pernet | show | boot | reset }
       OPTIONS := { -j[son] | -p[retty] | -b[atch] FILE | -force | -a[ll] |
                    -n[etns] NAME | -c[olor][=WHEN] | --state FILE | --trace |
                    --color[=WHEN] | --help | --version }

Objects:
  netns    ip netns, byte for byte:
             list | add NAME | delete NAME | set NAME NETNSID |
             list-id [target-nsid N] [nsid N]
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
  boot     net_ns_init() and a profile: boot [--profile seed|bare|FILE]
  reset    forget the emulated kernel (delete the state file)

State file: --state FILE, else $IPSIM_STATE, else
$XDG_STATE_HOME/ipsim/state.json (~/.local/state/ipsim/state.json).
`;
