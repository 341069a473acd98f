// The event log behind --trace: one event per kernel call, in call order, with its depth in the
// call tree. Callback invocations and generic-data frees carry a "hook", with the fields the
// README's "--trace" fixes for the tools that check them; an
// assignment the source makes to a global (first_device) is an event with "assign" instead of args.
import { errnoName } from './errno.js';

export type TraceEvent =
  | { depth: number; fn: string; args?: string[]; ret?: number | string }
  | { depth: number; fn: string; assign: string }
  | { depth: number; fn: string; hook: 'init'; ops: string; net: string; ret: number }
  | { depth: number; fn: string; hook: 'exit'; ops: string; net: string }
  | { depth: number; fn: string; hook: 'exit_batch'; ops: string; nets: string[] }
  | { depth: number; fn: 'ops_free'; hook: 'free'; ops: string; net: string };

/** The int a call returned, as the trace shows it: one function for every callInt, none made per call. */
const asReturned = (value: number): number => value;

export class Tracer {
  readonly events: TraceEvent[] = [];
  private depth = 0;

  /** Off, calls cost nothing but the body: scripts that do not ask for a trace pay no log. */
  constructor(
    public enabled = false,
    /** `--trace=source`: the printed trace names where Linux 3.10.105 defines each function. */
    public source = false,
  ) {}

  /**
   * Records fn(args) at the current depth and runs body one level deeper. `ret` turns the body's
   * result into the value the trace shows (an int return, or a pointer described as a string).
   */
  call<T>(fn: string, args: () => string[], body: () => T, ret?: (value: T) => number | string): T {
    if (!this.enabled) return body();
    const event: { depth: number; fn: string; args?: string[]; ret?: number | string } = { depth: this.depth, fn };
    const a = args();
    if (a.length > 0) event.args = a;
    this.events.push(event);
    this.depth += 1;
    try {
      const value = body();
      if (ret) event.ret = ret(value);
      return value;
    } finally {
      this.depth -= 1;
    }
  }

  /** call() of a function returning an int, which the trace shows as it is (0, -ENOMEM, …). */
  callInt(fn: string, args: () => string[], body: () => number): number {
    return this.call(fn, args, body, asReturned);
  }

  /** A leaf call with no children. */
  leaf(fn: string, args: () => string[], ret?: number | string): void {
    if (!this.enabled) return;
    const event: { depth: number; fn: string; args?: string[]; ret?: number | string } = { depth: this.depth, fn };
    const a = args();
    if (a.length > 0) event.args = a;
    if (ret !== undefined) event.ret = ret;
    this.events.push(event);
  }

  /** `variable = value;` as the source writes it, e.g. first_device = &loopback_net_ops.list. */
  assign(variable: string, value: () => string): void {
    if (this.enabled) this.events.push({ depth: this.depth, fn: variable, assign: value() });
  }

  /**
   * An init callback; its body (the callback's effect) is traced one level deeper. Like args, the
   * namespace's name is asked for only when tracing: naming one can build the name index.
   */
  init(fn: string, ops: string, net: () => string, body: () => number): number {
    if (!this.enabled) return body();
    const event = { depth: this.depth, fn, hook: 'init' as const, ops, net: net(), ret: 0 };
    this.events.push(event);
    this.depth += 1;
    try {
      event.ret = body();
      return event.ret;
    } finally {
      this.depth -= 1;
    }
  }

  exit(fn: string, ops: string, net: () => string, body: () => void): void {
    if (this.enabled) this.events.push({ depth: this.depth, fn, hook: 'exit', ops, net: net() });
    this.nested(body);
  }

  exitBatch(fn: string, ops: string, nets: () => string[]): void {
    if (this.enabled) this.events.push({ depth: this.depth, fn, hook: 'exit_batch', ops, nets: nets() });
  }

  free(ops: string, net: () => string): void {
    if (this.enabled) this.events.push({ depth: this.depth, fn: 'ops_free', hook: 'free', ops, net: net() });
  }

  /** Takes the events recorded so far, leaving the log empty for the next command. */
  take(): TraceEvent[] {
    return this.events.splice(0, this.events.length);
  }

