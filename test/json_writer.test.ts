import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { jsonDocument, jsonString, type JsonValue } from '../ui/json_writer.js';

// The entry shape ip netns list prints: "id" only when an nsid is assigned.
type ListEntry = { name: string; id?: number };

describe('golden outputs (ip-netns-golden.json)', () => {
  // set_auto_ids: `ip -j netns list` / `ip -j -p netns list` (stdout minus the final '\n',
  // which jsonw_destroy adds).
  const list: ListEntry[] = [
    { name: 'probe_c', id: 1 },
    { name: 'probe_b', id: 0 },
    { name: 'probe_a', id: 2 },
  ];
  const listId = [
    { nsid: 0, name: 'probe_b' },
    { nsid: 1, name: 'probe_c' },
    { nsid: 2, name: 'probe_a' },
  ];

  test('set_auto_ids: list, compact', () => {
    expect(jsonDocument(list, false)).toBe(
      '[{"name":"probe_c","id":1},{"name":"probe_b","id":0},{"name":"probe_a","id":2}]',
    );
  });

  test('set_auto_ids: list-id, compact', () => {
    expect(jsonDocument(listId, false)).toBe(
      '[{"nsid":0,"name":"probe_b"},{"nsid":1,"name":"probe_c"},{"nsid":2,"name":"probe_a"}]',
    );
  });

  test('set_auto_ids: list, pretty', () => {
    expect(jsonDocument(list, true)).toBe(
      '[ {\n        "name": "probe_c",\n        "id": 1\n    },{\n        "name": "probe_b",\n        "id": 0\n    },{\n        "name": "probe_a",\n        "id": 2\n    } ]',
    );
  });

  test('set_auto_ids: list-id, pretty', () => {
    expect(jsonDocument(listId, true)).toBe(
      '[ {\n        "nsid": 0,\n        "name": "probe_b"\n    },{\n        "nsid": 1,\n        "name": "probe_c"\n    },{\n        "nsid": 2,\n        "name": "probe_a"\n    } ]',
    );
  });

  test('empty_state_listing: [] and [ ]', () => {
    expect(jsonDocument([], false)).toBe('[]');
    expect(jsonDocument([], true)).toBe('[ ]');
  });

  test('a key whose value is undefined is not printed', () => {
    const entries: ListEntry[] = [{ name: 'probe_a', id: undefined }, { name: 'probe_b', id: 0 }];
    expect(jsonDocument(entries, false)).toBe('[{"name":"probe_a"},{"name":"probe_b","id":0}]');
    expect(jsonDocument(entries, true)).toBe(
      '[ {\n        "name": "probe_a"\n    },{\n        "name": "probe_b",\n        "id": 0\n    } ]',
    );
  });
});

describe('pretty layout of nesting', () => {
  // The expected strings below were derived by hand-simulating lib/json_writer.c: each
  // jsonw_name does eor (print sep, arm ',') then eol ("\n" + 4 spaces x depth); jsonw_end
  // breaks the line only if sep != NUL; jsonw_start_array prints "[ " and jsonw_end_array
  // prints " ]" only after a non-empty array (it clears sep, so ']' never gets its own line).
  // They were also cross-checked against the C code compiled from the 6.1 source.

  test('object holding scalars, an object, arrays and an empty object', () => {
    const value = { a: 1, b: { c: 'x' }, d: [1, 2], e: [], f: {} };
    expect(jsonDocument(value, true)).toBe(
      [
        '{',
        '    "a": 1,',
        '    "b": {',
        '        "c": "x"',
        '    },',
        // scalars in an array are joined by a bare ',' with no line break
        '    "d": [ 1,2 ],',
        '    "e": [ ],',
        '    "f": {}',
        '}',
      ].join('\n'),
    );
    expect(jsonDocument(value, false)).toBe('{"a":1,"b":{"c":"x"},"d":[1,2],"e":[],"f":{}}');
  });

  test('object holding an array of objects', () => {
    const value: JsonValue = { list: [{ x: 1 }, { y: 2 }] };
    expect(jsonDocument(value, true)).toBe(
      '{\n    "list": [ {\n            "x": 1\n        },{\n            "y": 2\n        } ]\n}',
    );
  });

  test('arrays of arrays', () => {
    expect(jsonDocument([[{ a: 1 }], []], true)).toBe('[ [ {\n            "a": 1\n        } ],[ ] ]');
    expect(jsonDocument([[1, [2]], [[]]], true)).toBe('[ [ 1,[ 2 ] ],[ [ ] ] ]');
    expect(jsonDocument([[{ a: 1 }], []], false)).toBe('[[{"a":1}],[]]');
  });

  test('array of strings, booleans and null', () => {
    expect(jsonDocument(['a', true, false, null], true)).toBe('[ "a",true,false,null ]');
    expect(jsonDocument(['a', true, false, null], false)).toBe('["a",true,false,null]');
  });

  test('object nested three deep, then more keys at each level', () => {
    const value = { o: { p: { q: null }, r: [] }, s: 's' };
    expect(jsonDocument(value, true)).toBe(
      [
        '{',
        '    "o": {',
        '        "p": {',
        '            "q": null',
        '        },',
        '        "r": [ ]',
        '    },',
        '    "s": "s"',
        '}',
      ].join('\n'),
    );
  });

  test('top-level scalars and empty containers', () => {
    for (const pretty of [false, true]) {
      expect(jsonDocument(null, pretty)).toBe('null');
      expect(jsonDocument(true, pretty)).toBe('true');
      expect(jsonDocument(42, pretty)).toBe('42');
      expect(jsonDocument('s', pretty)).toBe('"s"');
      expect(jsonDocument({}, pretty)).toBe('{}');
    }
    expect(jsonDocument({ k: 1 }, true)).toBe('{\n    "k": 1\n}');
  });
});

