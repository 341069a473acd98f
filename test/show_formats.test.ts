// `show lists|net|gen --format dot|mermaid|svg` (the bytes are in fixtures/golden/formats.txt),
// text figures measured in display columns, and `show ids` telling reserved numbers apart.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import stringWidth from 'fast-string-width';
import { listsMeasure, renderLists, type OpsBox } from '../ui/figures.js';
import { toDot, toMermaid, type Graph } from '../ui/graph.js';
import { distFilesLoaded, ipsim, tempDir } from './helpers/cli.js';

const NAMESPACES = ['init_net', '名前', 'a<b&"c'];
const OPS = ['net_ns_ops', 'netdev_net_ops', 'loopback_net_ops', 'default_device_ops', 'vlan_net_ops'];

let t: ReturnType<typeof tempDir>;
const run = (...args: string[]) => ipsim(args, { state: t.state });

beforeAll(() => {
  t = tempDir();
  for (const line of [['boot'], ['netns', 'add', '名前'], ['netns', 'add', 'a<b&"c'], ['pernet', 'register-device', 'vlan_net_ops', '--id', '--size', '32', '--init', 'vlan_init']]) {
    expect(run(...line).exit).toBe(0);
  }
});
afterAll(() => t.cleanup());

const hasDot = spawnSync('dot', ['-V']).status === 0;

describe('dot output', () => {
  const skipped = hasDot ? '' : ' (skipped: Graphviz `dot` is not installed)';
  test.each(['lists', 'net', 'gen', 'gen --all'])(`show %s --format dot is accepted by dot -Tsvg${skipped}`, (args) => {
    if (!hasDot) return;
    const shown = run('show', ...args.split(' '), '--format', 'dot');
    expect(shown.exit).toBe(0);
    const dot = spawnSync('dot', ['-Tsvg'], { input: shown.stdout, encoding: 'utf8' });
    expect(dot.stderr).toBe('');
    expect(dot.status).toBe(0);
    expect(XMLValidator.validate(dot.stdout)).toBe(true);
  });
});

/** Every piece of character data in an XML document, entities decoded. */
function texts(xml: string): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') out.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(new XMLParser({ ignoreAttributes: true, htmlEntities: true, parseTagValue: false }).parse(xml));
  return out;
}

describe('svg output, drawn by Graphviz compiled to WebAssembly', () => {
  test.each([
    ['lists', [...NAMESPACES, ...OPS]],
    ['net', [...NAMESPACES.map((n) => `names: ${n === 'init_net' ? '(none)' : n}`), 'ptr[0] vlan_net_ops', 'init_user_ns']],
    ['gen', [...NAMESPACES, 'ptr[0] vlan_net_ops', 'vlan_net_ops data', 'net_generic_ids 1:vlan_net_ops']],
  ])('show %s --format svg is well-formed SVG naming every namespace and ops', (sub, names) => {
    const shown = run('show', sub, '--format', 'svg');
    expect(shown.stderr).toBe('');
    expect(shown.exit).toBe(0);
    expect(XMLValidator.validate(shown.stdout)).toBe(true);
    expect(shown.stdout).toMatch(/^<\?xml [^\n]*\n<!DOCTYPE svg [\s\S]*<\/svg>\n$/u);
    const found = texts(shown.stdout);
    for (const name of names) expect(found).toContain(name);
  });

  test('is the same bytes from run to run', () => {
    expect(run('show', 'net', '--format', 'svg').stdout).toBe(run('show', 'net', '--format', 'svg').stdout);
  });

  test('Graphviz is a file of its own, loaded by --format svg only: not in the bundle every start reads (fast-string-width, apart too, measures the label 名前; plain options need no commander)', () => {
    // The show bundle leaves the diagrams out: --format dot, mermaid or svg runs in the whole CLI.
    for (const [file, loads] of [
      ['ipsim.cjs', 1],
      ['ipsim.show.cjs', undefined],
    ] as const) {
      const bundle = readFileSync(join('dist', file), 'latin1');
      expect([file, bundle.includes('graphvizVersion')]).toEqual([file, false]);
      expect([file, bundle.match(/__ipsimLoad\("viz"\)/gu)?.length]).toEqual([file, loads]);
    }
    expect(readFileSync(join('dist', 'viz.cjs'), 'latin1').includes('graphvizVersion')).toBe(true);
    expect(distFilesLoaded(['show', 'lists'], t.state)).toEqual(['fast-string-width.cjs']);
    expect(distFilesLoaded(['show', 'net', '--format', 'dot'], t.state)).toEqual([]);
    expect(distFilesLoaded(['show', 'lists', '--format', 'svg'], t.state)).toEqual(['viz.cjs']);
  });
});

