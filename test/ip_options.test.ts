import { describe, expect, test } from '@jest/globals';
import { matchObject, parseGlobalOptions, type GlobalOptions, type ParseResult } from '../commands/ip_options.js';

// "observed" below means: run as root against /usr/sbin/ip, "ip utility, iproute2-6.1.0,
// libbpf 1.1.2" (Debian 12), read-only commands, no namespace created. Where ip would go on to
// run the object, the observed exit is 0 and here that is `ok: true`.

const DEFAULTS: GlobalOptions = {
  json: 0, pretty: 0, force: 0, all: false, netns: [], trace: false, help: false, version: false,
};

function parse(...argv: string[]): ParseResult {
  return parseGlobalOptions(argv);
}

/** Parses and expects success; returns options and rest. */
function ok(...argv: string[]): { options: GlobalOptions; rest: string[] } {
  const r = parse(...argv);
  if (!r.ok) throw new Error(`expected ok for ${JSON.stringify(argv)}, got ${JSON.stringify(r)}`);
  return { options: r.options, rest: r.rest };
}

/** Parses and expects a plain error line (not usage). */
function error(...argv: string[]): { message: string; exit: number; usage: boolean | undefined; options: GlobalOptions } {
  const r = parse(...argv);
  if (r.ok) throw new Error(`expected an error for ${JSON.stringify(argv)}, got ${JSON.stringify(r)}`);
  return { message: r.message, exit: r.exit, usage: r.usage, options: r.options };
}

/** The usage() outcome: top-level usage on stderr, exit 255, no message of its own. */
const USAGE = { message: '', exit: 255, usage: true };

