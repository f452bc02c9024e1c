/** One Lambda construct for every Baton function: runtime, architecture, bundling, log group and config fixed once. */

import * as path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionDeclaration } from '../topology';
import {
  BUNDLE_BANNER,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_SOURCES_CONTENT,
  BUNDLE_TARGET,
  FUNCTION_NODE_OPTIONS,
} from './bundling';

/** The script, under the project root, that cuts each function's source map to Baton's own files. */
const PRUNE_SOURCE_MAP = 'infra/aws/prune-source-map.ts';

/** Where the bundled tenant configuration sits in every function's package. */
export const TENANTS_FILE = 'tenants.json';

export interface BatonFunctionProps {
  declaration: FunctionDeclaration;
  projectRoot: string;
  environment: Record<string, string>;
  /** The validated tenant configuration as JSON, written into the bundle (no 4 KB environment limit). */
  tenantsJson: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  reservedConcurrency?: number | undefined;
}

export class BatonFunction extends NodejsFunction {
  readonly logGroupName: string;
  /** Its execution role (its own, never shared). */
  readonly executionRole: Role;

  constructor(scope: Construct, id: string, props: BatonFunctionProps) {
    const { declaration } = props;
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // Its own role, writing only to its own log group (instead of the managed basic execution policy).
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // The log group's Arn attribute already ends in `:*`, covering its streams and nothing else.
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      role,
      description: declaration.description,
      entry: path.join(props.projectRoot, declaration.dir, 'lambda.ts'),
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: declaration.memoryMb ?? 512,
      timeout: Duration.seconds(declaration.timeoutSeconds),
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        ...props.environment,
        BATON_TENANTS_FILE: TENANTS_FILE,
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        sourcesContent: BUNDLE_SOURCES_CONTENT,
        target: BUNDLE_TARGET,
        mainFields: BUNDLE_MAIN_FIELDS,
        // The SDK is bundled: smaller cold start than loading the runtime's copy from node_modules.
        externalModules: [],
        banner: BUNDLE_BANNER,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The asset hash covers the output, so a configuration change is a new deployment.
          afterBundling: (inputDir: string, outputDir: string) => [
            // Written by the bundling command itself, so it works for local and Docker bundling alike.
            `printf '%s' ${shellQuote(props.tenantsJson)} > ${shellQuote(path.join(outputDir, TENANTS_FILE))}`,
            // Runs the project's tsx, so it needs local bundling (the default: esbuild is a dev
            // dependency); in Docker, tsx's own esbuild binary would have to match the image's platform.
            `cd ${shellQuote(inputDir)} && node --import tsx ${PRUNE_SOURCE_MAP} ${shellQuote(path.join(outputDir, 'index.mjs.map'))}`,
          ],
        },
      },
    });
    this.logGroupName = logGroup.logGroupName;
    this.executionRole = role;
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
