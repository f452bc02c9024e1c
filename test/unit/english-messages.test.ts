/** Baton's English issue messages say, word for word, what zod's own English locale says. */

import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { tenantConfigSchema } from '../../shared/config/tenants';
import { englishMessage } from '../../shared/validation/english-messages';

const zodEnglish = en().localeError;

const messages = (schema: z.core.$ZodType, input: unknown, error: z.core.$ZodErrorMap) => {
  const result = z.safeParse(schema, input, { error });
  if (result.success) throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  return result.error.issues.map((issue) => issue.message);
};

const cases: [string, z.core.$ZodType, unknown][] = [
  ['a string given a number', z.string(), 42],
  ['a string given null', z.string(), null],
  ['a number given NaN', z.number(), Number.NaN],
  ['a number given Infinity', z.number(), Number.POSITIVE_INFINITY],
  ['an object given an array', z.object({ a: z.string() }), []],
  ['a missing field', z.object({ a: z.string() }), {}],
  ['a literal', z.literal('msc'), 'webhook'],
  ['an enum', z.enum(['agent', 'user', 'expired']), 'bot'],
  ['a numeric literal', z.literal(1), 2],
  ['a short string', z.string().check(z.minLength(2)), 'a'],
  ['a long string', z.string().check(z.maxLength(3)), 'abcd'],
  ['an exact length', z.string().check(z.length(3)), 'ab'],
  ['a short array', z.array(z.string()).check(z.minLength(1)), []],
  ['a long array', z.array(z.string()).check(z.maxLength(1)), ['a', 'b']],
  ['a number too small', z.number().check(z.gte(1)), 0],
  ['a number too big', z.number().check(z.lt(10)), 10],
  ['a positive number', z.number().check(z.positive()), 0],
  ['an integer', z.int(), 1.5],
  ['a pattern', z.string().check(z.regex(/^[a-z]+$/)), 'A'],
  ['a prefix', z.string().check(z.startsWith('wa:')), 'web'],
  ['a suffix', z.string().check(z.endsWith('.json')), 'x.txt'],
  ['a substring', z.string().check(z.includes('@')), 'x'],
  ['one unknown key', z.strictObject({ a: z.string() }), { a: 'x', b: 1 }],
  ['an unknown key with quotes in it', z.strictObject({}), { 'say "hi"\\': 1 }],
  ['an enum given a quote', z.enum(['a"b', 'c']), 'x'],
  ['a string given a Date', z.string(), new Date(0)],
  ['a string given a Set', z.string(), new Set()],
  ['a string given a class-less object', z.string(), Object.create(null)],
  ['two unknown keys', z.strictObject({}), { b: 1, c: 2 }],
  ['a record key', z.record(z.string().check(z.maxLength(1)), z.string()), { long: 'x' }],
  ['a union', z.union([z.string(), z.number()]), true],
  [
    'a discriminator',
    z.discriminatedUnion('type', [z.object({ type: z.literal('a') }), z.object({ type: z.literal('b') })]),
    { type: 'c' },
  ],
  ['a refinement', z.string().check(z.refine((value) => value.length > 3)), 'abc'],
  ['a multiple', z.number().check(z.multipleOf(5)), 7],
  ['a broken tenant', tenantConfigSchema, { id: 'Acme', desk: { type: 'zendesk' }, bot: [], extra: 1 }],
];

test.each(cases)('%s', (_name, schema, input) => {
  expect(messages(schema, input, englishMessage)).toEqual(messages(schema, input, zodEnglish));
});

// zod's `en` says "Invalid email address", "Invalid UUID": Baton checks neither format.
test('a format without a sentence of its own reads "Invalid <format>"', () => {
  expect(messages(z.email(), 'x', englishMessage)).toEqual(['Invalid email']);
  expect(messages(z.uuid(), 'x', englishMessage)).toEqual(['Invalid uuid']);
});