describe('parseGlobalOptions: ip 6.1 option loop', () => {
  test('no options: everything is rest, defaults untouched', () => {
    expect(parse('netns', 'list')).toEqual({ ok: true, options: DEFAULTS, rest: ['netns', 'list'] });
    // `ip` alone prints usage (exit 255, observed); the loop itself just yields no OBJECT.
    expect(parse()).toEqual({ ok: true, options: DEFAULTS, rest: [] });
  });

  test('unknown option → Option "-x" is unknown, exit 255', () => {
    // observed: ip -zzz netns list → 2> Option "-zzz" is unknown, try "ip -help". [exit 255]
    expect(error('-zzz', 'netns', 'list')).toEqual({
      message: 'Option "-zzz" is unknown, try "ip -help".', exit: 255, usage: undefined, options: DEFAULTS,
    });
    // observed: ip -x → Option "-x" is unknown ...; ip -alll, ip -human-readablex likewise
    expect(error('-x').message).toBe('Option "-x" is unknown, try "ip -help".');
    expect(error('-alll', 'netns').message).toBe('Option "-alll" is unknown, try "ip -help".');
    expect(error('-human-readablex').message).toBe('Option "-human-readablex" is unknown, try "ip -help".');
    // observed: ip -version → Option "-version" is unknown (-Version is case-sensitive)
    expect(error('-version').message).toBe('Option "-version" is unknown, try "ip -help".');
    // observed: ip -state netns list → Option "-state" is unknown
    expect(error('-state', 'netns', 'list').message).toBe('Option "-state" is unknown, try "ip -help".');
  });

  test('matches() chain order: first match wins', () => {
    // -f is -family (it takes "inet"), -fo is -force (observed: ip -fo -b /dev/null → exit 0)
    expect(ok('-f', 'inet', 'netns')).toEqual({ options: DEFAULTS, rest: ['netns'] });
    expect(ok('-fo', '-b', '/dev/null')).toEqual({ options: { ...DEFAULTS, force: 1, batch: '/dev/null' }, rest: [] });
    // -h is -human, not help (observed: ip -h netns list → exit 0)
    expect(ok('-h', 'netns', 'list')).toEqual({ options: DEFAULTS, rest: ['netns', 'list'] });
    expect(ok('-j', 'netns').options.json).toBe(1);
    expect(ok('-p', 'netns').options.pretty).toBe(1);
    expect(ok('-a', 'netns').options.all).toBe(true);
    expect(ok('-al', 'netns').options.all).toBe(true);
    expect(ok('-n', 'red', 'netns').options.netns).toEqual(['red']);
    expect(ok('-ne', 'red', 'netns').options.netns).toEqual(['red']);
    expect(ok('-b', 'cmds', 'netns').options.batch).toBe('cmds');
    // observed: ip -ba /dev/null → exit 0; -br is -brief and takes no argument
    expect(ok('-ba', '/dev/null').options.batch).toBe('/dev/null');
    expect(ok('-br', 'netns', 'list')).toEqual({ options: DEFAULTS, rest: ['netns', 'list'] });
    expect(ok('-c', 'netns').options.color).toBe('always');
    // -r is -resolve (no argument), -rc is -rcvbuf (observed: ip -r netns list, ip -re ..., ip -rc 5 ... → exit 0)
    expect(ok('-r', 'netns', 'list').rest).toEqual(['netns', 'list']);
    expect(ok('-re', 'netns', 'list').rest).toEqual(['netns', 'list']);
    expect(ok('-rc', '5', 'netns', 'list')).toEqual({ options: DEFAULTS, rest: ['netns', 'list'] });
    // -N is -Numeric, -n is -netns (case-sensitive)
    expect(ok('-N', 'netns', 'list')).toEqual({ options: DEFAULTS, rest: ['netns', 'list'] });
    // observed: ip -s -d -r -o -t -ts -br -iec -h -N -a netns list → exit 0
    expect(ok('-s', '-d', '-r', '-o', '-t', '-ts', '-br', '-iec', '-h', '-N', '-a', 'netns', 'list')).toEqual({
      options: { ...DEFAULTS, all: true }, rest: ['netns', 'list'],
    });
    // observed: ip -stati -human-readable -hu netns list, ip -on, ip -stat, ip -i, ip -t,
    // ip -human-, ip -Numeric, ip -rcvbuf 1 → exit 0
    expect(ok('-stati', '-human-readable', '-hu', '-on', '-stat', '-i', '-human-', '-Numeric', '-rcvbuf', '1', 'netns').rest)
      .toEqual(['netns']);
  });

  test('a leading "--" is accepted once', () => {
    // observed: ip --json netns list → exit 0; ip --color netns list → exit 0 (ipsim: own --color)
    expect(ok('--json', 'netns', 'list')).toEqual({ options: { ...DEFAULTS, json: 1 }, rest: ['netns', 'list'] });
    expect(ok('--all', '--force', '--pretty', 'netns')).toEqual({
      options: { ...DEFAULTS, all: true, force: 1, pretty: 1 }, rest: ['netns'],
    });
    // observed: ip ---x → Option "--x" is unknown; ip --- → Option "--" is unknown
    expect(error('---x').message).toBe('Option "--x" is unknown, try "ip -help".');
    expect(error('---').message).toBe('Option "--" is unknown, try "ip -help".');
  });

  test('a bare "--" ends the options and is consumed', () => {
    // observed: ip -- netns → exit 0 (list); ip -- → usage, exit 255 (no OBJECT)
    expect(ok('--', 'netns')).toEqual({ options: DEFAULTS, rest: ['netns'] });
    expect(ok('--')).toEqual({ options: DEFAULTS, rest: [] });
    // observed: ip -- -j netns → Object "-j" is unknown, try "ip help". [exit 1]
    expect(ok('--', '-j', 'netns')).toEqual({ options: DEFAULTS, rest: ['-j', 'netns'] });
    // observed: ip -j -- netns list → exit 0
    expect(ok('-j', '--', 'netns', 'list')).toEqual({ options: { ...DEFAULTS, json: 1 }, rest: ['netns', 'list'] });
  });

  test('a word not starting with "-" ends the options', () => {
    // ip netns list ignores -j, as iproute2 6.1 does
    expect(ok('netns', 'list', '-j')).toEqual({ options: DEFAULTS, rest: ['netns', 'list', '-j'] });
    expect(ok('-j', 'netns', '-p')).toEqual({ options: { ...DEFAULTS, json: 1 }, rest: ['netns', '-p'] });
    // observed: ip '' → Object "" is unknown, try "ip help". [exit 1]: '' is the OBJECT
    expect(ok('', 'netns')).toEqual({ options: DEFAULTS, rest: ['', 'netns'] });
    // nothing after OBJECT is an option, ipsim's own included (README, Global options)
    expect(ok('netns', 'exec', 'a', 'cmd', '--trace')).toEqual({
      options: DEFAULTS, rest: ['netns', 'exec', 'a', 'cmd', '--trace'],
    });
  });

  test('argument-taking options with no argument → usage(), exit 255', () => {
    // observed: ip -l, ip -loops, ip -f, ip -family, ip -b, ip -batch, ip -rc → top-level usage, exit 255
    for (const opt of ['-l', '-loops', '-f', '-family', '-b', '-batch', '-rc', '-rcvbuf', '--batch']) {
      expect(error(opt)).toEqual({ ...USAGE, options: DEFAULTS });
    }
    // observed: ip - → usage: "-" is a prefix of "-loops"; ip - 5 netns list → exit 0
    expect(error('-')).toEqual({ ...USAGE, options: DEFAULTS });
    expect(ok('-', '5', 'netns', 'list')).toEqual({ options: DEFAULTS, rest: ['netns', 'list'] });
    // the argument is taken whatever it looks like
    expect(ok('-b', '-j', 'netns')).toEqual({ options: { ...DEFAULTS, batch: '-j' }, rest: ['netns'] });
  });

  test('-loops takes anything (atoi)', () => {
    // observed: ip -l 5 netns list, ip -l x netns list, ip -l -5 netns list → exit 0
    expect(ok('-l', '5', 'netns', 'list').rest).toEqual(['netns', 'list']);
    expect(ok('-l', 'x', 'netns', 'list').rest).toEqual(['netns', 'list']);
    expect(ok('-l', '-5', 'netns', 'list')).toEqual({ options: DEFAULTS, rest: ['netns', 'list'] });
  });

  test('-n with no NAME: NEXT_ARG does not catch it, ip opens "(null)"', () => {
    // observed: ip -n → 2> Cannot open network namespace "(null)": No such file or directory [exit 255]
    // observed: ip -netns → the same
    expect(ok('-n')).toEqual({ options: { ...DEFAULTS, netns: ['(null)'] }, rest: [] });
    expect(ok('-netns')).toEqual({ options: { ...DEFAULTS, netns: ['(null)'] }, rest: [] });
  });

  test('-n takes the next word whatever it is, every -n is kept in order', () => {
    // observed: ip -n -j netns list → Cannot open network namespace "-j": ... [exit 255]
    expect(ok('-n', '-j', 'netns', 'list')).toEqual({ options: { ...DEFAULTS, netns: ['-j'] }, rest: ['netns', 'list'] });
    // observed: ip -n '' netns list → Cannot open network namespace "": ... (the caller's check)
    expect(ok('-n', '', 'netns').options.netns).toEqual(['']);
    expect(ok('-n', 'a', '-j', '--netns', 'b', '-netns', 'c', 'netns').options).toEqual({
      ...DEFAULTS, json: 1, netns: ['a', 'b', 'c'],
    });
  });

  test('-n names seen before an error are reported, so the caller checks them first', () => {
    // observed: ip -n probe_missing -zzz → Cannot open network namespace "probe_missing": ... [exit 255]
    const e = error('-n', 'probe_missing', '-zzz');
    expect(e.message).toBe('Option "-zzz" is unknown, try "ip -help".');
    expect(e.options.netns).toEqual(['probe_missing']);
    // observed: ip -n probe_missing -b → the netns error, not usage
    expect(error('-n', 'probe_missing', '-b')).toEqual({ ...USAGE, options: { ...DEFAULTS, netns: ['probe_missing'] } });
    // observed: ip -n probe_missing -rc x → netns error; ip -rc x -n probe_missing → Invalid rcvbuf size 'x'
    expect(error('-n', 'probe_missing', '-rc', 'x').options.netns).toEqual(['probe_missing']);
    expect(error('-rc', 'x', '-n', 'probe_missing').options.netns).toEqual([]);
  });

  test('-family: valid families, help, invalid → invarg message', () => {
    // observed: ip -f inet|inet6|link|mpls|bridge netns list → exit 0
    for (const f of ['inet', 'inet6', 'link', 'mpls', 'bridge']) {
      expect(ok('-f', f, 'netns', 'list')).toEqual({ options: DEFAULTS, rest: ['netns', 'list'] });
    }
    // observed: ip -family foo netns → 2> Error: argument "foo" is wrong: invalid protocol family [exit 255]
    expect(error('-family', 'foo', 'netns')).toEqual({
      message: 'Error: argument "foo" is wrong: invalid protocol family', exit: 255, usage: undefined, options: DEFAULTS,
    });
    // observed: ip -f netns list → the family is "netns"
    expect(error('-f', 'netns', 'list').message).toBe('Error: argument "netns" is wrong: invalid protocol family');
    // observed: 6.1 dropped ipx and dnet; ip -f '' is invalid too
    expect(error('-f', 'ipx', 'netns').message).toBe('Error: argument "ipx" is wrong: invalid protocol family');
    expect(error('-f', 'dnet', 'netns').message).toBe('Error: argument "dnet" is wrong: invalid protocol family');
    expect(error('-f', '').message).toBe('Error: argument "" is wrong: invalid protocol family');
    // observed: ip -f inet -f foo netns → the error for foo
    expect(error('-f', 'inet', '-f', 'foo', 'netns').message).toBe('Error: argument "foo" is wrong: invalid protocol family');
    // observed: ip -f help, ip -f help netns → usage, exit 255
    expect(error('-f', 'help')).toEqual({ ...USAGE, options: DEFAULTS });
    expect(error('-f', 'help', 'netns')).toEqual({ ...USAGE, options: DEFAULTS });
  });

  test('-Version sets version and stops, like ip exit(0)ing there', () => {
    // observed: ip -V, ip -Version, ip -Ver → 1> ip utility, iproute2-6.1.0, libbpf 1.1.2 [exit 0]
    expect(parse('-V')).toEqual({ ok: true, options: { ...DEFAULTS, version: true }, rest: [] });
    expect(ok('-Version').options.version).toBe(true);
    expect(ok('-Ver').options.version).toBe(true);
    expect(ok('--Version').options.version).toBe(true);
    // observed: ip -V -zzz → the version, exit 0: later words are never looked at
    expect(ok('-V', '-zzz')).toEqual({ options: { ...DEFAULTS, version: true }, rest: ['-zzz'] });
    // observed: ip -V -n probe_missing → the version; ip -n probe_missing -V → the netns error
    expect(ok('-V', '-n', 'probe_missing').options.netns).toEqual([]);
    expect(ok('-n', 'probe_missing', '-V').options).toEqual({ ...DEFAULTS, version: true, netns: ['probe_missing'] });
  });

  test('-color / -c: matches_color()', () => {
    // observed: ip -c, -c=, -color=always|auto|never, -co=never, -colo=auto netns list → exit 0
    expect(ok('-c', 'netns').options.color).toBe('always');
    expect(ok('-c=', 'netns').options.color).toBe('always');
    expect(ok('-color', 'netns').options.color).toBe('always');
    expect(ok('-color=always', 'netns').options.color).toBe('always');
    expect(ok('-color=auto', 'netns').options.color).toBe('auto');
    expect(ok('-color=never', 'netns').options.color).toBe('never');
    expect(ok('-co=never', 'netns').options.color).toBe('never');
    expect(ok('-colo=auto', 'netns').options.color).toBe('auto');
    // observed: ip -=always netns list and ip --=always netns list → exit 0 ("-" is a prefix of "-color")
    expect(ok('-=always', 'netns').options.color).toBe('always');
    expect(ok('--=always', 'netns').options.color).toBe('always');
    // the last one wins
    expect(ok('-c', '-color=never', 'netns').options.color).toBe('never');
    // observed: ip -c=foo → 2> Option "-c=foo" is unknown, try "ip -help". [exit 255]
    expect(error('-c=foo', 'netns', 'list')).toEqual({
      message: 'Option "-c=foo" is unknown, try "ip -help".', exit: 255, usage: undefined, options: DEFAULTS,
    });
    // observed: ip -colour, -color=Never, -c=AUTO, -c=never=x → unknown
    expect(error('-colour', 'netns').message).toBe('Option "-colour" is unknown, try "ip -help".');
    expect(error('-color=Never', 'netns').message).toBe('Option "-color=Never" is unknown, try "ip -help".');
    expect(error('-c=AUTO', 'netns').message).toBe('Option "-c=AUTO" is unknown, try "ip -help".');
    expect(error('-c=never=x', 'netns').message).toBe('Option "-c=never=x" is unknown, try "ip -help".');
  });

  test('-help → usage, exit 255', () => {
    // observed: ip -help, ip -he, ip -hel → top-level usage on stderr [exit 255]
    expect(error('-help')).toEqual({ ...USAGE, options: DEFAULTS });
    expect(error('-he')).toEqual({ ...USAGE, options: DEFAULTS });
    expect(error('-hel', 'netns')).toEqual({ ...USAGE, options: DEFAULTS });
    // --he is not ipsim's exact --help: it reaches ip's -help
    expect(error('--he')).toEqual({ ...USAGE, options: DEFAULTS });
  });

  test('-rcvbuf: get_unsigned() validation', () => {
    // observed accepted (exit 0): 5, 0x10, 4294967295, ' 5', '\t7', -0, +5, 017, 0X1f, -18446744073709551615
    for (const size of ['5', '0x10', '4294967295', ' 5', '\t7', '-0', '+5', '017', '0X1f', '-18446744073709551615', '0']) {
      expect(ok('-rc', size, 'netns', 'list')).toEqual({ options: DEFAULTS, rest: ['netns', 'list'] });
    }
    // observed rejected: 2> Invalid rcvbuf size 'x' [exit 255], and likewise for each of these
    for (const size of ['x', '-1', '08', '4294967296', '', ' ', '5x', '0x', '7 ', '99999999999999999999999',
      '-99999999999999999999999', '-4294967295', '-18446744073709551616']) {
      expect(error('-rc', size, 'netns', 'list')).toEqual({
        message: `Invalid rcvbuf size '${size}'`, exit: 255, usage: undefined, options: DEFAULTS,
      });
    }
  });

  test('exact-match options: -4 -6 -0 -M -B -echo; -I and -D are gone in 6.1', () => {
    // observed: ip -4|-6|-0|-M|-B|-echo netns list → exit 0
    for (const opt of ['-4', '-6', '-0', '-M', '-B', '-echo', '--echo']) {
      expect(ok(opt, 'netns', 'list')).toEqual({ options: DEFAULTS, rest: ['netns', 'list'] });
    }
    // observed: ip -I, -D, -46, -e, -ech netns list → Option "..." is unknown [exit 255]
    for (const opt of ['-I', '-D', '-46', '-e', '-ech']) {
      expect(error(opt, 'netns', 'list').message).toBe(`Option "${opt}" is unknown, try "ip -help".`);
    }
  });

  test('-jp is not -j -p', () => {
    // observed: ip -jp netns list → 2> Option "-jp" is unknown, try "ip -help". [exit 255]
    expect(error('-jp', 'netns', 'list').message).toBe('Option "-jp" is unknown, try "ip -help".');
    // observed: ip -j -p netns list → exit 0
    expect(ok('-j', '-p', 'netns', 'list').options).toEqual({ ...DEFAULTS, json: 1, pretty: 1 });
  });

  test('counters count, -batch keeps the last file', () => {
    expect(ok('-j', '-json', '-fo', '-force', '-p', 'netns').options).toEqual({
      ...DEFAULTS, json: 2, force: 2, pretty: 1,
    });
    expect(ok('-b', 'one', '-batch', 'two').options.batch).toBe('two');
    expect(ok('-b', '-').options.batch).toBe('-');
    // observed: ip -b /dev/null -zzz → Option "-zzz" is unknown (the whole loop runs before the batch)
    expect(error('-b', '/dev/null', '-zzz').message).toBe('Option "-zzz" is unknown, try "ip -help".');
  });
});

