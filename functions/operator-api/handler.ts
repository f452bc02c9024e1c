/**
 * (API Gateway HTTP API, IAM authorization) → operator-api: an operator's view of a tenant's
 * conversations and the few things they may do to one. API Gateway has checked the caller's
 * signature and policy (which may name tenants: the tenant is in the path); locally the gateway
 * checks a bearer token in its place. Conversations are named by their reference, never their id:
 * a path ends up in access logs, and a WhatsApp id is a phone number (`POST …/refs` turns an id,
 * sent in the body, into its reference).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { PHASES } from '../../shared/domain/phase';
import { conversationIdSchema } from '../../shared/events/shapes';
import { json, parseJson, parseWith, rawBody } from '../../shared/http/api';
import { badRequest, forbidden } from '../../shared/http/errors';
import { routedHandler, tenantOf } from '../../shared/http/router';
import { conversationRef } from '../../shared/log/logger';
import type { ConversationByRef } from '../../shared/ports/conversation-store';
import type { Runtime } from '../../shared/runtime/runtime';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { safeParse } from '../../shared/validation/zod';
import { erase, forceEnd, redrive, showConversation } from './operator';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'conversationAdmin' | 'idempotency' | 'logger' | 'metrics'
>;
type Event = APIGatewayProxyEventV2;

/** A conversation's keyed reference, as logs and events write it. */
const refSchema = z.string().check(z.regex(/^c-[0-9a-f]{32}$/, 'expected a conversation reference (c-…)'));
const pathSchema = z.object({ conversationRef: refSchema });
/** Where a listing goes on: the position of the last conversation of the page before. */
const positionSchema = z.object({
  updatedAt: z.number().check(z.int(), z.nonnegative()),
  conversationRef: refSchema,
});
const listSchema = z.object({
  phase: z.enum(PHASES),
  limit: z.optional(z.string().check(z.regex(/^([1-9]\d?|100)$/, 'limit: a whole number from 1 to 100'))),
  after: z.optional(z.string().check(z.maxLength(200))),
});
/** A short code, not free text: it goes into the audit trail, which holds nothing personal. */
const endSchema = z.object({
  reason: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a code: lowercase letters, digits, _ or -, at most 40')),
});
const refsSchema = z.object({ conversationId: conversationIdSchema });

/** The IAM caller API Gateway vouches for (locally the gateway's stand-in): no caller, no answer. */
const callerSchema = z.object({
  requestContext: z.object({ authorizer: z.object({ iam: z.object({ userArn: z.string() }) }) }),
});

const encodePosition = (position: z.output<typeof positionSchema>): string =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

function decodePosition(after: string): z.output<typeof positionSchema> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('after', 'after: not a position this API gave');
  }
  return parseWith(positionSchema, decoded, 'after');
}

export function createHandler(rt: Scoped<Ports>) {
  const authorized = async (event: Event) => {
    if (!safeParse(callerSchema, event).success)
      throw forbidden('the operator API needs an IAM-signed request');
    const tenant = tenantOf(rt.tenants, event);
    return { tenantId: tenant.id, ports: await rt.forTenant(tenant.id) };
  };
  const conversation = async (event: Event): Promise<{ ref: ConversationByRef; ports: Ports }> => {
    const { tenantId, ports } = await authorized(event);
    const { conversationRef } = parseWith(pathSchema, event.pathParameters ?? {}, 'path');
    return { ref: { tenantId, conversationRef }, ports };
  };

  return routedHandler(rt.logger, {
    'GET /v1/operator/{tenant}/conversations': async (event) => {
      const { tenantId, ports } = await authorized(event);
      const query = parseWith(listSchema, event.queryStringParameters ?? {}, 'query');
      const page = await ports.conversationAdmin.list(tenantId, query.phase, {
        limit: Number(query.limit ?? 50),
        after: query.after === undefined ? undefined : decodePosition(query.after),
      });
      return json(200, {
        conversations: page.conversations,
        ...(page.next ? { after: encodePosition(page.next) } : {}),
      });
    },
    'POST /v1/operator/{tenant}/refs': async (event) => {
      const { tenantId } = await authorized(event);
      const { conversationId } = parseJson(refsSchema, rawBody(event));
      return json(200, { conversationRef: conversationRef(tenantId, conversationId) });
    },
    'GET /v1/operator/{tenant}/conversations/{conversationRef}': async (event) => {
      const { ref, ports } = await conversation(event);
      return json(200, await showConversation(ports, ref));
    },
    'POST /v1/operator/{tenant}/conversations/{conversationRef}/end': async (event) => {
      const { ref, ports } = await conversation(event);
      const { reason } = parseJson(endSchema, rawBody(event));
      return json(200, { ended: true, handoverId: await forceEnd(ports, ref, reason) });
    },
    'POST /v1/operator/{tenant}/conversations/{conversationRef}/redrive': async (event) => {
      const { ref, ports } = await conversation(event);
      return json(200, { redriven: await redrive(ports, ref) });
    },
    'POST /v1/operator/{tenant}/conversations/{conversationRef}/erase': async (event) => {
      const { ref, ports } = await conversation(event);
      return json(200, { conversationRef: ref.conversationRef, erased: await erase(ports, ref) });
    },
  });
}
