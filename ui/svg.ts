// SVG drawn in-process by Graphviz compiled to WebAssembly (@viz-js/viz), so `--format svg` needs no
// Graphviz on the machine. Imported only for that format: the module holds the whole Graphviz build
// (over a megabyte) and other commands must not pay for loading it.
import type { Graph } from './graph.js';
import { toDot } from './graph.js';

export async function renderSvg(graph: Graph): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  // renderString throws with Graphviz's messages if the dot is bad: a bug here, never bad input.
  return viz.renderString(toDot(graph), { format: 'svg', engine: 'dot' });
}
