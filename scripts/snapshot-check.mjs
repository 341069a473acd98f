// Compiles the state file's valibot schema (store/snapshot_schema.ts) into store/snapshot_check.ts:
// one plain function per object and array, which says whether a document passes the schema
// without allocating anything, where valibot's safeParse copies the whole document and records a
// dataset per value. Every valibot schema and action the state's schema uses is translated from
// what valibot's own ~run does; any other one stops the build, so the check cannot drift from the
// schema silently. build.mjs runs this before bundling; `node scripts/snapshot-check.mjs --check`
// exits 1 when the committed file is not what the schema makes.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SCHEMA = 'store/snapshot_schema.ts';
const OUT = 'store/snapshot_check.ts';

/** The schema module, bundled in memory and imported (its checks are compared by identity). */
async function loadSchemaModule() {
  const out = await build({
    entryPoints: [`${root}${SCHEMA}`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}

/** The source of the compiled check for the module's documentSchema(). */
export async function generate() {
  const mod = await loadSchemaModule();
  const checks = new Map(Object.entries(mod).filter(([, f]) => typeof f === 'function').map(([name, f]) => [f, name]));
  const usedChecks = new Set();
  const regexes = [];
  const functions = [];
  const named = new Map();

  const literal = (value) => {
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return JSON.stringify(value);
    throw new Error(`snapshot-check: cannot compile the literal ${String(value)}`);
  };

  /** A boolean expression: `x` (a local name) passes `node`. Objects and arrays are functions. */
  function cond(node, x, name) {
    if (node.pipe) {
      const [schema, ...actions] = node.pipe;
      const checks = actions.map((a) => action(a, x));
      // Number.isSafeInteger holds only for a number that is not NaN: the number check is implied.
      if (schema.type === 'number' && !schema.pipe && actions.some((a) => a.type === 'safe_integer')) return checks.join(' && ');
      return [cond(schema, x, name), ...checks].join(' && ');
    }
    switch (node.type) {
      case 'number':
        return `typeof ${x} === 'number' && !Number.isNaN(${x})`;
      case 'string':
        return `typeof ${x} === 'string'`;
      case 'boolean':
        return `typeof ${x} === 'boolean'`;
      // valibot: SameValueZero, which is === for a finite number, a string or a boolean.
      case 'literal':
        return `${x} === ${literal(node.literal)}`;
      case 'picklist':
        return `(${node.options.map((o) => `${x} === ${literal(o)}`).join(' || ')})`;
      case 'nullable':
        if (node.default !== undefined) throw new Error('snapshot-check: a nullable with a default cannot be compiled');
        return `(${x} === null || (${cond(node.wrapped, x, name)}))`;
      case 'array':
      case 'strict_object':
        return `${container(node, name)}(${x})`;
      default:
        throw new Error(`snapshot-check: valibot's ${node.type} schema cannot be compiled`);
    }
  }

  /** valibot's validation actions: each ~run refuses when its requirement does not hold. */
  function action(a, x) {
    if (a.kind !== 'validation') throw new Error(`snapshot-check: a ${a.kind} (${a.type}) cannot be compiled`);
    switch (a.type) {
      case 'safe_integer':
        return `Number.isSafeInteger(${x})`;
      case 'min_value':
        return `${x} >= ${literal(a.requirement)}`;
      case 'max_value':
        return `${x} <= ${literal(a.requirement)}`;
      case 'min_length':
        return `${x}.length >= ${literal(a.requirement)}`;
      case 'regex': {
        if (a.requirement.global || a.requirement.sticky) throw new Error('snapshot-check: a regex with state (g, y) cannot be compiled');
        if (!regexes.includes(String(a.requirement))) regexes.push(String(a.requirement));
        return `RE${regexes.indexOf(String(a.requirement))}.test(${x})`;
      }
      case 'check': {
        const fn = checks.get(a.requirement);
        if (fn === undefined) throw new Error(`snapshot-check: the check "${a.message}" must be a function ${SCHEMA} exports`);
        usedChecks.add(fn);
        return `${fn}(${x})`;
      }
      default:
        throw new Error(`snapshot-check: valibot's ${a.type} action cannot be compiled`);
    }
  }

  /** The function checking an object or array schema, written once per schema object. */
  function container(node, name) {
    if (named.has(node)) return named.get(node);
    const fn = `check_${name}`;
    named.set(node, fn);
    const body = [];
    if (node.type === 'array') {
      body.push(
        `function ${fn}(a: unknown): boolean {`,
        '  if (!Array.isArray(a)) return false;',
        '  for (let i = 0; i < a.length; i++) {',
        '    const e = a[i];',
        `    if (!(${cond(node.item, 'e', `${name}_item`)})) return false;`,
        '  }',
        '  return true;',
        '}',
      );
    } else {
      const keys = Object.keys(node.entries);
      let temp = 0;
      body.push(
        `function ${fn}(o: any): boolean {`,
        "  if (!o || typeof o !== 'object') return false;",
        '  // Strict: a key the schema does not have is refused.',
        `  for (const k in o) if (${keys.map((k) => `k !== ${literal(k)}`).join(' && ')}) return false;`,
      );
      for (const key of keys) {
        const entry = node.entries[key];
        if (['optional', 'exact_optional', 'nullish', 'undefined', 'undefinedable', 'unknown', 'any'].includes(entry.type)) {
          throw new Error(`snapshot-check: ${key} may be missing (${entry.type}), which this check does not compile`);
        }
        // Every entry's schema refuses undefined, so a missing key is refused by its value's check.
        const x = `v${temp++}`;
        // Named by its path below the document, so that two columns called `serial` get two functions.
        const path = name === 'document' ? key : `${name}_${key}`;
        body.push(`  const ${x} = o[${literal(key)}];`, `  if (!(${cond(entry, x, path)})) return false;`);
      }
      body.push('  return true;', '}');
    }
    functions.push(body.join('\n'));
    return fn;
  }

  const top = cond(mod.documentSchema(), 'doc', 'document');
  return [
    `// Generated by scripts/snapshot-check.mjs from ${SCHEMA}; do not edit (npm run build rewrites it).`,
    "// Whether a document passes the schema, as valibot's safeParse would decide, without allocating.",
    '/* eslint-disable */',
    `import { ${[...usedChecks].sort().join(', ')} } from './snapshot_format.js';`,
    '',
    ...regexes.map((re, i) => `const RE${i} = ${re};`),
    '',
    ...functions.map((f) => `${f}\n`),
    '/** True when valibot would accept the document (store/snapshot_schema.ts). */',
    'export function isStateDocument(doc: unknown): boolean {',
    `  return ${top};`,
    '}',
    '',
  ].join('\n');
}

/** Writes store/snapshot_check.ts when the schema makes another one; true when it changed. */
export async function update() {
  const file = `${root}${OUT}`;
  const source = await generate();
  let old = '';
  try {
    old = readFileSync(file, 'utf8');
  } catch {
    // Not there yet.
  }
  if (old === source) return false;
  writeFileSync(file, source);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const fresh = (await generate()) === readFileSync(`${root}${OUT}`, 'utf8');
    if (!fresh) console.error(`${OUT} is not what ${SCHEMA} makes: run "npm run build"`);
    process.exit(fresh ? 0 : 1);
  }
  if (await update()) console.log(`wrote ${OUT}`);
}
