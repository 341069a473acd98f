/**
 * The global-option loop of iproute2 6.1's `ip` (ip/ip.c, main()) and its object table (cmds[]),
 * ported as a pure function, plus ipsim's own long options (README, "Global options").
 *
 * Source read: ip/ip.c as stored for tammela/iproute2-p4tc-pub at 927f61514d81 (the 6.0/6.1 loop:
 * no -I/-D since "ip: remove leftovers from IPX and DECnet"), plus the 6.1 addition of `-echo`
 * (patch "ip: add NLM_F_ECHO support", `strcmp(opt, "-echo")` after `-all`); lib/utils.c
 * matches(), get_unsigned(), read_family(), invarg(); include/utils.h NEXT_ARG(); lib/color.c
 * matches_color(). Every behaviour below was checked against /usr/sbin/ip
 * ("ip utility, iproute2-6.1.0, libbpf 1.1.2", Debian 12), see test/ip_options.test.ts.
 *
 * Pure: no I/O. Messages are the stderr line without its trailing newline.
 */
import { getUnsigned, matches } from './utils.js';

/** The one --trace value: each trace line also names where Linux 3.10.105 defines the function. */
export const TRACE_SOURCE = '--trace=source';

export interface GlobalOptions {
  json: number;
  pretty: number;
  force: number;
  all: boolean;
  /** -b/-batch FILE (`-` is stdin); the last one wins, as in ip. */
  batch?: string;
  /** Every -n/-netns NAME in order; ip switches at each one, so the caller checks each name. */
  netns: string[];
  /** ipsim's own `--state FILE` / `--state=FILE`. */
  state?: string;
  trace: boolean;
  /** `--trace=source`: each trace line also names where Linux 3.10.105 defines the function. */
  traceSource?: boolean;
  color?: 'auto' | 'always' | 'never';
  help: boolean;
  version: boolean;
}

export type ParseResult =
  | { ok: true; options: GlobalOptions; rest: string[] }
  | { ok: false; options: GlobalOptions; message: string; exit: number; usage?: boolean };

/** What ip prints for an option that is in no branch of the chain (ip.c, final else). */
function unknownOption(opt: string): string {
  return `Option "${opt}" is unknown, try "ip -help".`;
}


/**
 * lib/color.c matches_color(): split at the first '=', the part before must match "-color" by
 * prefix; no value or "always" → always, "auto", "never"; any other value → not a colour option
 * (so ip goes on down the chain and ends with "Option ... is unknown").
 */
function matchesColor(arg: string): GlobalOptions['color'] | undefined {
  const eq = arg.indexOf('=');
  const name = eq < 0 ? arg : arg.slice(0, eq);
  const value = eq < 0 ? '' : arg.slice(eq + 1);
  if (!matches(name, '-color')) return undefined;
  if (value === '' || value === 'always') return 'always';
  if (value === 'auto') return 'auto';
  if (value === 'never') return 'never';
  return undefined;
}

/** lib/utils.c read_family() in 6.1 (ipx and dnet are gone): anything else is AF_UNSPEC. */
const FAMILIES: ReadonlySet<string> = new Set(['inet', 'inet6', 'link', 'mpls', 'bridge']);

function freshOptions(): GlobalOptions {
  return { json: 0, pretty: 0, force: 0, all: false, netns: [], trace: false, help: false, version: false };
}

/**
 * Reads global options up to OBJECT, the way ip/ip.c main() does, with ipsim's own long options
 * checked first (exactly, not by prefix) for every word.
 *
 * Terminal options stop the loop where ip would exit: `-Version`/`--version`/`--help` return
 * ok with the flag set and `rest` = the words after them, unparsed (ip -V -zzz prints the version).
 * Names in `options.netns` come before any error or terminal option; the caller must check them
 * first (ip has already switched, and failed, at each -n before reaching the later word).
 */
