/**
 * What Lambda code needs around `zod/mini`, the functional build of zod v4 (about 30 KB of each
 * function's bundle for Baton's schemas; classic `zod` ~90 KB): same core, same parsing, same
 * issues; only the API is functions (`z.optional(s)`, `s.check(z.maxLength(n))`) instead of
 * methods. Modules import `* as z from 'zod/mini'` themselves: a namespace re-exported from here
 * would defeat tree shaking and bundle all of zod (and every locale) again.
 */
import * as z from 'zod/mini';

/** `safeParse` for any zod schema (mini, or classic in tests and tools). */
export const safeParse = z.safeParse;

/**
 * `parse` for any zod schema. The error thrown is named `ZodError` as classic
 * zod names it (mini says `$ZodError`): the name ends up in logs and in dead-letter reasons.
 */
export function parse<Schema extends z.core.$ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  result.error.name = 'ZodError';
  throw result.error;
}

/** Where an issue is, as `a.b.0.c`; empty at the root. */
export const issuePath = (issue: z.core.$ZodIssue): string => issue.path.map(String).join('.');

/**
 * Every issue as `path: message`, paths written as in code (`[0].intake.questions[1]`): what a
 * configuration error says. zod's `prettifyError` says the same in 0.4 KB more of each bundle.
 */
export const describeIssues = (error: z.core.$ZodError): string =>
  error.issues
    .map((issue) => {
      const path = issue.path
        .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i ? '.' : ''}${String(key)}`))
        .join('');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');

/**
 * One schema per distinct set of arguments, shared by every schema that uses it. zod schemas are
 * immutable, so sharing changes nothing but what a cold start builds: each helper call builds three
 * (the type, the check, the checked copy), and the same few are asked for dozens of times.
 */
export function shared<Args extends ReadonlyArray<number>, Schema>(
  build: (...args: Args) => Schema,
): (...args: Args) => Schema {
  const built = new Map<string, Schema>();
  return (...args) => {
    const key = args.join(',');
    const known = built.get(key);
    if (known) return known;
    const schema = build(...args);
    built.set(key, schema);
    return schema;
  };
}

/** A string of at least one character. */
export const nonEmptyString = shared(() => z.string().check(z.minLength(1)));

/** A string of at most `max` characters. */
export const stringUpTo = shared((max: number) => z.string().check(z.maxLength(max)));

/** A string of `min` to `max` characters. */
export const boundedString = shared((min: number, max: number) =>
  z.string().check(z.minLength(min), z.maxLength(max)),
);

// Two checks written as refinements rather than zod's built-ins: `z.int()` and `z.url()` carry
// zod's number-format and URL/hostname machinery, about 4 KB in every Lambda bundle, for a test
// the platform already has.

/** A safe integer (what `z.int()` accepts). */
export const integer = shared(() =>
  z.number().check(z.refine((value) => Number.isSafeInteger(value), 'expected an integer')),
);

/** An integer from `min` to `max`, both included. */
export const intBetween = shared((min: number, max: number) =>
  z.number().check(
    z.refine((value) => Number.isSafeInteger(value) && value >= min && value <= max, {
      message: `expected an integer from ${min} to ${max}`,
    }),
  ),
);

/**
 * An object of any string keys whose values all match `value`: what `z.record(z.string(), value)`
 * accepts, built on the object schema every bundle has anyway (the record schema is 2.4 KB more).
 */
export const stringRecord = <T extends z.core.SomeType>(value: T) => z.catchall(z.object({}), value);

/** An absolute http or https URL, written out (`https://host…`), without whitespace. */
export const httpUrl = shared(() => z.string().check(z.refine(isHttpUrl, 'expected an http or https URL')));

// The WHATWG parser forgives `https:host` and strips tabs and newlines; the value itself is what
// gets stored and sent on, so it must already be the URL.
const HTTP_URL = /^https?:\/\/\S+$/i;

function isHttpUrl(value: string): boolean {
  return HTTP_URL.test(value) && URL.canParse(value);
}