describe('parseGlobalOptions: ipsim long options, exact and first', () => {
  test('--state FILE and --state=FILE', () => {
    expect(ok('--state', '/tmp/s.json', 'netns')).toEqual({ options: { ...DEFAULTS, state: '/tmp/s.json' }, rest: ['netns'] });
    expect(ok('--state=/tmp/s.json', 'netns')).toEqual({ options: { ...DEFAULTS, state: '/tmp/s.json' }, rest: ['netns'] });
    expect(ok('--state', '-j', 'netns').options).toEqual({ ...DEFAULTS, state: '-j' });
    expect(ok('--state=a', '--state', 'b').options.state).toBe('b');
  });

  test('--state without FILE → error, exit 255', () => {
    const expected = { message: 'Error: --state needs a FILE', exit: 255, usage: undefined, options: DEFAULTS };
    expect(error('--state')).toEqual(expected);
    expect(error('--state=', 'netns')).toEqual(expected);
    expect(error('--state', '')).toEqual(expected);
  });

  test('--trace', () => {
    expect(ok('--trace', '-j', 'netns')).toEqual({ options: { ...DEFAULTS, trace: true, json: 1 }, rest: ['netns'] });
  });

  test('--trace=source: the trace with where 3.10 defines each function', () => {
    expect(ok('--trace=source', 'netns')).toEqual({ options: { ...DEFAULTS, trace: true, traceSource: true }, rest: ['netns'] });
    expect(ok('-j', '--trace=source', 'show')).toEqual({ options: { ...DEFAULTS, trace: true, traceSource: true, json: 1 }, rest: ['show'] });
    // matched exactly: any other value is not ipsim's (below), and after OBJECT it is no option
    expect(error('--trace=sourc', 'netns').message).toBe('Option "-trace=sourc" is unknown, try "ip -help".');
    expect(ok('--', '--trace=source', 'netns')).toEqual({ options: DEFAULTS, rest: ['--trace=source', 'netns'] });
  });

  test('--color and --color=WHEN', () => {
    expect(ok('--color', 'show').options.color).toBe('always');
    expect(ok('--color=auto', 'show').options.color).toBe('auto');
    expect(ok('--color=always', 'show').options.color).toBe('always');
    expect(ok('--color=never', 'show').options.color).toBe('never');
    expect(ok('--color=never', '-c', 'show').options.color).toBe('always');
    expect(error('--color=bogus', 'show')).toEqual({
      message: 'Error: --color takes auto, always or never, not "bogus"', exit: 255, usage: undefined, options: DEFAULTS,
    });
    expect(error('--color=', 'show').message).toBe('Error: --color takes auto, always or never, not ""');
  });

  test('--help and --version set their flag and stop the loop', () => {
    expect(parse('--help')).toEqual({ ok: true, options: { ...DEFAULTS, help: true }, rest: [] });
    expect(parse('-j', '--help', '-zzz')).toEqual({ ok: true, options: { ...DEFAULTS, json: 1, help: true }, rest: ['-zzz'] });
    expect(parse('--version')).toEqual({ ok: true, options: { ...DEFAULTS, version: true }, rest: [] });
    expect(parse('-n', 'a', '--version', 'netns')).toEqual({
      ok: true, options: { ...DEFAULTS, netns: ['a'], version: true }, rest: ['netns'],
    });
  });

  test('not matched by prefix: near misses fall through to ip\'s table', () => {
    // observed: ip --stat netns list, ip --colo=never netns list, ip --echo, ip --Version → accepted;
    // ip --tra, --trace=x, --helpx, --versions → Option "-tra" (etc.) is unknown [exit 255]
    // --stat is ip's -stat (= -stats): accepted, no state file
    expect(ok('--stat', 'netns')).toEqual({ options: DEFAULTS, rest: ['netns'] });
    // --colo=never is ip's -colo=never
    expect(ok('--colo=never', 'netns').options.color).toBe('never');
    // (real ip has no --trace either: ip --trace netns list → Option "-trace" is unknown)
    expect(error('--tra', 'netns').message).toBe('Option "-tra" is unknown, try "ip -help".');
    expect(error('--trace=x', 'netns').message).toBe('Option "-trace=x" is unknown, try "ip -help".');
    expect(error('--helpx').message).toBe('Option "-helpx" is unknown, try "ip -help".');
    expect(error('--versions').message).toBe('Option "-versions" is unknown, try "ip -help".');
  });

  test('after "--" they are not options', () => {
    expect(ok('--', '--trace', 'netns')).toEqual({ options: DEFAULTS, rest: ['--trace', 'netns'] });
  });
});

