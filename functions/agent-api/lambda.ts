/** The Lambda entry: the handler on the core AWS adapters (it calls no outside system), built once per container. */
import { awsCore, scopedPorts } from '../../shared/runtime/aws-core';
import { createHandler } from './handler';

const core = await awsCore('agent-api');

export const handler = createHandler(scopedPorts(core, {}, () => ({})));
