// Help for ipsim's own objects and commands (`--help`: stdout, exit 0, what it does, its options,
// an example), ip's own help paths byte for byte, and the "did you mean" of a mistyped word.
import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { IP_USAGE } from '../commands/usage.js';
import { didYouMean, suggestion } from '../commands/help.js';
import { ipsim, stateFixture } from './helpers/cli.js';

const fx = stateFixture();
const run = (args: readonly string[], stdin?: string) => ipsim(args, { state: fx.state, ...(stdin === undefined ? {} : { stdin }) });

const COMMANDS = [
  ['pernet', 'register-subsys', ['--id', '--size <bytes>', '--init <fn>', '--exit <fn>', '--exit-batch <fn>', '--fail-init <net>', '--fail-alloc <net>']],
  ['pernet', 'register-device', ['--id', '--size <bytes>', '--fail-alloc <net>']],
  ['pernet', 'unregister-subsys', ['--trace']],
  ['pernet', 'unregister-device', ['--trace']],
  ['pernet', 'fail', ['--init <net>', '--alloc <net>', '--clear']],
  ['pernet', 'list', ['--trace']],
  ['show', 'gen', ['--format <format>', '--all']],
  ['show', 'net', ['--format <format>']],
  ['show', 'lists', ['--format <format>']],
  ['show', 'ids', ['--trace']],
  ['boot', undefined, ['--profile <name>']],
  ['reset', undefined, ['--force']],
] as const;

describe('--help after an ipsim command', () => {
  test.each(COMMANDS.map(([object, command, options]) => [[object, command ?? ''].join(' ').trim(), object, command, options] as const))(
    'ipsim %s --help: usage, what it does, its options and an example on stdout, exit 0, no state touched',
    (_title, object, command, options) => {
    const path = command === undefined ? [object] : [object, command];
    const r = run([...path, '--help']);
    expect(r).toMatchObject({ exit: 0, stderr: '' });
    expect(r.stdout.split('\n')[0]).toBe(`Usage: ipsim ${path.join(' ')} [options]${object === 'pernet' && !['list'].includes(command!) ? ' [name]' : object === 'show' && ['gen', 'net'].includes(command!) ? ' [net]' : ''}`);
    expect(r.stdout).toContain('\nOptions:\n');
    for (const option of [...options, '--trace', '--help']) expect(r.stdout).toMatch(new RegExp(`^  ${option.replace(/[<>]/g, '.')}\\s`, 'm'));
    expect(r.stdout).toMatch(/\nExample:\n {2}ipsim .+\n$/);
    expect(existsSync(fx.state)).toBe(false);
    },
  );

  test.each(['pernet', 'show'])('ipsim %s --help lists the commands with what each does and says where the options are', (object) => {
    const r = run([object, '--help']);
    expect(r).toMatchObject({ exit: 0, stderr: '' });
    expect(r.stdout.split('\n')[0]).toBe(`Usage: ipsim ${object} COMMAND [OPTIONS]`);
    const commands = object === 'pernet' ? ['register-subsys', 'register-device', 'unregister-subsys', 'unregister-device', 'fail', 'list'] : ['gen', 'net', 'lists', 'ids'];
    for (const command of commands) expect(r.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
    expect(r.stdout).toContain(`"ipsim ${object} COMMAND --help" shows a command's options.`);
    expect(r.stdout).toMatch(/\nExample:\n {2}ipsim .+\n$/);
  });

  test('--help in a batch prints the help and the batch goes on', () => {
    const r = run(['-batch', '-'], 'pernet list --help\nnetns add blue\nnetns list\n');
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ipsim pernet list \[options\]\n[\s\S]*\nblue\n$/);
    expect(r.stderr).toBe('');
  });

  test('ipsim --help names every object, shell and completion included, and says where to look', () => {
    const r = run(['--help']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain('where  OBJECT := { netns | pernet | show | boot | reset | shell |\n                   completion }\n');
    expect(r.stdout).toContain('"ipsim OBJECT --help" and "ipsim OBJECT COMMAND --help"');
    expect(r.stdout).toContain('"ipsim netns help" prints\nip\'s own usage');
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});

describe("ip's own help paths stay ip's, byte for byte", () => {
  test('bare ipsim: ip usage on stderr, exit 255', () => {
    expect(run([])).toMatchObject({ stdout: '', stderr: IP_USAGE, exit: 255 });
  });

  test('ipsim help: ip usage on stderr, exit 255', () => {
    expect(run(['help'])).toMatchObject({ stdout: '', stderr: IP_USAGE, exit: 255 });
  });

  test('ipsim netns help: ip netns usage, exit 255; an unknown object: ip\'s line, exit 1', () => {
    const r = run(['netns', 'help']);
    expect(r.exit).toBe(255);
    expect(r.stderr.startsWith('Usage:\tip netns list\n')).toBe(true);
    expect(run(['frobnicate'])).toMatchObject({ stderr: 'Object "frobnicate" is unknown, try "ip help".\n', exit: 1 });
  });
});

describe('did you mean', () => {
  test('a mistyped pernet command: the unknown-command line, then the suggestion on the same line, exit 255', () => {
    expect(run(['pernet', 'regster-subsys', 'x_ops'])).toMatchObject({
      stdout: '',
      stderr: 'Command "regster-subsys" is unknown, try "ipsim pernet help". Did you mean "register-subsys"?\n',
      exit: 255,
    });
  });

  test('a mistyped show command', () => {
    expect(run(['show', 'lsts'])).toMatchObject({ stderr: 'Command "lsts" is unknown, try "ipsim show help". Did you mean "lists"?\n', exit: 255 });
  });

  test('a word near nothing gets no suggestion: the line is as before', () => {
    expect(run(['pernet', 'frobnicate'])).toMatchObject({ stderr: 'Command "frobnicate" is unknown, try "ipsim pernet help".\n', exit: 255 });
  });

  test('a mistyped option of an ipsim command: one line with the suggestion, exit 255', () => {
    expect(run(['show', 'lists', '--frmat', 'dot'])).toMatchObject({ stderr: 'Error: unknown option \'--frmat\'. Did you mean "--format"?\n', exit: 255 });
    expect(run(['pernet', 'register-subsys', 'x_ops', '--exit-bach', 'f'])).toMatchObject({
      stderr: 'Error: unknown option \'--exit-bach\'. Did you mean "--exit-batch"?\n',
      exit: 255,
    });
  });

  test('two equally near words are both offered', async () => {
    expect(await suggestion('unregister-dev', ['unregister-device', 'unregister-subsys'])).toBe('Did you mean "unregister-device"?');
    expect(await suggestion('gan', ['gen', 'net', 'lists', 'ids'])).toBe('Did you mean "gen"?');
    expect(await suggestion('nat', ['gen', 'net', 'nit'])).toBe('Did you mean one of "net", "nit"?');
    expect(didYouMean("error: unknown option '--x'")).toBe('');
  });
});
