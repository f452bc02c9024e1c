/** The construct props reference (infra/aws/README.md) is generated from the TSDoc and must match it. */
import { readFileSync } from 'node:fs';
import { propsReference, REFERENCE_FILE } from '../../infra/aws/docs/props-reference';

test('infra/aws/README.md is up to date with the props TSDoc (run `npm run docs`)', () => {
  const reference = propsReference();
  expect(readFileSync(REFERENCE_FILE, 'utf8')).toBe(reference);
  for (const prop of [
    'tenants',
    'state',
    'logRetention',
    'alarmTopic',
    'throttling',
    'reservedConcurrency',
    'removalPolicy',
  ]) {
    expect(reference).toContain(`| \`${prop}\` |`);
  }
});
