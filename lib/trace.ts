// The event log behind --trace: one event per kernel call, in call order, with its depth in the
// call tree. Callback invocations and generic-data frees carry a "hook" (contract §6).
import { errnoName } from './errno.js';

export type TraceEvent =
  | { depth: number; fn: string; args?: string[]; ret?: number | string }
  | { depth: number; fn: string; hook: 'init'; ops: string; net: string; ret: number }
  | { depth: number; fn: string; hook: 'exit'; ops: string; net: string }
  | { depth: number; fn: string; hook: 'exit_batch'; ops: string; nets: string[] }
  | { depth: number; fn: 'ops_free'; hook: 'free'; ops: string; net: string };

export class Tracer {
  readonly events: TraceEvent[] = [];
  private depth = 0;

  /** Off, calls cost nothing but the body: scripts that do not ask for a trace pay no log. */
  constructor(public enabled = false) {}

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

  /** A leaf call with no children. */
  leaf(fn: string, args: () => string[], ret?: number | string): void {
    if (!this.enabled) return;
    const event: { depth: number; fn: string; args?: string[]; ret?: number | string } = { depth: this.depth, fn };
    const a = args();
    if (a.length > 0) event.args = a;
    if (ret !== undefined) event.ret = ret;
    this.events.push(event);
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

/** One line per call, two spaces of indent per depth (contract §9.9). */
export function formatTraceLine(event: TraceEvent, style: TraceStyle = PLAIN): string {
  const indent = '  '.repeat(event.depth);
  const ret = (value: number | string): string => {
    const text = formatRet(value);
    return ` = ${(typeof value === 'number' && value < 0) || text.startsWith('ERR_PTR') ? style.err(text) : text}`;
  };
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
