// Properties of the state file and of the command line, checked on random inputs (fast-check, fixed
// seed): a corrupted or hand-edited state is refused in one line (exit 1, file kept) or loaded and
// run — never exit 70, a stack trace, a kernel BUG or a hang — and what a command writes always
// loads again; random argv never exits 70 or prints a stack trace, and a read-only command never
// changes the state file. Knobs: IPSIM_PROP_SEED, IPSIM_PROP_RUNS (scales every case count).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../lib/machine.js';
import * as v from 'valibot';
import { decodeSnapshot, encodeSnapshot, inconsistency, kernelDocument, SnapshotError } from '../store/snapshot.js';
import { isStateDocument } from '../store/snapshot_check.js';
import { documentSchema } from '../store/snapshot_schema.js';
import { cleanEnv, IPSIM, tempDir } from './helpers/cli.js';

const SEED = Number(process.env.IPSIM_PROP_SEED ?? 20261205);
const SCALE = Number(process.env.IPSIM_PROP_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** Case counts (reported in the README's Guarantees): in-process decodes, then CLI runs. */
const COUNTS = {
  decodeBytes: runs(1500),
  decodeEdits: runs(1000),
  compiledCheck: runs(3000),
  utf8: runs(3000),
  cliCorrupt: runs(30),
  cliArgv: runs(35),
  cliReadOnly: runs(25),
};
/** A command that takes longer than this has hung: the slowest legitimate one here takes < 2 s. */
const HANG_MS = 15000;

let t: ReturnType<typeof tempDir>;
/** A state with names, nsids, generic data, stale slots, a device and stored faults. */
let base: Buffer;

interface Result {
  stdout: string;
  stderr: string;
  exit: number | null;
  signal: NodeJS.Signals | null;
}

function cli(args: readonly string[], stdin = ''): Result {
  const r = spawnSync(process.execPath, [IPSIM, ...args], {
    input: stdin,
    cwd: t.dir,
    env: cleanEnv({ IPSIM_STATE: join(t.dir, 'state.json') }),
    encoding: 'utf8',
    timeout: HANG_MS,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, exit: r.status, signal: r.signal };
}

/** The state directory holds only this state file, nothing else. */
function reset(content: Buffer): string {
  for (const entry of readdirSync(t.dir)) rmSync(join(t.dir, entry), { recursive: true, force: true });
  const path = join(t.dir, 'state.json');
  writeFileSync(path, content);
  return path;
}

/** What no input may produce: a crash, a stack trace, a kernel BUG, a hang. */
function expectNoCrash(r: Result, what: string): void {
  const context = `${what}\n${r.stderr}`;
  expect([context, r.signal]).toEqual([context, null]);
  expect([context, r.exit === 70]).toEqual([context, false]);
  expect([context, /^\s+at |internal error|kernel BUG|Kernel panic|FATAL ERROR/m.test(r.stderr)]).toEqual([context, false]);
}

/** A state file left behind loads again: a command never writes what the loader refuses. */
async function expectLoadable(path: string, what: string): Promise<void> {
  if (!existsSync(path)) return;
  const bytes = readFileSync(path);
  let problem = '';
  try {
    await decodeSnapshot(bytes);
  } catch (err) {
    problem = (err as Error).message;
  }
  expect([what, problem]).toEqual([what, '']);
}

beforeAll(async () => {
  t = tempDir();
  const script = [
    'netns add blue',
    'netns add red',
    'netns add "a b"',
    'netns set blue 3',
    'netns set red auto',
    'pernet register-subsys g_ops --id --size 8 --init g_init --exit g_exit',
    'pernet register-device d_ops --id --size 16 --init d_init --exit d_exit --exit-batch d_batch',
    // Fails on red: stale slots of bad_ops stay behind in init_net and blue.
    'pernet register-subsys bad_ops --id --size 4 --init bad_init --fail-init red',
    'pernet register-subsys f_ops --init f_init --fail-init green:EPERM --fail-init net:[4026531999]',
    'pernet fail d_ops --alloc violet',
    'netns delete "a b"',
    'netns add green2',
  ].join('\n');
  const r = cli(['-force', '-batch', '-'], `${script}\n`);
  expect(r.stderr).toBe('Error: register_pernet_subsys(bad_ops): -ENOMEM (Cannot allocate memory)\nCommand failed -:8\n');
  base = readFileSync(join(t.dir, 'state.json'));
  await expect(decodeSnapshot(base)).resolves.toBeDefined();
});
afterAll(() => t.cleanup());

// ---------------------------------------------------------------- corruptions

type Edit =
  | { kind: 'set'; at: number; value: unknown }
  | { kind: 'nudge'; at: number; by: number }
  | { kind: 'delete'; at: number }
  | { kind: 'duplicate'; at: number }
  | { kind: 'swap'; at: number };

const interesting = fc.constantFrom<unknown>(
  0, 1, -1, 2, 13, 14, 0.5, 1e300, -0, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 4026531840, 4026531841, 0xf0010000,
  65536, 65537, 524285, 524286, 4194303, 4194304, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1,
  null, true, false, [], {}, '', 'blue', 'red', 'init_net', '*', 'net:[4026531841]', 'g_ops', 'd_ops', 'net_ns_ops',
  'loopback_net_ops', 'net_ns_net_init', 'loopback_net_init', 'data', 'stale', 'subsys', 'device', 'lo', '\ud800', 'a/b', '.', 'x'.repeat(256),
);
const value = fc.oneof({ weight: 4, arbitrary: interesting }, { weight: 2, arbitrary: fc.integer({ min: -3, max: 20 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value }),
  fc.record({ kind: fc.constant('nudge' as const), at: fc.nat(), by: fc.constantFrom(1, -1, 2, -2, 13, 2 ** 32, -(2 ** 31)) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
);

type Path = (string | number)[];

/** Every path in the document, containers included, in a stable order. */
function paths(node: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(node)) node.forEach((child, i) => paths(child, [...prefix, i], out));
  else if (node !== null && typeof node === 'object') for (const [key, child] of Object.entries(node)) paths(child, [...prefix, key], out);
  return out;
}

/** Applies a semantic edit (numbers changed, references broken, entries duplicated or removed). */
function applyEdit(doc: unknown, e: Edit): void {
  const all = paths(doc);
  const path = all[e.at % all.length]!;
  let parent = doc as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const key = path[path.length - 1]!;
  switch (e.kind) {
    case 'set':
      parent[key] = structuredClone(e.value);
      return;
    case 'nudge':
      if (typeof parent[key] === 'number') parent[key] = (parent[key] as number) + e.by;
      return;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      return;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]));
      return;
    case 'swap':
      if (Array.isArray(parent) && parent.length > 1) {
        const other = ((key as number) + 1) % parent.length;
        [parent[key as number], parent[other]] = [parent[other], parent[key as number]];
      }
  }
}

const semantic = fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
  const doc = JSON.parse(base.toString('utf8'));
  for (const e of edits) applyEdit(doc, e);
  return Buffer.from(JSON.stringify(doc));
});

