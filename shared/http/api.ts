/** API Gateway HTTP API (payload 2.0) requests and responses, validated at the edge. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import { issuePath, safeParse } from '../validation/zod';
import { badRequest, payloadTooLarge } from './errors';
import '../validation/english';

/** Webhook bodies are small; a larger one is rejected before it is decoded or parsed. */
export const MAX_BODY_BYTES = 256 * 1024;

/** The body's bytes exactly as sent: what signatures are computed over. */
export function rawBytes(event: APIGatewayProxyEventV2, limit = MAX_BODY_BYTES): Buffer {
  const body = event.body ?? '';
  const encodedBytes = event.isBase64Encoded
    ? Math.floor((body.length * 3) / 4)
    : Buffer.byteLength(body, 'utf8');
  if (encodedBytes > limit) throw payloadTooLarge(limit);
  return Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8');
}

export function rawBody(event: APIGatewayProxyEventV2, limit = MAX_BODY_BYTES): string {
  return rawBytes(event, limit).toString('utf8');
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  // API Gateway lower-cases header names in payload 2.0; the local gateway does the same.
  return event.headers?.[name.toLowerCase()];
}

/**
 * JSON.parse then the schema; the 400 names the first offending field (`body` when not JSON).
 * Any zod schema will do (`$ZodType`, parsed functionally): mini here, classic in tests and tools.
 */
export function parseJson<Schema extends z.core.$ZodType>(schema: Schema, raw: string): z.output<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw badRequest('body', 'body is not valid JSON');
  }
  return parseWith(schema, json, 'body');
}

export function parseWith<Schema extends z.core.$ZodType>(
  schema: Schema,
  input: unknown,
  root: string,
): z.output<Schema> {
  const result = safeParse(schema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = (issue && issuePath(issue)) || root;
  throw badRequest(field, `${field}: ${issue?.message ?? 'invalid'}`);
}

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function text(statusCode: number, body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}
