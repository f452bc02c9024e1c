/**
 * zod's English issue messages, word for word, for the issues Baton's schemas can raise. `zod/locales`'
 * `en` says the same but carries a dictionary of 30 string formats Baton never checks (email, UUID,
 * IBAN, ...): 2 KB in every Lambda bundle. A format without its own sentence reads "Invalid <format>".
 */
import type * as z from 'zod/mini';

const UNITS: Readonly<Record<string, string>> = {
  string: 'characters',
  array: 'items',
  set: 'items',
  map: 'entries',
  file: 'bytes',
};

/** The type name zod reports for what it received: an object that is not plain by its class. */
function receivedType(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'number') return Number.isFinite(input) ? 'number' : String(input);
  if (typeof input === 'object' && Object.getPrototypeOf(input) !== Object.prototype) {
    const name: unknown = input.constructor?.name;
    if (typeof name === 'string' && name) return name;
  }
  return typeof input;
}

/** A value as zod's messages quote it: strings in double quotes, as they are, bigints with `n`. */
function quoted(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

export function englishMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${issue.expected}, received ${receivedType(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `Invalid input: expected ${quoted(issue.values[0])}`
        : `Invalid option: expected one of ${issue.values.map(quoted).join('|')}`;
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const bound = big ? issue.maximum : issue.minimum;
      const comparison = issue.exact ? 'exactly ' : `${big ? '<' : '>'}${issue.inclusive ? '=' : ''}`;
      const unit = UNITS[issue.origin];
      const expected = unit ? `to have ${comparison}${bound} ${unit}` : `to be ${comparison}${bound}`;
      return `Too ${big ? 'big' : 'small'}: expected ${issue.origin} ${expected}`;
    }
    case 'invalid_format':
      if ('pattern' in issue && issue.format === 'regex')
        return `Invalid string: must match pattern ${String(issue.pattern)}`;
      if ('prefix' in issue) return `Invalid string: must start with ${quoted(issue.prefix)}`;
      if ('suffix' in issue) return `Invalid string: must end with ${quoted(issue.suffix)}`;
      if ('includes' in issue) return `Invalid string: must include ${quoted(issue.includes)}`;
      return `Invalid ${issue.format}`;
    case 'not_multiple_of':
      return `Invalid number: must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map(quoted).join(', ')}`;
    case 'invalid_key':
      return `Invalid key in ${issue.origin}`;
    case 'invalid_element':
      return `Invalid value in ${issue.origin}`;
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options) && issue.options.length > 0)
        return `Invalid discriminator value. Expected ${issue.options.map((option) => `'${String(option)}'`).join(' | ')}`;
      return 'inclusive' in issue && issue.inclusive === false
        ? 'Invalid input: more than one option matched'
        : 'Invalid input';
    default:
      return 'Invalid input';
  }
}
