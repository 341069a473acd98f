#!/usr/bin/env node
// Writes lib/source_3_10.ts: where Linux 3.10.105 defines every function ipsim's traces name, and
// where it makes the assignments they show, for `--trace=source`. It reads a 3.10.105 tree, either a
// checkout (--tree DIR) or a bare repository (--git-dir DIR, HEAD), and never guesses: a name with
// no definition, or with several and no rule below to choose one, stops it.
//
//   node scripts/source-locations.mjs [--git-dir DIR | --tree DIR] [--check]
//
// --check compares with the committed table instead of writing it (exit 1 when they differ).
// Default: --git-dir /work/.mirror/gq213+linux-3.10.105/repo (github.com/gq213/linux-3.10.105).
//
// Which definition, when the source has several: the one RHEL 7's kernel-3.10.0 x86_64 config
// builds (the config the linux-3.10 profile follows): CONFIG_NET_NS=y, CONFIG_PROC_FS=y,
// CONFIG_TREE_RCU=y without CONFIG_PREEMPT_RCU, CONFIG_DEBUG_LIST=y.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = '3.10.105';
const NS = 'net/core/net_namespace.c';
const OUT = 'lib/source_3_10.ts';
const PROFILES = ['seed', 'linux-3.10', 'linux-3.10-modules'].map((p) => `fixtures/profiles/${p}`);

/**
 * The engine's kernel functions (lib/net_namespace.ts) and where to look. `nth` picks among several
 * definitions in that file, in file order, with the config choice that decides it.
 */
const KERNEL = [
  ...[
    'net_alloc_generic', 'net_assign_generic', 'ops_init', 'ops_free', 'ops_exit_list', 'ops_free_list', 'setup_net',
    'net_alloc', 'net_free', 'net_drop_ns', 'copy_net_ns', 'cleanup_net', '__put_net', 'net_ns_net_init',
    'net_ns_net_exit', 'net_ns_init', 'register_pernet_operations',
    'unregister_pernet_operations', 'register_pernet_subsys', 'unregister_pernet_subsys', 'register_pernet_device',
    'unregister_pernet_device',
  ].map((fn) => ({ fn, file: NS })),
  { fn: '__register_pernet_operations', file: NS, nth: 0, why: 'CONFIG_NET_NS=y (the #else one serves init_net only)' },
  { fn: '__unregister_pernet_operations', file: NS, nth: 0, why: 'CONFIG_NET_NS=y' },
  { fn: 'kzalloc', file: 'include/linux/slab.h' },
  { fn: 'list_add_tail', file: 'include/linux/list.h' },
  { fn: 'list_del', file: 'lib/list_debug.c', why: 'CONFIG_DEBUG_LIST=y (include/linux/list.h has the inline one)' },
  { fn: 'list_add_tail_rcu', file: 'include/linux/rculist.h' },
  { fn: 'list_del_rcu', file: 'include/linux/rculist.h' },
  { fn: 'get_net', file: 'include/net/net_namespace.h', nth: 0, why: 'CONFIG_NET_NS=y' },
  { fn: 'put_net', file: 'include/net/net_namespace.h', nth: 0, why: 'CONFIG_NET_NS=y' },
  { fn: 'ida_get_new_above', file: 'lib/idr.c' },
  { fn: 'ida_remove', file: 'lib/idr.c' },
  { fn: 'proc_alloc_inum', file: 'fs/proc/generic.c', why: 'CONFIG_PROC_FS=y (include/linux/proc_ns.h has the stub)' },
  { fn: 'proc_free_inum', file: 'fs/proc/generic.c', why: 'CONFIG_PROC_FS=y' },
  { fn: 'synchronize_rcu', file: 'include/linux/rcupdate.h', why: 'CONFIG_TREE_RCU=y without CONFIG_PREEMPT_RCU: the inline that calls synchronize_sched()' },
  { fn: 'rcu_barrier', file: 'kernel/rcutree_plugin.h', nth: 1, why: 'CONFIG_TREE_RCU=y without CONFIG_TREE_PREEMPT_RCU: the #else one, which calls rcu_barrier_sched()' },
];

