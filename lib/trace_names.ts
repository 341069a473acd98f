// How ipsim names a namespace in traces, JSON and figures, and how the selectors of fault injection
// and `show NET` name one (README, "--trace"): init_net is `init_net`; a namespace a command adds or
// deletes is the name that command gives it until the command ends; otherwise its oldest bound
// name, or `net:[INUM]` once none is bound.
import type { Kernel } from './net_namespace.js';
import type { RunNetns } from './run_netns.js';
import type { Net } from './state.js';

/** A selector naming a namespace by its proc inode number, as readlink /proc/PID/ns/net prints it. */
const NET_INUM = /^net:\[([1-9][0-9]*)\]$/;

/**
 * A leading quote, or a separator, whitespace or control character (Unicode's Cc, spelled as its
 * two ranges: a /\p{Cc}/u costs every start that names a namespace a tenth of a millisecond).
 */
const NEEDS_QUOTES = /^"|[,()[\]\s\x00-\x1f\x7f-\x9f]/;

/**
 * A bound name as traces and JSON show it: as it is, unless it could be read as something else,
 * then as a JSON string. Quoted: init_net's name and the net:[INUM] form (ip binds any name), a
 * leading quote (so quoted and raw never meet), and what separates a trace's arguments and lists
 * (`,`, brackets, parentheses), whitespace and control characters.
 */
export function traceName(name: string): string {
  return name === 'init_net' || name.startsWith('net:[') || NEEDS_QUOTES.test(name) ? JSON.stringify(name) : name;
}

export class TraceNames {
  /** The names the running command gives the namespaces it adds or deletes, by serial. */
  private readonly aliases = new Map<number, string>();

  constructor(
    private readonly kernel: Kernel,
    private readonly runNetns: RunNetns,
  ) {}

  netName(net: Net): string {
    if (net.serial === 0) return 'init_net';
    const alias = this.aliases.get(net.serial);
    if (alias !== undefined) return traceName(alias);
    const names = this.runNetns.namesOf(net);
    if (names.length > 0) return traceName(names[0]!);
    return `net:[${net.proc_inum ?? '?'}]`;
  }

  /** Gives the namespace the command works on its trace name until endCommand(). */
  alias(net: Net, name: string): void {
    this.aliases.set(net.serial, name);
  }

  /**
   * The trace name of the namespace the next net_alloc() creates (`netns add NAME`): the one that
   * gets the next serial, named before it exists.
   */
  nameNextNet(name: string): void {
    this.aliases.set(this.kernel.state.next_serial, name);
  }

  endCommand(): void {
    // Map.prototype.clear allocates a new table even for an empty map: a batch line pays it once.
    if (this.aliases.size > 0) this.aliases.clear();
  }

  /** A selector's namespaces, tried in this order: a bound name, init_net, net:[INUM] of a live namespace, then *. */
  resolveSelector(selector: string): Net[] | undefined {
    const named = this.runNetns.netByName(selector);
    if (named) return [named];
    const init_net = this.kernel.init_net;
    if (selector === 'init_net' && init_net) return [init_net];
    const inum = NET_INUM.exec(selector);
    if (inum) {
      const net = this.kernel.state.net_namespace_list.find((n) => n.proc_inum === Number(inum[1]));
      if (net) return [net];
    }
    if (selector === '*') return [...this.kernel.state.net_namespace_list];
    return undefined;
  }

  /**
   * Whether a stored fault selector names the namespace a callback runs on, resolved at that moment
   * in resolveSelector's order: a bound name (the namespace `netns add NAME` is setting up counts as
   * bound to NAME), init_net, net:[INUM] by its proc inode number now, *.
   */
  selects(selector: string, net: Net): boolean {
    const bound = this.runNetns.serialOf(selector);
    if (bound !== undefined) return bound === net.serial;
    if (this.aliases.get(net.serial) === selector) return true;
    if (selector === 'init_net') return net.serial === 0;
    const inum = NET_INUM.exec(selector);
    if (inum) return net.proc_inum === Number(inum[1]);
    return selector === '*';
  }
}
