// A drawing as boxes of text rows and pointers between them, written out as Graphviz dot or as a
// Mermaid flowchart. The figures (ui/diagrams.ts) build one Graph and both writers read it, so the
// two formats always draw the same thing. Pure: same graph in, same bytes out.

/** One row of a box; `port` lets an edge start at this row (dot only: Mermaid has no ports). */
export interface Row {
  text: string;
  port?: string;
  /** The box's title (bold). */
  title?: boolean;
  /** Not a field of the structure: names, a note (grey). */
  note?: boolean;
}

export interface Box {
  /** Identifier in both languages: letters and digits, starting with an upper-case letter. */
  id: string;
  rows: readonly Row[];
  /** A bare label, the way the figures draw a list head or a named pointer. */
  plain?: boolean;
}

export interface Edge {
  from: string;
  port?: string;
  to: string;
  label?: string;
  /** A pointer to freed memory (a stale net_generic slot). */
  dashed?: boolean;
}

export interface Cluster {
  id: string;
  label: string;
  boxes: readonly Box[];
}

export interface Graph {
  /** The command that drew it, as the first comment line. */
  title: string;
  /** Top to bottom. */
  clusters: readonly Cluster[];
  /** True when no edge joins two clusters: each cluster is a picture of its own. */
  separate: boolean;
  /** Boxes outside any cluster, such as one that boxes in several clusters point at. */
  boxes: readonly Box[];
  edges: readonly Edge[];
}

const FONT = 'Courier';

/** Text in a dot HTML-like label: markup characters and control characters as entities. */
function htmlText(text: string): string {
  return text.replace(/[&<>"\u0000-\u001f\u007f]/gu, (c) => `&#${c.charCodeAt(0)};`);
}

/** Text in a dot double-quoted string. */
function dotString(text: string): string {
  return `"${text.replace(/[\\"]/gu, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/gu, ' ')}"`;
}

function dotBox(box: Box, indent: string): string {
  if (box.plain) {
    return `${indent}${box.id} [shape=plaintext, label=<${box.rows.map((r) => `${htmlText(r.text)}<BR ALIGN="LEFT"/>`).join('')}>];`;
  }
  const rows = box.rows.map((r) => {
    const port = r.port === undefined ? '' : ` PORT="${r.port}"`;
    let text = htmlText(r.text);
    if (r.title) text = `<B>${text}</B>`;
    if (r.note) text = `<FONT COLOR="gray40">${text}</FONT>`;
    return `${indent}  <TR><TD ALIGN="LEFT"${port}>${text}</TD></TR>`;
  });
  return [`${indent}${box.id} [label=<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">`, ...rows, `${indent}</TABLE>>];`].join('\n');
}

/** Graphviz dot: one digraph, left to right, boxes as HTML-like tables with a port per pointer field. */
export function toDot(graph: Graph): string {
  const lines = [
    `// ${graph.title}`,
    'digraph ipsim {',
    `  graph [rankdir=LR, fontname="${FONT}", fontsize=12, nodesep=0.3, ranksep=0.5];`,
    `  node [shape=plaintext, fontname="${FONT}", fontsize=11];`,
    `  edge [fontname="${FONT}", fontsize=10];`,
  ];
  // dot lays out unconnected pieces side by side, the first at the left, which rankdir=LR turns
  // into the first at the bottom: separate clusters are written last first to read top to bottom.
  const clusters = graph.separate ? [...graph.clusters].reverse() : graph.clusters;
  for (const cluster of clusters) {
    lines.push(`  subgraph cluster_${cluster.id} {`, `    label=${dotString(cluster.label)};`, '    labeljust=l;');
    for (const box of cluster.boxes) lines.push(dotBox(box, '    '));
    lines.push('  }');
  }
  for (const box of graph.boxes) lines.push(dotBox(box, '  '));
  for (const edge of graph.edges) {
    const attrs: string[] = [];
    if (edge.label !== undefined) attrs.push(`label=${dotString(edge.label)}`);
    if (edge.dashed) attrs.push('style=dashed');
    const from = edge.port === undefined ? edge.from : `${edge.from}:${edge.port}`;
    lines.push(`  ${from} -> ${edge.to}${attrs.length === 0 ? '' : ` [${attrs.join(', ')}]`};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * Text in a Mermaid label: Mermaid's entity codes (#quot; #35; …) for the characters its parser or
 * the HTML it produces would read as syntax, and for control characters.
 */
function mermaidText(text: string): string {
  return text.replace(/[#"&<>|\u0000-\u001f\u007f]/gu, (c) => `#${c.charCodeAt(0)};`);
}

function mermaidBox(box: Box, indent: string): string {
  const label = box.rows
    .map((r) => {
      const text = mermaidText(r.text);
      if (r.title) return `<b>${text}</b>`;
      if (r.note) return `<i>${text}</i>`;
      return text;
    })
    .join('<br/>');
  // A stadium for a bare label (a list head, a named pointer), a rectangle for a structure.
  return box.plain ? `${indent}${box.id}(["${label}"])` : `${indent}${box.id}["${label}"]`;
}

/** A Mermaid flowchart, left to right; clusters are subgraphs, pointer fields label the edges. */
export function toMermaid(graph: Graph): string {
  const lines = [`%% ${graph.title}`, 'flowchart LR'];
  for (const cluster of graph.clusters) {
    lines.push(`  subgraph ${cluster.id}["${mermaidText(cluster.label)}"]`, '    direction LR');
    for (const box of cluster.boxes) lines.push(mermaidBox(box, '    '));
    lines.push('  end');
  }
  for (const box of graph.boxes) lines.push(mermaidBox(box, '  '));
  for (const edge of graph.edges) {
    const arrow = edge.dashed ? '-.->' : '-->';
    const label = edge.label === undefined ? '' : `|"${mermaidText(edge.label)}"|`;
    lines.push(`  ${edge.from} ${arrow}${label} ${edge.to}`);
  }
  return `${lines.join('\n')}\n`;
}