/**
 * Callbacks the ops struct's own file defines more than once (one per config branch), or not at
 * all (then the file that does, so no search through the tree is needed).
 */
const CALLBACKS = {
  psched_net_init: { nth: 0, why: 'CONFIG_PROC_FS=y (the #else one is a stub)' },
  psched_net_exit: { nth: 0, why: 'CONFIG_PROC_FS=y' },
  ip6_flowlabel_proc_init: { nth: 0, why: 'CONFIG_PROC_FS=y' },
  br_net_exit: { file: 'net/bridge/br_if.c', why: 'br_net_ops is in br.c, its exit in br_if.c' },
};

/** Assignments the trace shows, by the function that makes them: `caller variable`. */
const STATEMENTS = [
  { caller: 'register_pernet_device', variable: 'first_device', file: NS },
  { caller: 'unregister_pernet_device', variable: 'first_device', file: NS },
];

/**
 * The nsid functions of modern kernels (`ip netns set/list-id`), which 3.10 does not have. alloc_netid
 * came with peernet2id in Linux 4.0 (checked: in 4.0.5, not in 3.10.105); unhash_nsid was split out
 * of cleanup_net's loop in 4.17, by "net: Move net:netns_ids destruction out of rtnl_lock()"
 * (checked: not in 4.15; the 4.17 is the commit's, not checked against a tree).
 */
const LATER = {
  alloc_netid: `${NS} (Linux 4.0+, not in ${VERSION.slice(0, 4)})`,
  unhash_nsid: `${NS} (Linux 4.17+, not in ${VERSION.slice(0, 4)})`,
};

function args() {
  const argv = process.argv.slice(2);
  const opts = { gitDir: '/work/.mirror/gq213+linux-3.10.105/repo', tree: undefined, check: false };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--git-dir') opts.gitDir = argv[++i];
    else if (argv[i] === '--tree') opts.tree = argv[++i];
    else if (argv[i] === '--check') opts.check = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return opts;
}

const opts = args();
const cache = new Map();

