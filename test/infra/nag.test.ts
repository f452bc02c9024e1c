/** cdk-nag's AwsSolutions pack over the whole stack: clean, with a written reason for each accepted finding. */

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BatonStack } from '../../infra/aws/baton-stack';
import { NAG_ACKNOWLEDGEMENTS, REF_KEY_ACKNOWLEDGEMENT } from '../../infra/aws/nag-acknowledgements';

const projectRoot = path.resolve(__dirname, '..', '..');
const tenants: unknown = JSON.parse(
  readFileSync(path.join(projectRoot, 'infra', 'aws', 'tenants.example.json'), 'utf8'),
);

test('the stack passes the AwsSolutions checks', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  new BatonStack(app, 'Nagged', { tenants, projectRoot });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  expect(() => app.synth()).not.toThrow();
});

test('every accepted finding says why, and only four kinds are accepted', () => {
  expect(Object.keys(NAG_ACKNOWLEDGEMENTS).sort()).toEqual([
    'AwsSolutions-APIG4',
    'AwsSolutions-IAM5[Resource::*]',
    'AwsSolutions-L1',
    'AwsSolutions-SQS3',
  ]);
  for (const reason of Object.values(NAG_ACKNOWLEDGEMENTS)) expect(reason.length).toBeGreaterThan(80);
  // And, on the reference key alone, its rotation: a new key would rename every conversation.
  expect(REF_KEY_ACKNOWLEDGEMENT.id).toBe('AwsSolutions::AwsSolutions-SMG4');
  expect(REF_KEY_ACKNOWLEDGEMENT.reason.length).toBeGreaterThan(80);
});
