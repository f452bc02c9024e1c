/** (API Gateway HTTP API) → ingest: channel webhooks and pushed bot answers → use cases. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { SecretRef } from '../../shared/config/secrets';
import type { TenantConfig } from '../../shared/config/tenants';
import { deliveryStatusReported } from '../../shared/events/delivery-status';
import { header, json, parseJson, parseWith, rawBody, rawBytes, text } from '../../shared/http/api';
import { forbidden, notFound, unauthorized } from '../../shared/http/errors';
import { routedHandler, tenantOf } from '../../shared/http/router';
import {
  checkSignature,
  hasValidSignature,
  SIGNATURE_HEADER,
  SIGNATURE_WINDOW_SECONDS,
  sameSecret,
  TIMESTAMP_HEADER,
} from '../../shared/http/signature';
import { checkRouterToken, hostedConversationId, twoWaySchema } from '../../shared/http/twoway-format';
import type { CorePorts, Runtime } from '../../shared/runtime/runtime';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { boundedString, nonEmptyString } from '../../shared/validation/zod';
import { botAnswerPushSchema } from './bot-answer-push';
import { receiveBotAnswer } from './receive-bot-answer';
import { type ReceivePorts, receiveUserMessage } from './receive-user-message';
import { routerUserMessages } from './router-message';
import { webMessageSchema } from './web-message';
import {
  type InboundWhatsAppMessage,
  phoneNumberIdsOf,
  type TrackedStatus,
  trackedStatuses,
  whatsappMessages,
  whatsappWebhookSchema,
  withinRetryWindow,
} from './whatsapp-webhook';

type Event = APIGatewayProxyEventV2;

const verificationSchema = z.object({
  'hub.mode': z.literal('subscribe'),
  'hub.verify_token': nonEmptyString(),
  'hub.challenge': boundedString(1, 256),
});

type IngestPorts = CorePorts & ReceivePorts & Pick<Runtime, 'answerPushes'>;

export function createHandler(rt: Scoped<IngestPorts>) {
  /** The tenant of the URL, and the ports acting for it. */
  const tenantFor = async (event: Event): Promise<[TenantConfig, IngestPorts]> => {
    const tenant = tenantOf(rt.tenants, event);
    return [tenant, await rt.forTenant(tenant.id)];
  };

  /** Meta's signature, checked on the raw bytes before anything parses them. */
  const metaSignedBody = async (
    event: Event,
    ports: IngestPorts,
    secret: SecretRef | undefined,
  ): Promise<string> => {
    if (!secret) throw notFound('channel not configured for this tenant');
    const bytes = rawBytes(event);
    if (!hasValidSignature(await ports.secrets.resolve(secret), bytes, header(event, 'x-hub-signature-256')))
      throw unauthorized();
    return bytes.toString('utf8');
  };

  /**
   * Baton's signature (web chat, bot): on the raw bytes and a timestamp within the window of real
   * time, not of Baton's clock (the local stack's simulated clock moves business time only).
   */
  const batonSignedBody = async (
    event: Event,
    tenant: TenantConfig,
    ports: IngestPorts,
    secret: SecretRef | undefined,
  ): Promise<string> => {
    if (!secret) throw notFound('channel not configured for this tenant');
    const bytes = rawBytes(event);
    const check = checkSignature(
      await ports.secrets.resolve(secret),
      {
        rawBody: bytes,
        signature: header(event, SIGNATURE_HEADER),
        timestamp: header(event, TIMESTAMP_HEADER),
      },
      { nowMs: Date.now(), acceptUntimed: tenant.acceptUntimedSignatures },
    );
    if (check === 'expired')
      throw unauthorized(`signature timestamp more than ${SIGNATURE_WINDOW_SECONDS} s from now`);
    if (check === 'invalid') throw unauthorized();
    return bytes.toString('utf8');
  };

  /** Meta's subscription handshake: the token must be the verify token of one of `tenants`. */
  const subscribe = async (event: Event, tenants: ReadonlyArray<TenantConfig | undefined>) => {
    const query = parseWith(verificationSchema, event.queryStringParameters ?? {}, 'query');
    for (const tenant of tenants) {
      if (!tenant?.whatsapp) continue;
      const expected = await (await rt.forTenant(tenant.id)).secrets.resolve(tenant.whatsapp.verifyToken);
      if (sameSecret(query['hub.verify_token'], expected)) return text(200, query['hub.challenge']);
    }
    throw forbidden('verify token does not match');
  };

  /** Signed WhatsApp messages, each for the tenant that owns its number, in Meta's order. */
  const takeWhatsApp = async (
    inbounds: ReadonlyArray<{ tenant: TenantConfig; inbound: InboundWhatsAppMessage }>,
  ): Promise<void> => {
    // Answered 200 all the same: a replay gains nothing, and Meta would only send it again.
    const fresh = inbounds.filter(({ inbound }) => withinRetryWindow(inbound.sentAt, Date.now()));
    for (const { tenant } of inbounds.filter((entry) => !fresh.includes(entry))) {
      rt.logger.warn('a WhatsApp message older than Meta retries is refused as a replay');
      rt.metrics.put({ name: 'WhatsAppReplayRefused', value: 1, unit: 'Count', tenant: tenant.id });
    }
    // In order, one at a time: messages of one user keep their order.
    for (const { tenant, inbound } of fresh) {
      await receiveUserMessage(await rt.forTenant(tenant.id), {
        tenantId: tenant.id,
        conversationId: `wa:${inbound.waId}`,
        channel: { type: 'whatsapp', waId: inbound.waId, phoneNumberId: inbound.phoneNumberId },
        message: inbound.message,
      });
    }
  };

  /**
   * What WhatsApp reported of agents' messages, to the bus for the relay (which tells the desk). A
   * status is no user message: it skips the inbox, and a lost one costs the desk a tick, not a word.
   */
  const reportStatuses = async (
    statuses: ReadonlyArray<{ tenant: TenantConfig; status: TrackedStatus }>,
  ): Promise<void> => {
    if (statuses.length === 0) return;
    const now = rt.clock.now();
    await rt.publisher.publish(
      statuses.map(({ tenant, status }) =>
        deliveryStatusReported({ tenantId: tenant.id, conversationId: `wa:${status.waId}` }, status, now),
      ),
    );
  };

  return routedHandler(rt.logger, {
    'GET /v1/{tenant}/whatsapp': async (event) => {
      const tenant = tenantOf(rt.tenants, event);
      if (!tenant.whatsapp) throw notFound('channel not configured for this tenant');
      return subscribe(event, [tenant]);
    },

    // The Meta app's one callback URL, for every tenant whose numbers live in that app.
    'GET /v1/whatsapp': async (event) =>
      subscribe(
        event,
        rt.tenants
          .ids()
          .map((id) => rt.tenants.get(id))
          .filter((tenant) => tenant?.whatsapp !== undefined),
      ),

    'POST /v1/{tenant}/whatsapp': async (event) => {
      const [tenant, ports] = await tenantFor(event);
      const body = await metaSignedBody(event, ports, tenant.whatsapp?.appSecret);
      const webhook = parseJson(whatsappWebhookSchema, body);
      const inbounds = whatsappMessages(webhook, rt.clock.now());
      // Replies go out through the number a message came to: it must be one of this tenant's.
      if (inbounds.some((inbound) => rt.tenants.ownerOfNumber(inbound.phoneNumberId) !== tenant.id))
        throw forbidden('phone_number_id is not a number of this tenant');
      await takeWhatsApp(inbounds.map((inbound) => ({ tenant, inbound })));
      await reportStatuses(trackedStatuses(webhook).map((status) => ({ tenant, status })));
      return json(200, { ok: true });
    },

    'POST /v1/whatsapp': async (event) => {
      // Whose body it is can only be read from it, so it is parsed first; then the app secret of
      // every tenant it names must have signed its raw bytes.
      const bytes = rawBytes(event);
      const webhook = parseJson(whatsappWebhookSchema, bytes.toString('utf8'));
      const owners = new Map<string, TenantConfig>();
      const appSecrets = new Map<string, SecretRef>();
      for (const number of phoneNumberIdsOf(webhook)) {
        const owner = rt.tenants.ownerOfNumber(number);
        const tenant = owner === undefined ? undefined : rt.tenants.get(owner);
        if (!tenant?.whatsapp) throw forbidden('phone_number_id is not a number of any tenant');
        owners.set(number, tenant);
        appSecrets.set(tenant.id, tenant.whatsapp.appSecret);
      }
      if (appSecrets.size === 0) throw unauthorized('no phone_number_id to find the app secret by');
      for (const [tenantId, secret] of appSecrets) {
        const appSecret = await (await rt.forTenant(tenantId)).secrets.resolve(secret);
        if (!hasValidSignature(appSecret, bytes, header(event, 'x-hub-signature-256'))) throw unauthorized();
      }
      const inbounds = whatsappMessages(webhook, rt.clock.now());
      await takeWhatsApp(
        inbounds.flatMap((inbound) => {
          const tenant = owners.get(inbound.phoneNumberId);
          return tenant ? [{ tenant, inbound }] : [];
        }),
      );
      await reportStatuses(
        trackedStatuses(webhook).flatMap((status) => {
          const tenant = owners.get(status.phoneNumberId);
          return tenant ? [{ tenant, status }] : [];
        }),
      );
      return json(200, { ok: true });
    },

    'POST /v1/{tenant}/web': async (event) => {
      const [tenant, ports] = await tenantFor(event);
      const body = await batonSignedBody(event, tenant, ports, tenant.web?.signingSecret);
      const message = parseJson(webMessageSchema, body);
      const result = await receiveUserMessage(ports, {
        tenantId: tenant.id,
        conversationId: message.conversationId,
        channel: { type: 'web', pageUrl: message.pageUrl },
        message: {
          id: message.messageId,
          text: message.text,
          payload: message.payload,
          pageUrl: message.pageUrl,
          receivedAt: ports.clock.now(),
        },
      });
      return json(200, { ok: true, duplicate: result.outcome === 'duplicate' });
    },

    // The message webhook of the adapter Baton hosts on CM.com's router: "must return 201 Created".
    'POST /v1/{tenant}/router/messages': async (event) => {
      const [tenant, ports] = await tenantFor(event);
      if (!tenant.router) throw notFound('channel not configured for this tenant');
      await checkRouterToken(ports.secrets, tenant.router.productToken, event);
      const twoWay = parseJson(twoWaySchema, rawBody(event));
      const conversationId = hostedConversationId(tenant.router, twoWay);
      const { channel, messages } = routerUserMessages(twoWay, rt.clock.now());
      let accepted = 0;
      for (const message of messages) {
        const result = await receiveUserMessage(ports, {
          tenantId: tenant.id,
          conversationId,
          channel,
          message,
        });
        if (result.outcome === 'accepted') accepted += 1;
      }
      return json(201, { accepted, duplicates: messages.length - accepted });
    },

    'POST /v1/{tenant}/answers': async (event) => {
      const [tenant, ports] = await tenantFor(event);
      const body = await batonSignedBody(event, tenant, ports, tenant.bot.signingSecret);
      await receiveBotAnswer(ports, tenant, parseJson(botAnswerPushSchema, body));
      return json(200, { ok: true });
    },
  });
}
