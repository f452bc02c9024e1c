/** `npx cdk synth|deploy`: the Baton stack with the tenants file named in cdk.json (`baton:tenantsFile`). */

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { BatonStack } from './baton-stack';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
const app = new App();
const tenantsFile = String(app.node.tryGetContext('baton:tenantsFile') ?? 'infra/aws/tenants.example.json');
const tenants: unknown = JSON.parse(readFileSync(path.resolve(projectRoot, tenantsFile), 'utf8'));

new BatonStack(app, String(app.node.tryGetContext('baton:stackName') ?? 'Baton'), {
  tenants,
  projectRoot,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