describe('parseGlobalOptions: purity', () => {
  test('does not touch its input and returns fresh objects', () => {
    const argv = Object.freeze(['-n', 'a', '-j', 'netns', 'list']);
    const a = parseGlobalOptions(argv);
    const b = parseGlobalOptions(argv);
    expect(argv).toEqual(['-n', 'a', '-j', 'netns', 'list']);
    expect(a).toEqual(b);
    expect(a.options).not.toBe(b.options);
    expect(a.options.netns).not.toBe(b.options.netns);
  });
});

describe('matchObject', () => {
  test('netns before netconf; n and ne are neighbor', () => {
    // observed: ip net, ip netn, ip netns → netns list; ip n, ip ne → the neighbour table;
    // ip netc → netconf (§1.1 of ip-netns.md)
    expect(matchObject('net')).toBe('netns');
    expect(matchObject('netn')).toBe('netns');
    expect(matchObject('netns')).toBe('netns');
    expect(matchObject('n')).toBe('neighbor');
    expect(matchObject('ne')).toBe('neighbor');
    expect(matchObject('neighbou')).toBe('neighbour');
    expect(matchObject('netc')).toBe('netconf');
  });

  test('ip table order (observed with `ip WORD help`)', () => {
    const cases: [string, string][] = [
      ['a', 'address'], ['addrl', 'addrlabel'], ['m', 'maddress'], ['mac', 'macsec'], ['mo', 'monitor'],
      ['mr', 'mroute'], ['mru', 'mrule'], ['r', 'route'], ['ru', 'rule'], ['nt', 'ntable'], ['ntb', 'ntbl'],
      ['l', 'link'], ['l2', 'l2tp'], ['f', 'fou'], ['i', 'ila'], ['io', 'ioam'], ['t', 'tunnel'],
      ['tun', 'tunnel'], ['tunt', 'tuntap'], ['ta', 'tap'], ['to', 'token'], ['tc', 'tcpmetrics'],
      ['tcp_', 'tcp_metrics'], ['x', 'xfrm'], ['v', 'vrf'], ['s', 'sr'], ['st', 'stats'], ['nex', 'nexthop'],
      ['mp', 'mptcp'], ['h', 'help'],
    ];
    for (const [word, name] of cases) expect([word, matchObject(word)]).toEqual([word, name]);
  });

  test('ipsim objects come after ip\'s', () => {
    expect(matchObject('p')).toBe('pernet');
    expect(matchObject('pe')).toBe('pernet');
    expect(matchObject('pernet')).toBe('pernet');
    expect(matchObject('sh')).toBe('show');
    expect(matchObject('show')).toBe('show');
    expect(matchObject('she')).toBe('shell');
    expect(matchObject('shell')).toBe('shell');
    expect(matchObject('b')).toBe('boot');
    expect(matchObject('boot')).toBe('boot');
    expect(matchObject('re')).toBe('reset');
    expect(matchObject('reset')).toBe('reset');
    expect(matchObject('r')).toBe('route');
  });

  test('the empty word and unknown words match nothing', () => {
    // matches(): `if (!*prefix) return 1;` — observed: ip '' → Object "" is unknown, try "ip help". [exit 1]
    expect(matchObject('')).toBeUndefined();
    // observed: ip foo → Object "foo" is unknown, try "ip help". [exit 1]
    expect(matchObject('foo')).toBeUndefined();
    expect(matchObject('netnsx')).toBeUndefined();
    expect(matchObject('NETNS')).toBeUndefined();
    expect(matchObject('x y')).toBeUndefined();
  });
});
