/** Test helpers that talk to a local stack over real HTTP, the way channels and bots do. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { sign, signatureHeaders } from '../../shared/http/signature';

export interface HttpAnswer {
  status: number;
  text: string;
  json: unknown;
}

export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** POSTs `body` signed as Baton's callers sign it: a timestamp, and the signature over both. */
export function postSigned(url: string, body: string, secret: string): Promise<HttpAnswer> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signatureHeaders(secret, body) },
    body,
  });
}

/** POSTs a WhatsApp webhook body signed as Meta signs it (`X-Hub-Signature-256`, over the body). */
export const postWhatsApp = (
  baseUrl: string,
  tenant: string,
  body: string,
  secret = `${tenant}-whatsapp-secret`,
) =>
  request(`${baseUrl}/v1/${tenant}/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(secret, body) },
    body,
  });

export const postWeb = (
  baseUrl: string,
  tenant: string,
  message: Record<string, unknown>,
  secret = `${tenant}-web-secret`,
) => postSigned(`${baseUrl}/v1/${tenant}/web`, JSON.stringify(message), secret);

/** A WhatsApp Cloud API webhook carrying one message from `from`, shaped as test/fixtures/whatsapp/inbound-*.json. */
export function whatsappWebhook(
  from: string,
  message: Record<string, unknown>,
  phoneNumberId = '1234567890',
): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102938475610293',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
              contacts: [{ profile: { name: 'Test User' }, wa_id: from }],
              messages: [{ from, timestamp: nowSeconds(), ...message }],
            },
          },
        ],
      },
    ],
  });
}

/** A WhatsApp webhook with one text message. */
export function whatsappText(from: string, messageId: string, text: string): string {
  return whatsappWebhook(from, { id: messageId, type: 'text', text: { body: text } });
}

/** Meta's timestamps: Unix seconds, as a string. */
const nowSeconds = (): string => String(Math.floor(Date.now() / 1000));

/**
 * A file of test/fixtures/whatsapp (copied from the team's shared fixtures: real Meta shapes), its
 * timestamps set to now: Baton refuses a message older than Meta's retries as a replay.
 */
export function fixture(name: string): string {
  return readFileSync(path.join(__dirname, '..', 'fixtures', 'whatsapp', name), 'utf8').replace(
    /"timestamp": "\d+"/g,
    `"timestamp": "${nowSeconds()}"`,
  );
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
