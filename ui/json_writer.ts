/**
 * A port of iproute2 6.1 lib/json_writer.c, the streaming writer behind `ip -json` and
 * `ip -json -pretty`.
 *
 * The C writer decides commas, line breaks and indentation from two pieces of state, `sep`
 * (NUL or ',') and `depth`, updated by a handful of primitives. Its pretty layout is not a
 * conventional one (`[ {` … `},{` … `} ]`), so rather than re-deriving the layout we keep the
 * same state machine and drive it with the same call sequence json_print.c would make. Any
 * nesting then comes out exactly as the C code prints it.
 */

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** What C's `%g` (jsonw_float) prints; only reached for non-integers and integers of 2^64 and up. */
function formatG(num: number): string {
  if (Number.isNaN(num)) return 'nan';
  if (num === Infinity) return 'inf';
  if (num === -Infinity) return '-inf';
  if (num === 0) return Object.is(num, -0) ? '-0' : '0';
  // %g: precision P = 6; exponent X of the %e form decides between %e and %f style.
  const exp = Number(num.toExponential(5).split('e')[1]);
  if (exp < -4 || exp >= 6) {
    const [mant = '', e = '0'] = num.toExponential(5).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const ev = Number(e);
    return `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  const fixed = num.toFixed(Math.max(0, 5 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/**
 * Integers as print_int/print_uint/print_u64 would print them (`%d`, `%u`, `%PRIu64`): every
 * digit of the exact value. BigInt gives that; String() would round past 2^53
 * (2^63 -> "9223372036854776000"). -0 is the integer 0. Anything no 64-bit integer format
 * could print goes through jsonw_float's `%g`.
 */
function formatNumber(num: number): string {
  if (Number.isInteger(num) && Math.abs(num) < 2 ** 64) return BigInt(num).toString();
  return formatG(num);
}

/**
 * jsonw_puts(): only \t \n \r \f \b \\ and " are escaped. Everything else, other control
 * characters and non-ASCII included, is copied raw (the writer "does not do Unicode").
 * iproute2 6.1 no longer escapes ' (commit "json: do not escape single quotes", in the 6.1
 * release) and escapes \ as \\ (the `\n` typo was fixed in 2019).
 * A C string ends at its first NUL, so nothing after one is printed.
 */
function putsEscaped(str: string): string {
  let out = '"';
  for (const ch of str) {
    if (ch === '\0') break;
    switch (ch) {
      case '\t': out += '\\t'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\f': out += '\\f'; break;
      case '\b': out += '\\b'; break;
      case '\\': out += '\\\\'; break;
      case '"': out += '\\"'; break;
      default: out += ch;
    }
  }
  return out + '"';
}

/** A JSON string literal escaped exactly as jsonw_puts does. */
export function jsonString(s: string): string {
  return putsEscaped(s);
}

/** struct json_writer and its primitives, kept one-to-one with the C functions. */
class JsonWriter {
  private out = '';
  private depth = 0;
  /** Either '' (C's '\0') or ','. */
  private sep: '' | ',' = '';

  constructor(private readonly pretty: boolean) {}

  text(): string {
    return this.out;
  }

  /** jsonw_indent(): four spaces per depth. */
  private indent(): void {
    this.out += '    '.repeat(this.depth);
  }

  /** jsonw_eol(): end the line and indent, pretty mode only. */
  private eol(): void {
    if (!this.pretty) return;
    this.out += '\n';
    this.indent();
  }

  /** jsonw_eor(): print the pending separator, then arm ',' for the next item. */
  private eor(): void {
    if (this.sep !== '') this.out += this.sep;
    this.sep = ',';
  }

  /** jsonw_begin() */
  private begin(c: '{' | '['): void {
    this.eor();
    this.out += c;
    ++this.depth;
    this.sep = '';
  }

  /** jsonw_end(): a line break before the closer only if something was written inside. */
  private end(c: '}' | ']'): void {
    if (this.depth <= 0) throw new Error('jsonw_end: depth underflow');
    --this.depth;
    if (this.sep !== '') this.eol();
    this.out += c;
    this.sep = ',';
  }

  /** jsonw_name(): a property name always starts a new line in pretty mode. */
  name(name: string): void {
    this.eor();
    this.eol();
    this.sep = '';
    this.out += putsEscaped(name);
    this.out += ':';
    if (this.pretty) this.out += ' ';
  }

  /** jsonw_printf(): a bare value (numbers, true/false, null). */
  printf(text: string): void {
    this.eor();
    this.out += text;
  }

  /** jsonw_start_object() */
  startObject(): void {
    this.begin('{');
  }

  /** jsonw_end_object() */
  endObject(): void {
    this.end('}');
  }

  /** jsonw_start_array(): pretty mode puts a space after '['. */
  startArray(): void {
    this.begin('[');
    if (this.pretty) this.out += ' ';
  }

  /**
   * jsonw_end_array(): pretty mode puts a space before ']' if the array is not empty, and
   * clears sep so jsonw_end() never breaks the line before ']'.
   */
  endArray(): void {
    if (this.pretty && this.sep !== '') this.out += ' ';
    this.sep = '';
    this.end(']');
  }

  /** jsonw_string() */
  string(value: string): void {
    this.eor();
    this.out += putsEscaped(value);
  }
}

function isArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}

/** The call sequence json_print.c makes for value (open_json_object, print_*, ...). */
function emit(w: JsonWriter, value: JsonValue): void {
  if (value === null) {
    w.printf('null'); // jsonw_null
  } else if (typeof value === 'boolean') {
    w.printf(value ? 'true' : 'false'); // jsonw_bool
  } else if (typeof value === 'number') {
    w.printf(formatNumber(value)); // jsonw_int / jsonw_uint / jsonw_float
  } else if (typeof value === 'string') {
    w.string(value);
  } else if (isArray(value)) {
    w.startArray();
    for (const item of value) emit(w, item);
    w.endArray();
  } else {
    w.startObject();
    for (const [key, item] of Object.entries(value)) {
      // Optional fields are simply not printed, as ip does when an attribute is absent.
      if (item === undefined) continue;
      w.name(key);
      emit(w, item);
    }
    w.endObject();
  }
}

/**
 * The text iproute2's writer produces for value (no trailing newline). Object keys in
 * insertion order; keys whose value is undefined are skipped.
 */
export function jsonDocument(value: JsonValue, pretty: boolean): string {
  const w = new JsonWriter(pretty);
  emit(w, value);
  return w.text();
}
