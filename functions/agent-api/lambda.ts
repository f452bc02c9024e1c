/** The Lambda entry: the handler on the core AWS adapters (it calls no outside system), built once per container. */
import { awsCore } from '../../shared/runtime/aws-core';
import { createHandler } from './handler';

export const handler = createHandler(await awsCore('agent-api'));