describe('text figures measure display columns', () => {
  const ops: OpsBox[] = [{ name: 'net_ns_ops', id: null, size: 0, init: 'net_ns_net_init', exit: 'net_ns_net_exit', exit_batch: null }];

  test('a namespace named in CJK or emoji keeps the boxes and labels aligned', async () => {
    const nets = ['名前', '🦊fox', 'blue'];
    const lines = renderLists(nets, ops, null, await listsMeasure(nets, ops)).split('\n');
    expect(lines.slice(1, 5)).toEqual([
      '   +-------------+       +-------------+       +-------------+',
      '   |net          | ----->|net          | ----->|net          |',
      '   +-------------+       +-------------+       +-------------+',
      '   名前                  🦊fox                 blue',
    ]);
    // Each label starts in the display column where its box starts.
    const boxStarts = [...lines[1]!.matchAll(/\+-/gu)].map((m) => m.index);
    const labelStarts = ['名前', '🦊fox', 'blue'].map((label) => stringWidth(lines[4]!.slice(0, lines[4]!.indexOf(label))));
    expect(labelStarts).toEqual(boxStarts);
  });

  test('lists of printable ASCII are measured by length, without loading fast-string-width; one wide label measures them all by display columns', async () => {
    // '名前' is 2 UTF-16 units and 4 columns: which of the two a measure answers tells which it is.
    expect((await listsMeasure(['init_net', 'blue'], ops))('名前')).toBe(2);
    expect((await listsMeasure(['init_net', '名前'], ops))('名前')).toBe(4);
    expect((await listsMeasure(['init_net'], [{ ...ops[0]!, exit_batch: 'ex🦊' }]))('名前')).toBe(4);
  });
});

describe('graph writers escape names', () => {
  const graph: Graph = {
    title: 'test',
    clusters: [{ id: 'C', label: 'x"y', boxes: [{ id: 'A', rows: [{ text: 'a"b#c<d>|e&f', title: true }] }] }],
    separate: false,
    boxes: [{ id: 'B', plain: true, rows: [{ text: 'new\nline' }] }],
    edges: [{ from: 'A', to: 'B', label: 'p|q', dashed: true }],
  };

  test('Mermaid: entity codes for quote, hash, angle brackets, bar, ampersand and control characters', () => {
    expect(toMermaid(graph)).toBe(
      [
        '%% test',
        'flowchart LR',
        '  subgraph C["x#34;y"]',
        '    direction LR',
        '    A["<b>a#34;b#35;c#60;d#62;#124;e#38;f</b>"]',
        '  end',
        '  B(["new#10;line"])',
        '  A -.->|"p#124;q"| B',
        '',
      ].join('\n'),
    );
  });

  test('dot: character entities in HTML-like labels, backslash escapes in strings', () => {
    const dot = toDot(graph);
    expect(dot).toContain('    label="x\\"y";\n');
    expect(dot).toContain('<TR><TD ALIGN="LEFT"><B>a&#34;b#c&#60;d&#62;|e&#38;f</B></TD></TR>');
    expect(dot).toContain('  B [shape=plaintext, label=<new&#10;line<BR ALIGN="LEFT"/>>];\n');
    expect(dot).toContain('  A -> B [label="p|q", style=dashed];\n');
  });
});

describe('show ids', () => {
  test('tells the numbers proc reserve took apart from the namespaces\' own, in text and JSON', () => {
    const ids = tempDir();
    try {
      const profile = join(ids.dir, 'profile');
      writeFileSync(profile, 'proc reserve 3\nnet_ns_init\n');
      const at = (...args: string[]) => ipsim(args, { state: ids.state });
      expect(at('boot', '--profile', profile).exit).toBe(0);
      expect(at('netns', 'add', 'blue').exit).toBe(0);
      expect(at('show', 'ids').stdout).toBe(
        [
          'net_generic_ids  (none)',
          'max_gen_ptrs     13',
          'proc_inums       4026531840..4026531844 (5)',
          '  reserved       4026531840..4026531842 (3)',
          '  namespaces     4026531843 4026531844',
          '',
        ].join('\n'),
      );
      expect(at('-j', 'show', 'ids').stdout).toBe(
        '{"net_generic_ids":[],"max_gen_ptrs":13,"proc_inums":[4026531840,4026531841,4026531842,4026531843,4026531844],"proc_reserved":[4026531840,4026531841,4026531842]}\n',
      );
    } finally {
      ids.cleanup();
    }
  });
});