function read(path) {
  if (!cache.has(path)) {
    const text = opts.tree
      ? readFileSync(join(opts.tree, path), 'utf8')
      : execFileSync('git', ['--git-dir', opts.gitDir, 'show', `HEAD:${path}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
    cache.set(path, text.split('\n'));
  }
  return cache.get(path);
}

/** Files of the tree that may define fn (a line starting a declaration that names fn). */
function filesNaming(fn) {
  const pattern = `^[A-Za-z_][A-Za-z0-9_ *]*\\b${fn}\\(|^${fn}\\(`;
  const out = opts.tree
    ? execFileSync('git', ['grep', '--no-index', '-l', '-E', pattern, '--', '*.c', '*.h'], { cwd: opts.tree, encoding: 'utf8' })
    : execFileSync('git', ['--git-dir', opts.gitDir, 'grep', '-l', '-E', pattern, 'HEAD', '--', '*.c', '*.h'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter(Boolean).map((line) => line.replace(/^HEAD:/, ''));
}

/**
 * The 1-based lines where file defines fn: the line naming fn at the start of a declaration
 * (`static int __net_init foo(struct net *net)`, or `foo(...)` under its return type), whose
 * parameter list is followed by a body, not by `;` (a prototype) or anything else (a macro use).
 */
function definitions(file, fn) {
  const lines = read(file);
  const start = new RegExp(`^(?:[A-Za-z_][A-Za-z0-9_ *]*[ *])?${fn.replace(/\$/g, '\\$')}\\(`);
  const found = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!start.test(lines[i])) continue;
    let text = lines.slice(i, i + 12).join('\n');
    text = text.slice(text.indexOf(`${fn}(`) + fn.length);
    let depth = 0;
    let end = -1;
    for (let k = 0; k < text.length; k += 1) {
      if (text[k] === '(') depth += 1;
      else if (text[k] === ')' && --depth === 0) {
        end = k;
        break;
      }
    }
    if (end >= 0 && /^\s*\{/.test(text.slice(end + 1))) found.push(i + 1);
  }
  return found;
}

function locate({ fn, file, nth }) {
  const found = definitions(file, fn);
  if (found.length === 0) throw new Error(`${fn}: no definition in ${file}`);
  if (nth === undefined && found.length > 1) throw new Error(`${fn}: ${found.length} definitions in ${file} (${found.join(', ')}); say which`);
  const line = found[nth ?? 0];
  if (line === undefined) throw new Error(`${fn}: no definition #${nth} in ${file}`);
  return `${file}:${line}`;
}

/** A callback: in the file of its ops struct when the profile names it, else the one file that defines it. */
function locateCallback(fn, opsFile) {
  if (opsFile) {
    const here = definitions(opsFile, fn);
    if (here.length === 1) return `${opsFile}:${here[0]}`;
  }
  process.stderr.write(`${fn}: not in ${opsFile ?? 'a file the profile names'}, looking through the tree\n`);
  const everywhere = filesNaming(fn).flatMap((file) => definitions(file, fn).map((line) => `${file}:${line}`));
  if (everywhere.length !== 1) throw new Error(`callback ${fn}: ${everywhere.length} definitions (${everywhere.join(', ')})`);
  return everywhere[0];
}

function statement({ caller, variable, file }) {
  const [def] = definitions(file, caller);
  if (def === undefined) throw new Error(`${caller}: no definition in ${file}`);
  const lines = read(file);
  const assignment = new RegExp(`^\\s*${variable} = `);
  for (let i = def; i < lines.length && !/^\}/.test(lines[i - 1] ?? ''); i += 1) {
    if (assignment.test(lines[i])) return `${file}:${i + 1}`;
  }
  throw new Error(`${caller}: no "${variable} = " in its body`);
}

/** Every callback of the profiles' ops, with the file the profile line cites for the ops struct. */
function profileCallbacks() {
  const callbacks = new Map();
  for (const profile of PROFILES) {
    for (const line of readFileSync(profile, 'utf8').split('\n')) {
      const m = /^pernet register-(?:subsys|device) \S+(.*?)(?:#\s*([^\s:,]+):\d+.*)?$/.exec(line);
      if (!m) continue;
      for (const [, fn] of m[1].matchAll(/--(?:init|exit|exit-batch) (\S+)/g)) if (!callbacks.has(fn)) callbacks.set(fn, m[2]);
    }
  }
  return callbacks;
}

const functions = {};
const problems = [];
for (const entry of KERNEL) functions[entry.fn] = locate(entry);
for (const [fn, opsFile] of profileCallbacks()) {
  if (fn in functions) continue;
  try {
    functions[fn] = CALLBACKS[fn] ? locate({ fn, file: opsFile, ...CALLBACKS[fn] }) : locateCallback(fn, opsFile);
  } catch (err) {
    problems.push(err.message);
  }
}
if (problems.length > 0) throw new Error(problems.join('\n'));
Object.assign(functions, LATER);
const statements = {};
for (const entry of STATEMENTS) statements[`${entry.caller} ${entry.variable}`] = statement(entry);

const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const text = `// Where Linux ${VERSION} defines each function ipsim's traces name (kernel functions, the
// callbacks of fixtures/profiles/, and the nsid functions of later kernels, which 3.10 lacks), and
// where it makes the assignments they show. Generated by scripts/source-locations.mjs from the
// kernel tree; do not edit. Loaded only for --trace=source.
import type { SourceTable } from './trace.js';

export const SOURCE_3_10: SourceTable = ${JSON.stringify({ version: VERSION, functions: sorted(functions), statements: sorted(statements) }, null, 2).replace(/"([A-Za-z_][A-Za-z0-9_]*)":/g, '$1:')};
`;

if (opts.check) {
  const committed = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  if (committed !== text) {
    process.stderr.write(`${OUT} differs from what the tree gives; run node scripts/source-locations.mjs\n`);
    process.exit(1);
  }
} else {
  writeFileSync(OUT, text);
  process.stdout.write(`${OUT}: ${Object.keys(functions).length} functions, ${Object.keys(statements).length} statements\n`);
}