const bytes = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => {
    const b = Buffer.from(base);
    for (const [at, mask] of flips) b[at % b.length] = b[at % b.length]! ^ mask;
    return b;
  }),
  fc.nat().map((at) => base.subarray(0, at % base.length)),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, insert]) => {
    const cut = at % base.length;
    return Buffer.concat([base.subarray(0, cut), insert, base.subarray(cut)]);
  }),
);

/** A loaded state must be one every command can run on: consistent, and stable through a write. */
async function decodedOrRefused(b: Buffer): Promise<'loaded' | 'refused'> {
  let state;
  try {
    state = await decodeSnapshot(b);
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    expect((err as Error).message).not.toContain('\n');
    return 'refused';
  }
  expect(inconsistency(kernelDocument(state))).toBeUndefined();
  expect(() => new Machine(state)).not.toThrow();
  expect(await decodeSnapshot(Buffer.from(encodeSnapshot(state)))).toEqual(state);
  return 'loaded';
}

/** Runs the in-process property and counts its outcomes, so that a test can show it tests something. */
async function tally(arbitrary: fc.Arbitrary<Buffer>, numRuns: number): Promise<Record<'loaded' | 'refused', number>> {
  const seen = { loaded: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(arbitrary, async (b) => {
      seen[await decodedOrRefused(b)] += 1;
    }),
    { seed: SEED, numRuns },
  );
  return seen;
}

