/**
 * `npx cdk synth|deploy`: Baton with the tenants file named in cdk.json (`baton:tenantsFile`).
 * With `-c baton:separateState=true` the table and bus live in a stack of their own (`<name>-state`).
 * cdk-nag (AwsSolutions) runs on every synth.
 */

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BatonStack } from './baton-stack';
import { BatonState } from './baton-state';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
const app = new App();
const context = (key: string, fallback: string): string => String(app.node.tryGetContext(key) ?? fallback);
const tenantsFile = context('baton:tenantsFile', 'infra/aws/tenants.example.json');
const tenants: unknown = JSON.parse(readFileSync(path.resolve(projectRoot, tenantsFile), 'utf8'));
const stackName = context('baton:stackName', 'Baton');
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

const state =
  context('baton:separateState', 'false') === 'true'
    ? new BatonState(new Stack(app, `${stackName}-state`, { env, terminationProtection: true }), 'State')
    : undefined;
new BatonStack(app, stackName, { env, tenants, projectRoot, ...(state ? { state } : {}) });
// cdk-nag's AwsSolutions pack: a new finding fails `cdk synth` until it is fixed or acknowledged with a reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