describe('numbers', () => {
  test('integers print as plain decimal', () => {
    expect(jsonDocument([0, -1, 2147483647, 4294967295, -2147483648], false)).toBe(
      '[0,-1,2147483647,4294967295,-2147483648]',
    );
    expect(jsonDocument(-0, false)).toBe('0');
    // %PRIu64 prints the exact value; String(2 ** 63) would round to ...776000
    expect(jsonDocument(2 ** 63, false)).toBe('9223372036854775808');
    expect(jsonDocument(1e19, false)).toBe('10000000000000000000');
    // beyond 64 bits no integer format applies; jsonw_float's %g is the only one left
    expect(jsonDocument(1e21, false)).toBe('1e+21');
  });

  test('non-integers use jsonw_float %g', () => {
    expect(jsonDocument([8.16, 0.0001, 1e-5, 1234567.5, -2.25, 999999.5], false)).toBe(
      '[8.16,0.0001,1e-05,1.23457e+06,-2.25,1e+06]',
    );
  });
});

describe('string escaping (jsonw_puts)', () => {
  test('each escaped character', () => {
    expect(jsonString('\t')).toBe('"\\t"');
    expect(jsonString('\n')).toBe('"\\n"');
    expect(jsonString('\r')).toBe('"\\r"');
    expect(jsonString('\f')).toBe('"\\f"');
    expect(jsonString('\b')).toBe('"\\b"');
    expect(jsonString('\\')).toBe('"\\\\"');
    expect(jsonString('"')).toBe('"\\""');
  });

  test('everything else is raw: single quote, slash, other controls, DEL, non-ASCII', () => {
    expect(jsonString("'")).toBe(`"'"`);
    expect(jsonString('/')).toBe('"/"');
    expect(jsonString('\x01\x0b\x1b\x1f\x7f')).toBe('"\x01\x0b\x1b\x1f\x7f"');
    expect(jsonString('é€😀\u2028')).toBe('"é€😀\u2028"');
    expect(jsonString('')).toBe('""');
  });

  test('mixed text', () => {
    expect(jsonString('a\tb "c" \\d\ne')).toBe('"a\\tb \\"c\\" \\\\d\\ne"');
  });

  test('a C string ends at NUL', () => {
    expect(jsonString('ab\0cd')).toBe('"ab"');
  });

  test('netns names with spaces, quotes and backslashes', () => {
    const names = ['probe a', 'probe"q', "probe'q", 'probe\\b', ' lead', 'tab\there'];
    expect(jsonDocument(names.map((name) => ({ name })), false)).toBe(
      '[{"name":"probe a"},{"name":"probe\\"q"},{"name":"probe\'q"},{"name":"probe\\\\b"},{"name":" lead"},{"name":"tab\\there"}]',
    );
    expect(jsonDocument([{ name: 'probe "x" \\y' }], true)).toBe(
      '[ {\n        "name": "probe \\"x\\" \\\\y"\n    } ]',
    );
  });

  test('keys are escaped the same way', () => {
    expect(jsonDocument({ 'we"ird\\ key\n': 1 }, false)).toBe('{"we\\"ird\\\\ key\\n":1}');
    expect(jsonDocument({ 'we"ird\\ key\n': 1 }, true)).toBe('{\n    "we\\"ird\\\\ key\\n": 1\n}');
  });
});

describe('properties', () => {
  // Strings without the control characters JSON.stringify would \u-escape, and without lone
  // surrogates, so that JSON.stringify/JSON.parse agree with jsonw_puts.
  const safeString = fc
    .string({ unit: 'grapheme', maxLength: 8 })
    .filter((s) => !/[\0-\x07\x0b\x0e-\x1f]/.test(s));
  const value: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
      safeString,
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(safeString, tie('v'), { maxKeys: 4 }),
    ),
  })).v;

  test('compact output is what JSON.stringify prints', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(jsonDocument(v, false)).toBe(JSON.stringify(v));
      }),
    );
  });

  test('pretty output is valid JSON for the same value', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(JSON.parse(jsonDocument(v, true))).toEqual(v);
      }),
    );
  });
});
