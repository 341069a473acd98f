// iproute2's lib/utils.c helpers that decide what a word means: matches() for every prefix table,
// and the strtol()/strtoul() based number parsers (base 0: leading blanks, a sign, 0x hex,
// leading-0 octal, the whole word consumed).

/**
 * matches(): the word is a non-empty prefix of the keyword. Returned as "it matches" (C returns
 * 0 then). The empty word matches nothing (`if (!*prefix) return 1`).
 */
export function matches(prefix: string, keyword: string): boolean {
  return prefix.length > 0 && keyword.startsWith(prefix);
}

const ULONG_MAX = (1n << 64n) - 1n;
const UINT_MAX = (1n << 32n) - 1n;
const LONG_MAX = (1n << 63n) - 1n;
const INT_MAX = (1n << 31n) - 1n;
/** isspace() in the C locale, which strtol() and strtoul() skip. */
const C_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

/** The value of digit c in bases up to 16, or 99. */
function digitValue(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
  const l = c.toLowerCase();
  if (l >= 'a' && l <= 'f') return l.charCodeAt(0) - 87;
  return 99;
}

/** strto*(arg, &end, 0) where end must reach the end of arg: the sign and the magnitude, or undefined. */
function strtoWhole(arg: string): { negative: boolean; magnitude: bigint } | undefined {
  if (arg === '') return undefined;
  let i = 0;
  while (i < arg.length && C_SPACE.has(arg[i]!)) i++;
  let negative = false;
  if (arg[i] === '+' || arg[i] === '-') {
    negative = arg[i] === '-';
    i++;
  }
  let base = 10n;
  if (arg[i] === '0' && (arg[i + 1] === 'x' || arg[i + 1] === 'X') && digitValue(arg[i + 2] ?? '') < 16) {
    base = 16n;
    i += 2;
  } else if (arg[i] === '0') {
    base = 8n;
  }
  const start = i;
  let magnitude = 0n;
  while (i < arg.length && BigInt(digitValue(arg[i]!)) < base) {
    magnitude = magnitude * base + BigInt(digitValue(arg[i]!));
    i++;
  }
  if (i === start || i !== arg.length) return undefined; // no digits, or trailing characters
  return { negative, magnitude };
}

/**
 * get_unsigned(&val, arg, 0): strtoul(), so a '-' negates modulo 2^64 ("-0" is 0, "-1" is
 * ULONG_MAX and rejected); no ERANGE; at most UINT_MAX.
 */
export function getUnsigned(arg: string): bigint | undefined {
  const parsed = strtoWhole(arg);
  if (!parsed || parsed.magnitude > ULONG_MAX) return undefined;
  const value = parsed.negative ? (ULONG_MAX + 1n - parsed.magnitude) % (ULONG_MAX + 1n) : parsed.magnitude;
  return value > UINT_MAX ? undefined : value;
}

/** get_integer(&val, arg, 0) and get_s32(): strtol() without ERANGE, then within int. */
export function getInteger(arg: string): number | undefined {
  const parsed = strtoWhole(arg);
  if (!parsed) return undefined;
  const { negative, magnitude } = parsed;
  if (negative ? magnitude > LONG_MAX + 1n : magnitude > LONG_MAX) return undefined;
  if (negative ? magnitude > INT_MAX + 1n : magnitude > INT_MAX) return undefined;
  return Number(negative ? -magnitude : magnitude);
}