describe('a corrupted state is refused in one line or loaded', () => {
  test(`byte flips, truncations and insertions, decoded in-process (${COUNTS.decodeBytes} cases)`, async () => {
    // Compact JSON: nearly every damaged byte breaks it; the few that load hit a string.
    expect((await tally(bytes, COUNTS.decodeBytes)).refused).toBeGreaterThan(COUNTS.decodeBytes / 2);
  });

  test(`semantic edits, decoded in-process (${COUNTS.decodeEdits} cases)`, async () => {
    const seen = await tally(semantic, COUNTS.decodeEdits);
    expect(seen.loaded).toBeGreaterThan(COUNTS.decodeEdits / 10);
    expect(seen.refused).toBeGreaterThan(COUNTS.decodeEdits / 10);
  });

  const commands: readonly (readonly string[])[] = [
    ['netns', 'list'],
    ['-j', 'netns', 'list-id'],
    ['show', 'gen'],
    ['-j', 'show', 'net'],
    ['show', 'ids'],
    ['show', 'lists'],
    ['pernet', 'list'],
    ['--trace', 'netns', 'add', 'x'],
    ['--trace', 'netns', 'delete', 'blue'],
    ['-all', 'netns', 'delete'],
    ['netns', 'set', 'green2', 'auto'],
    ['--trace', 'pernet', 'register-device', 'y_ops', '--id', '--size', '4', '--init', 'y_init', '--exit', 'y_exit'],
    ['--trace', 'pernet', 'unregister-subsys', 'g_ops'],
    ['--trace', 'pernet', 'unregister-device', 'd_ops'],
    ['pernet', 'fail', 'g_ops', '--clear', '--init', '*'],
  ];

  test(`a command on a corrupted state never crashes or hangs, and leaves a loadable state or the file as it was (${COUNTS.cliCorrupt} cases)`, async () => {
    let ran = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: bytes }, { weight: 3, arbitrary: semantic }), fc.constantFrom(...commands), async (content, args) => {
        const path = reset(content);
        const r = cli(args);
        const what = `ipsim ${args.join(' ')} on ${content.toString('utf8')}`;
        expectNoCrash(r, what);
        if (r.stderr.startsWith('Error: cannot use state file')) {
          expect([what, r.exit, r.stderr.split('\n').length]).toEqual([what, 1, 2]);
          expect(readFileSync(path).equals(content)).toBe(true);
        } else {
          ran += 1;
          await expectLoadable(path, what);
        }
      }),
      { seed: SEED, numRuns: COUNTS.cliCorrupt },
    );
    // Some of the edited states must load and run, or only the refusal was tested.
    expect(ran).toBeGreaterThan(COUNTS.cliCorrupt / 10);
  });
});

// ---------------------------------------------------------------- the compiled check

/** A key added to one object of the document: valibot's strictObject refuses every key it lacks. */
const extraKey = fc.record({
  at: fc.nat(),
  key: fc.constantFrom('__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf', 'extra', '0', '', 'name', 'serial', 'kernel'),
  value,
});

/** Semantic edits, and maybe a key added, as the text of a file. */
const editedText = fc.tuple(fc.array(edit, { maxLength: 3 }), fc.option(extraKey, { nil: undefined })).map(([edits, extra]) => {
  const doc = JSON.parse(base.toString('utf8'));
  for (const e of edits) applyEdit(doc, e);
  if (extra) {
    const objects = [doc, ...paths(doc).map((p) => p.reduce((o, k) => o[k], doc))].filter((o) => o !== null && typeof o === 'object' && !Array.isArray(o));
    // An own property, as JSON.parse makes one (an assignment to __proto__ would set the prototype).
    Object.defineProperty(objects[extra.at % objects.length], extra.key, { value: extra.value, enumerable: true, writable: true, configurable: true });
  }
  return JSON.stringify(doc);
});