  private nested(body: () => void): void {
    this.depth += 1;
    try {
      body();
    } finally {
      this.depth -= 1;
    }
  }
}

/** A return value as the text trace shows it: errnos as -ENOMEM. */
export function formatRet(ret: number | string): string {
  if (typeof ret === 'string') return ret;
  return ret < 0 ? `-${errnoName(-ret)}` : String(ret);
}

/** How a terminal highlights a trace line; plain text elsewhere. */
export interface TraceStyle {
  fn(text: string): string;
  err(text: string): string;
}

const PLAIN: TraceStyle = { fn: (t) => t, err: (t) => t };

/** One line per call, two spaces of indent per depth, ` = ret` where there is one (README, "--trace"). */
export function formatTraceLine(event: TraceEvent, style: TraceStyle = PLAIN): string {
  const indent = '  '.repeat(event.depth);
  const ret = (value: number | string): string => {
    const text = formatRet(value);
    return ` = ${(typeof value === 'number' && value < 0) || text.startsWith('ERR_PTR') ? style.err(text) : text}`;
  };
  if ('assign' in event) return `${indent}${event.fn} = ${event.assign}`;
  if (!('hook' in event)) {
    const call = `${indent}${style.fn(event.fn)}(${(event.args ?? []).join(', ')})`;
    return event.ret === undefined ? call : `${call}${ret(event.ret)}`;
  }
  switch (event.hook) {
    case 'init':
      return `${indent}${style.fn(event.fn)}(${event.net})${ret(event.ret)}`;
    case 'exit':
      return `${indent}${style.fn(event.fn)}(${event.net})`;
    case 'exit_batch':
      return `${indent}${style.fn(event.fn)}([${event.nets.join(', ')}])`;
    case 'free':
      return `${indent}${style.fn('ops_free')}(${event.ops}, ${event.net})`;
  }
}

/**
 * Where Linux 3.10.105 defines what a trace names (lib/source_3_10.ts, generated from the tree by
 * scripts/source-locations.mjs): each function by name, each assignment as "caller variable".
 */
export interface SourceTable {
  version: string;
  functions: Readonly<Record<string, string>>;
  statements: Readonly<Record<string, string>>;
}

/**
 * Each event's location for --trace=source: a function's definition, an assignment's line in the
 * function that makes it (the caller is the last event one level up); undefined for a callback the
 * table does not know (a name given on the command line).
 */
export function sourceOf(events: readonly TraceEvent[], table: SourceTable): (string | undefined)[] {
  const callers: string[] = [];
  return events.map((event) => {
    callers[event.depth] = event.fn;
    if ('assign' in event) return table.statements[`${callers[event.depth - 1]} ${event.fn}`];
    return Object.hasOwn(table.functions, event.fn) ? table.functions[event.fn] : undefined;
  });
}

/** The text trace, one line per event; with a table, each line followed by `  # FILE:LINE`. */
export function formatTrace(events: readonly TraceEvent[], style?: TraceStyle, table?: SourceTable): string {
  const src = table ? sourceOf(events, table) : [];
  return events.map((event, i) => `${formatTraceLine(event, style)}${src[i] === undefined ? '' : `  # ${src[i]}`}\n`).join('');
}

/**
 * The -j document. With a table, every event without "hook" gains "src"; the hook events keep
 * exactly the fields README's "--trace" fixes, so their callbacks' locations follow the trace as
 * "callback_src".
 */
export function traceDocument(events: TraceEvent[], table?: SourceTable): { trace: (TraceEvent & { src?: string })[]; callback_src?: Record<string, string> } {
  if (!table) return { trace: events };
  const src = sourceOf(events, table);
  // Callback names are C identifiers, so `__proto__` is one: no prototype to set by accident.
  const callback_src = Object.create(null) as Record<string, string>;
  const trace = events.map((event, i) => {
    const at = src[i];
    if (at === undefined) return event;
    if (!('hook' in event)) return { ...event, src: at };
    if (!Object.hasOwn(callback_src, event.fn)) callback_src[event.fn] = at;
    return event;
  });
  return { trace, callback_src };
}
