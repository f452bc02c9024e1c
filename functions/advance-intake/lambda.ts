/** The Lambda entry: the handler on AWS adapters, built once per container. */
import { awsRuntime } from '../../shared/runtime/aws-runtime';
import { createHandler } from './handler';

export const handler = createHandler(awsRuntime('advance-intake'));