describe('the check compiled from the schema decides as valibot does', () => {
  test(`on edited states with keys added (${COUNTS.compiledCheck} cases)`, () => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(editedText, (text) => {
        const doc: unknown = JSON.parse(text);
        const parsed = v.safeParse(documentSchema(), doc);
        expect([text, isStateDocument(doc)]).toEqual([text, parsed.success]);
        // What the loader keeps is the document itself: valibot's output of it, key for key.
        if (parsed.success) expect(JSON.stringify(parsed.output)).toBe(text);
        seen[parsed.success ? 'accepted' : 'refused'] += 1;
      }),
      { seed: SEED, numRuns: COUNTS.compiledCheck },
    );
    expect(seen.accepted).toBeGreaterThan(COUNTS.compiledCheck / 20);
    expect(seen.refused).toBeGreaterThan(COUNTS.compiledCheck / 2);
  });

  test('on the values of every type at every place of the document', () => {
    const doc = JSON.parse(base.toString('utf8'));
    const samples: unknown[] = [0, 1, -1, 0.5, -0, 1e300, Number.MAX_SAFE_INTEGER + 1, 2 ** 31, null, true, '', 'x', 'lo', [], [{}], {}];
    let refused = 0;
    for (const path of paths(doc)) {
      for (const sample of samples) {
        const edited = JSON.parse(base.toString('utf8'));
        const parent = path.slice(0, -1).reduce((o, k) => o[k], edited);
        parent[path[path.length - 1]!] = structuredClone(sample);
        const success = v.safeParse(documentSchema(), edited).success;
        expect([path, sample, isStateDocument(edited)]).toEqual([path, sample, success]);
        if (!success) refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(paths(doc).length);
  });
});

/** What the loader did before: a fatal TextDecoder that keeps a BOM. */
const reference = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const WAY_OUT = ' (keep a copy, then run "ipsim reset")';

test(`the state's text is decoded as a fatal TextDecoder decodes it, or refused as it refuses it (${COUNTS.utf8} cases)`, async () => {
  const seen = { decoded: 0, refused: 0 };
  const utf8 = fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
    fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([s, at, byte]) => {
      const b = new Uint8Array(Buffer.from(`\ufeff${s}`, 'utf8'));
      b[at % b.length] = byte;
      return b;
    }),
  );
  await fc.assert(
    fc.asyncProperty(utf8, async (inner) => {
      // The bytes as the kernel, a string: the schema's refusal quotes it, JSON.parse's the text it stops at.
      const bytes = Buffer.concat([Buffer.from('{"format":"ipsim-state","version":1,"kernel":"'), inner, Buffer.from('"}')]);
      let text: string | undefined;
      try {
        text = reference.decode(bytes);
      } catch {
        text = undefined;
      }
      let message = '';
      try {
        await decodeSnapshot(bytes);
      } catch (err) {
        message = (err as Error).message;
      }
      if (text === undefined) {
        expect(message).toBe(`not valid UTF-8${WAY_OUT}`);
        seen.refused += 1;
      } else {
        let reason: string;
        try {
          reason = `kernel: Invalid type: Expected Object but received "${JSON.parse(text).kernel}"`;
        } catch (err) {
          reason = `not JSON (${(err as Error).message})`;
        }
        expect(message).toBe(new SnapshotError(reason).message);
        seen.decoded += 1;
      }
    }),
    { seed: SEED, numRuns: COUNTS.utf8 },
  );
  expect(seen.decoded).toBeGreaterThan(COUNTS.utf8 / 10);
  expect(seen.refused).toBeGreaterThan(COUNTS.utf8 / 10);
});

// ---------------------------------------------------------------- random argv

