/** (API Gateway HTTP API) → ingest: channel webhooks and pushed bot answers → use cases. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import type { SecretRef } from '../../shared/config/secrets';
import type { TenantConfig } from '../../shared/config/tenants';
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
import { boundedString, nonEmptyString } from '../../shared/validation/zod';
import { botAnswerPushSchema } from './bot-answer-push';
import { receiveBotAnswer } from './receive-bot-answer';
import { type ReceivePorts, receiveUserMessage } from './receive-user-message';
import { routerUserMessages } from './router-message';
import { webMessageSchema } from './web-message';
import { whatsappMessages, whatsappWebhookSchema, withinRetryWindow } from './whatsapp-webhook';

type Event = APIGatewayProxyEventV2;

const verificationSchema = z.object({
  'hub.mode': z.literal('subscribe'),
  'hub.verify_token': nonEmptyString(),
  'hub.challenge': boundedString(1, 256),
});

export function createHandler(rt: CorePorts & ReceivePorts & Pick<Runtime, 'answerPushes'>) {
  const tenantFor = (event: Event) => tenantOf(rt.tenants, event);

  /** Meta's signature, checked on the raw bytes before anything parses them. */
  const metaSignedBody = async (event: Event, secret: SecretRef | undefined): Promise<string> => {
    if (!secret) throw notFound('channel not configured for this tenant');
    const bytes = rawBytes(event);
    if (!hasValidSignature(await rt.secrets.resolve(secret), bytes, header(event, 'x-hub-signature-256')))
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
    secret: SecretRef | undefined,
  ): Promise<string> => {
    if (!secret) throw notFound('channel not configured for this tenant');
    const bytes = rawBytes(event);
    const check = checkSignature(
      await rt.secrets.resolve(secret),
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

  return routedHandler(rt.logger, {
    'GET /v1/{tenant}/whatsapp': async (event) => {
      const tenant = tenantFor(event);
      if (!tenant.whatsapp) throw notFound('channel not configured for this tenant');
      const query = parseWith(verificationSchema, event.queryStringParameters ?? {}, 'query');
      const expected = await rt.secrets.resolve(tenant.whatsapp.verifyToken);
      if (!sameSecret(query['hub.verify_token'], expected)) throw forbidden('verify token does not match');
      return text(200, query['hub.challenge']);
    },

    'POST /v1/{tenant}/whatsapp': async (event) => {
      const tenant = tenantFor(event);
      const body = await metaSignedBody(event, tenant.whatsapp?.appSecret);
      const webhook = parseJson(whatsappWebhookSchema, body);
      const inbounds = whatsappMessages(webhook, rt.clock.now());
      // Replies go out through the number a message came to: it must be one of this tenant's.
      const owned = tenant.whatsapp?.phoneNumberIds;
      if (owned && inbounds.some((inbound) => !owned.includes(inbound.phoneNumberId)))
        throw forbidden('phone_number_id is not a number of this tenant');
      // Answered 200 all the same: a replay gains nothing, and Meta would only send it again.
      const fresh = inbounds.filter((inbound) => withinRetryWindow(inbound.sentAt, Date.now()));
      if (fresh.length < inbounds.length) {
        const stale = inbounds.length - fresh.length;
        rt.logger.warn('WhatsApp messages older than Meta retries are refused as replays', { stale });
        rt.metrics.put({ name: 'WhatsAppReplayRefused', value: stale, unit: 'Count', tenant: tenant.id });
      }
      // In order, one at a time: messages of one user keep their order.
      for (const inbound of fresh) {
        await receiveUserMessage(rt, {
          tenantId: tenant.id,
          conversationId: `wa:${inbound.waId}`,
          channel: { type: 'whatsapp', waId: inbound.waId, phoneNumberId: inbound.phoneNumberId },
          message: inbound.message,
        });
      }
      return json(200, { ok: true });
    },

    'POST /v1/{tenant}/web': async (event) => {
      const tenant = tenantFor(event);
      const body = await batonSignedBody(event, tenant, tenant.web?.signingSecret);
      const message = parseJson(webMessageSchema, body);
      const result = await receiveUserMessage(rt, {
        tenantId: tenant.id,
        conversationId: message.conversationId,
        channel: { type: 'web', pageUrl: message.pageUrl },
        message: {
          id: message.messageId,
          text: message.text,
          payload: message.payload,
          pageUrl: message.pageUrl,
          receivedAt: rt.clock.now(),
        },
      });
      return json(200, { ok: true, duplicate: result.outcome === 'duplicate' });
    },

    // The message webhook of the adapter Baton hosts on CM.com's router: "must return 201 Created".
    'POST /v1/{tenant}/router/messages': async (event) => {
      const tenant = tenantFor(event);
      if (!tenant.router) throw notFound('channel not configured for this tenant');
      await checkRouterToken(rt.secrets, tenant.router.productToken, event);
      const twoWay = parseJson(twoWaySchema, rawBody(event));
      const conversationId = hostedConversationId(tenant.router, twoWay);
      const { channel, messages } = routerUserMessages(twoWay, rt.clock.now());
      let accepted = 0;
      for (const message of messages) {
        const result = await receiveUserMessage(rt, {
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
      const tenant = tenantFor(event);
      const body = await batonSignedBody(event, tenant, tenant.bot.signingSecret);
      await receiveBotAnswer(rt, tenant.id, parseJson(botAnswerPushSchema, body));
      return json(200, { ok: true });
    },
  });
}
