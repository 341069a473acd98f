// No import cycles among the project's own files: static imports, re-exports, dynamic import()s and
// type-only imports all count, since a cycle of any of them makes a reader hold two modules at once.
// The imports are read with TypeScript's own pre-processor (ts.preProcessFile), which sees every
// form without running or bundling anything.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');
const SOURCE_DIRS = ['bin', 'commands', 'lib', 'scripts', 'store', 'test', 'ui'];
const SOURCE = /\.(?:ts|mts|cts|js|mjs|cjs)$/;

/** Every source file of the project, relative to its root: the directories above and the top level's scripts. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (SOURCE.test(entry.name) || dir === 'bin') files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  for (const name of readdirSync(ROOT)) if (SOURCE.test(name) && statSync(join(ROOT, name)).isFile()) files.push(name);
  return files.filter((f) => !f.endsWith('.json')).sort();
}

/** The file a relative specifier names: as written, or the .ts source a `.js` specifier stands for. */
function resolve(from: string, specifier: string): string {
  const base = join(dirname(from), specifier);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(join(ROOT, candidate)) && statSync(join(ROOT, candidate)).isFile()) return candidate;
  }
  throw new Error(`${from}: cannot resolve "${specifier}"`);
}

/** file → the project files it imports, in any form (import, export … from, import(), import type). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    const targets = info.importedFiles.map((f) => f.fileName).filter((spec) => spec.startsWith('./') || spec.startsWith('../'));
    graph.set(file, [...new Set(targets.map((spec) => resolve(file, spec)))].sort());
  }
  return graph;
}

/**
 * The graph's cycles, one per strongly connected component that has one (Tarjan), each written
 * as the path that closes it, starting at its smallest file: ['a', 'b', 'a'].
 */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component);
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => cyclePath(graph, new Set(component))).sort();
}

/** A shortest path from the component's smallest file back to itself, inside the component. */
function cyclePath(graph: ReadonlyMap<string, readonly string[]>, component: ReadonlySet<string>): string[] {
  const start = [...component].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i += 1) {
    const node = queue[i]!;
    for (const next of graph.get(node) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== start && at !== undefined; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  throw new Error(`no cycle through ${start}`);
}

describe('import cycles', () => {
  test('the finder reports each cycle once, as the path that closes it, and nothing for a chain', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', ['e']],
      ['e', ['e']],
      ['f', ['a']],
    ]);
    expect(importCycles(graph)).toEqual([['a', 'b', 'c', 'a'], ['e', 'e']]);
    expect(importCycles(new Map([['x', ['y']], ['y', ['z']], ['z', []]]))).toEqual([]);
  });

  test('the project is read whole: every kind of import, across its directories', () => {
    const graph = importGraph();
    const edges = (file: string): readonly string[] => graph.get(file) ?? [];
    // a dynamic import(), a static one, a type-only one, and a script's
    expect(edges('commands/dispatch.ts')).toContain('commands/boot.ts');
    expect(edges('commands/main.ts')).toContain('commands/dispatch.ts');
    expect(edges('commands/context.ts')).toContain('lib/machine.ts');
    expect(edges('scripts/source-locations.mjs')).toEqual([]);
    expect(graph.size).toBeGreaterThan(80);
  });

  test('no file imports itself through any chain of imports', () => {
    expect(importCycles(importGraph())).toEqual([]);
  });
});