/** ip's and ipsim's words, so that random lines reach deep into the parsers. */
const WORDS = [
  'netns', 'pernet', 'show', 'boot', 'reset', 'n', 'ne', 'net', 'pe', 'sh', 'link', 'help', 'list', 'ls', 'add', 'a', 'delete', 'del',
  'set', 'identify', 'pids', 'attach', 'list-id', 'register-subsys', 'register-device', 'unregister-subsys', 'unregister-device',
  'fail', 'gen', 'lists', 'ids', '--id', '--size', '--init', '--exit', '--exit-batch', '--fail-init', '--fail-alloc', '--alloc',
  '--clear', '--profile', 'seed', 'bare', 'auto', 'target-nsid', 'nsid', 'blue', 'red', 'green2', 'init_net', '*', 'net:[4026531841]',
  'g_ops', 'd_ops', 'x_ops', 'x_init', '0', '-1', '5', '4096', '2147483648', '1', 'blue:EPERM', 'blue:05', '-j', '-p', '-n', '-all',
  '-force', '-batch', '-b', '-', '--trace', '--color', '--color=always', '-c', '-4', '-d', '--json', '-rcvbuf', '--help', '--version',
];
const GLOBALS = ['-j', '-p', '-json', '-pretty', '-force', '-all', '--trace', '--color=never', '-c', '-d', '-4', '-s'];

/** Never CMD: a random `netns exec` would run a random program; `monitor` runs until killed. */
const neverRun = (word: string) => word.length > 0 && ('exec'.startsWith(word) || 'monitor'.startsWith(word));
/** argv cannot carry NUL; exec and monitor words become harmless ones. */
const clean = (w: string) => {
  const x = w.replaceAll('\0', '');
  return neverRun(x) ? 'list' : x;
};
const word = fc
  .oneof({ weight: 5, arbitrary: fc.constantFrom(...WORDS) }, { weight: 2, arbitrary: fc.string({ maxLength: 6 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) })
  .map(clean);
const argv = fc.array(word, { maxLength: 7 });
const junk = fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 5 })).map(clean), { maxLength: 3 });
const name = fc.oneof(fc.constantFrom('blue', 'red', 'green2', 'init_net', '*', 'net:[4026531840]', 'nope'), fc.string({ maxLength: 5 }).map(clean));
/** Commands that change nothing: netns list/list-id/identify/pids/help, show, pernet list/help. */
const readOnly = fc
  .tuple(
    fc.subarray(GLOBALS, { maxLength: 3 }),
    fc.oneof(
      fc.constant(['netns']),
      fc.tuple(fc.constantFrom('list', 'ls', 'show', 'l', 'list-id', 'identify', 'pids', 'help'), name).map(([cmd, n]) => ['netns', cmd, n]),
      fc.tuple(fc.constantFrom('target-nsid', 'nsid'), fc.constantFrom('0', '3', '-1', 'x', '2147483648')).map(([k, v]) => ['netns', 'list-id', k, v]),
      fc.tuple(fc.constantFrom('gen', 'net', 'lists', 'ids', 'help', 'g', 'n'), name).map(([cmd, n]) => ['show', cmd, n]),
      fc.constantFrom(['pernet'], ['pernet', 'list'], ['pernet', 'help'], ['show'], ['help']),
    ),
    junk,
  )
  .map(([globals, command, rest]) => [...globals, ...command, ...rest]);

describe('random argv', () => {
  test(`never exits 70, prints a stack trace or hangs, and leaves a loadable state (${COUNTS.cliArgv} cases)`, async () => {
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const path = reset(base);
        const r = cli(args);
        const what = `ipsim ${JSON.stringify(args)}`;
        expectNoCrash(r, what);
        await expectLoadable(path, what);
      }),
      { seed: SEED, numRuns: COUNTS.cliArgv },
    );
  });

  test(`a read-only command never changes the state file or leaves a file beside it (${COUNTS.cliReadOnly} cases)`, () => {
    fc.assert(
      fc.property(readOnly, (args) => {
        const path = reset(base);
        const r = cli(args);
        const what = `ipsim ${JSON.stringify(args)}`;
        expectNoCrash(r, what);
        expect([what, readFileSync(path).equals(base)]).toEqual([what, true]);
        expect([what, readdirSync(t.dir)]).toEqual([what, ['state.json']]);
      }),
      { seed: SEED, numRuns: COUNTS.cliReadOnly },
    );
  });
});