export function parseGlobalOptions(argv: readonly string[]): ParseResult {
  const options = freshOptions();
  const usage = (): ParseResult => ({ ok: false, options, message: '', exit: 255, usage: true });
  const fail = (message: string): ParseResult => ({ ok: false, options, message, exit: 255 });

  let i = 0;
  while (i < argv.length) {
    const word = argv[i]!;
    // `if (strcmp(opt, "--") == 0) { argc--; argv++; break; }`
    if (word === '--') {
      i++;
      break;
    }
    // `if (opt[0] != '-') break;` (the empty word too)
    if (!word.startsWith('-')) break;

    // ipsim's own long options: exact, before ip's table.
    if (word === '--state' || word.startsWith('--state=')) {
      let file: string | undefined;
      if (word === '--state') {
        file = argv[i + 1];
        if (file !== undefined) i++;
      } else {
        file = word.slice('--state='.length);
      }
      if (file === undefined || file === '') return fail('Error: --state needs a FILE');
      options.state = file;
      i++;
      continue;
    }
    if (word === '--trace') {
      options.trace = true;
      i++;
      continue;
    }
    // Exact, like the others: --trace=x is not ipsim's and goes on to ip's table.
    if (word === TRACE_SOURCE) {
      options.trace = true;
      options.traceSource = true;
      i++;
      continue;
    }
    if (word === '--color' || word.startsWith('--color=')) {
      // Bare --color means always, as ip's -color does (matches_color with no value).
      const when = word === '--color' ? 'always' : word.slice('--color='.length);
      if (when !== 'auto' && when !== 'always' && when !== 'never') {
        return fail(`Error: --color takes auto, always or never, not "${when}"`);
      }
      options.color = when;
      i++;
      continue;
    }
    if (word === '--help') {
      options.help = true;
      return { ok: true, options, rest: argv.slice(i + 1) };
    }
    if (word === '--version') {
      options.version = true;
      return { ok: true, options, rest: argv.slice(i + 1) };
    }

    // `if (opt[1] == '-') opt++;`: a leading "--" is accepted once (--json), and it is this
    // shortened word that ip names in its "unknown" message (ip ---x → Option "--x").
    const opt = word[1] === '-' ? word.slice(1) : word;
    let color: GlobalOptions['color'];

    // The matches() chain of ip/ip.c main(), in source order; the first match wins.
    if (matches(opt, '-loops')) {
      // `if (argc <= 1) usage(); max_flush_loops = atoi(argv[1]);` (atoi: never rejected)
      if (i + 1 >= argv.length) return usage();
      i++;
    } else if (matches(opt, '-family')) {
      if (i + 1 >= argv.length) return usage();
      const family = argv[++i]!;
      if (family === 'help') return usage();
      // invarg("invalid protocol family", argv[1]) → "Error: argument \"%s\" is wrong: %s\n"
      if (!FAMILIES.has(family)) return fail(`Error: argument "${family}" is wrong: invalid protocol family`);
    } else if (opt === '-4' || opt === '-6' || opt === '-0' || opt === '-M' || opt === '-B') {
      // strcmp(), not matches(): family shorthands, no effect in ipsim
    } else if (matches(opt, '-human') || matches(opt, '-human-readable')) {
      // -h is -human, not help
    } else if (matches(opt, '-iec')) {
      // no effect
    } else if (matches(opt, '-stats') || matches(opt, '-statistics')) {
      // no effect
    } else if (matches(opt, '-details')) {
      // no effect
    } else if (matches(opt, '-resolve')) {
      // -r is -resolve; -rcvbuf needs at least -rc
    } else if (matches(opt, '-oneline')) {
      // no effect
    } else if (matches(opt, '-timestamp')) {
      // no effect
    } else if (matches(opt, '-tshort')) {
      // no effect
    } else if (matches(opt, '-Version')) {
      // ip prints its version and exit(0)s here, so later words are never looked at.
      options.version = true;
      return { ok: true, options, rest: argv.slice(i + 1) };
    } else if (matches(opt, '-force')) {
      // after -family in the chain: -f is -family, -fo is -force
      options.force++;
    } else if (matches(opt, '-batch')) {
      if (i + 1 >= argv.length) return usage();
      options.batch = argv[++i]!;
    } else if (matches(opt, '-brief')) {
      // -br; plain -b is -batch
    } else if (matches(opt, '-json')) {
      options.json++;
    } else if (matches(opt, '-pretty')) {
      options.pretty++;
    } else if (matches(opt, '-rcvbuf')) {
      if (i + 1 >= argv.length) return usage();
      const size = argv[++i]!;
      if (getUnsigned(size) === undefined) return fail(`Invalid rcvbuf size '${size}'`);
    } else if ((color = matchesColor(opt)) !== undefined) {
      // -c, -color, -color=always|auto|never mean ipsim's --color
      options.color = color;
    } else if (matches(opt, '-help')) {
      return usage();
    } else if (matches(opt, '-netns')) {
      // NEXT_ARG() is `argv++; if (--argc <= 0) incomplete_command();`, but main()'s argc still
      // counts argv[0], so a trailing -n never trips it: netns_switch(argv[1]) gets the NULL
      // that ends argv and glibc prints it as "(null)" (observed: Cannot open network namespace
      // "(null)": No such file or directory). The loop then ends with no OBJECT.
      const name = argv[i + 1];
      if (name === undefined) {
        options.netns.push('(null)');
      } else {
        options.netns.push(name);
        i++;
      }
    } else if (matches(opt, '-Numeric')) {
      // no effect
    } else if (matches(opt, '-all')) {
      options.all = true;
    } else if (opt === '-echo') {
      // 6.1 adds -echo with strcmp(), so -e/-ech are unknown
    } else {
      return fail(unknownOption(opt));
    }
    i++;
  }
  return { ok: true, options, rest: argv.slice(i) };
}

/** ip/ip.c cmds[] of iproute2 6.1, in table order ("stats" comes after "help"). */
const IP_OBJECTS: readonly string[] = [
  'address', 'addrlabel', 'maddress', 'route', 'rule', 'neighbor', 'neighbour', 'ntable', 'ntbl',
  'link', 'l2tp', 'fou', 'ila', 'macsec', 'tunnel', 'tunl', 'tuntap', 'tap', 'token',
  'tcpmetrics', 'tcp_metrics', 'monitor', 'xfrm', 'mroute', 'mrule', 'netns', 'netconf', 'vrf',
  'sr', 'nexthop', 'mptcp', 'ioam', 'help', 'stats',
];

/** ip's table followed by ipsim's own objects (README, "Commands"). */
const OBJECTS: readonly string[] = [...IP_OBJECTS, 'pernet', 'show', 'boot', 'reset', 'shell', 'completion'];

/** matchObject's answers so far: a batch's lines look the same few words up, each line twice. */
const matched = new Map<string, string>();

/**
 * do_cmd(): the first table entry that `word` is a prefix of (matches()), or undefined.
 * The empty word matches nothing (ip: Object "" is unknown).
 */
export function matchObject(word: string): string | undefined {
  let object = matched.get(word);
  if (object === undefined) {
    object = OBJECTS.find((name) => matches(word, name));
    // Only words that name an object: they are prefixes of the table's names, so few.
    if (object !== undefined) matched.set(word, object);
  }
  return object;
}

