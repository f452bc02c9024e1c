/** The demo tenants of the local contract (../shared/LOCAL-CONTRACT.md), wired to the simulators. */
import type { TenantConfig } from '../../shared/config/tenants';
import { parseTenants } from '../../shared/config/tenants';
import '../../shared/validation/english';

export const DEMO_TENANTS = ['demo', 'demo2', 'demo3'] as const;

/** Each demo tenant's WhatsApp number (Meta's `phone_number_id`), as the local contract names them. */
export const DEMO_PHONE_NUMBER_IDS: Record<(typeof DEMO_TENANTS)[number], string> = {
  demo: '1234567890',
  demo2: '2234567890',
  demo3: '3234567890',
};

const secretsOf = (tenant: string) => ({
  whatsappAppSecret: { value: `${tenant}-whatsapp-secret` },
  whatsappVerifyToken: { value: `${tenant}-verify-token` },
  webSigningSecret: { value: `${tenant}-web-secret` },
  botSigningSecret: { value: `${tenant}-bot-secret` },
  agentApiToken: { value: `${tenant}-agent-token` },
  deskSigningSecret: { value: `${tenant}-desk-secret` },
});

const NAME = {
  id: 'name',
  type: 'text',
  prompt: 'Before I connect you: what is your name?',
  reask: 'Please give a name of 1 to 100 characters.',
  minLength: 1,
  maxLength: 100,
} as const;
const EMAIL = {
  id: 'email',
  type: 'email',
  prompt: 'What is your email address?',
  reask: 'That does not look like an email address.',
} as const;

export function localTenants(
  simBaseUrl: string,
  overrides: Readonly<Record<string, Record<string, unknown>>> = {},
): TenantConfig[] {
  const common = (id: (typeof DEMO_TENANTS)[number], lockMinutes: number) => {
    const secrets = secretsOf(id);
    return {
      id,
      bot: {
        url: `${simBaseUrl}/bot/${id}`,
        eventsUrl: `${simBaseUrl}/bot-events/${id}`,
        signingSecret: secrets.botSigningSecret,
        timeoutMs: 2_000,
      },
      whatsapp: {
        graphApiUrl: `${simBaseUrl}/whatsapp`,
        apiVersion: 'v21.0',
        appSecret: secrets.whatsappAppSecret,
        verifyToken: secrets.whatsappVerifyToken,
        accessToken: { value: `${id}-graph-access-token` },
        timeoutMs: 2_000,
        phoneNumberIds: [DEMO_PHONE_NUMBER_IDS[id]],
      },
      web: {
        signingSecret: secrets.webSigningSecret,
        deliveryUrl: `${simBaseUrl}/web/${id}`,
        timeoutMs: 2_000,
      },
      webConversations: { handoverUrl: `${simBaseUrl}/webconv/${id}`, timeoutMs: 2_000 },
      agentApiToken: secrets.agentApiToken,
      // The local contract's callers sign the body alone; timestamped signatures are taken too.
      acceptUntimedSignatures: true,
      session: { lockMinutes },
      handoverEvent: 'handover',
    };
  };
  /**
   * MSC through the simulated router, on the tenant's own technical link; and a WhatsApp number on
   * the router whose chats Baton hosts, on the same link.
   */
  const onCmRouter = (id: string) => {
    const link = {
      apiUrl: `${simBaseUrl}/msc`,
      technicalLinkId: `${id}-technical-link`,
      productToken: { value: `${id}-product-token` },
      timeoutMs: 2_000,
    };
    return {
      desk: { type: 'msc', ...link, adapterId: `${id}-baton-adapter`, mscAdapterId: `${id}-msc-adapter` },
      router: { ...link, adapterId: `${id}-host-adapter`, channelAdapterId: `${id}-whatsapp-adapter` },
      presence: {
        type: 'msc',
        url: `${simBaseUrl}/presence`,
        apiKey: { value: `${id}-presence-key` },
        timeoutMs: 2_000,
      },
    } as const;
  };
  const tenants: Array<Record<string, unknown> & { id: string }> = [
    { ...common('demo', 24 * 60), ...onCmRouter('demo'), intake: { questions: [NAME, EMAIL] } },
    {
      ...common('demo2', 60),
      desk: {
        type: 'webhook',
        url: `${simBaseUrl}/agent-webhook/demo2`,
        signingSecret: secretsOf('demo2').deskSigningSecret,
        botId: 'demo2-bot',
        timeoutMs: 2_000,
        // The simulated desk claims every handover at once, as a staffed desk would.
        liveWhen: 'claimed',
      },
      presence: { type: 'webhook', url: `${simBaseUrl}/presence/webhook/demo2`, timeoutMs: 2_000 },
      // A second team: handovers with the skill `sales` go to its desk (live on acceptance), whose
      // presence is its own.
      desks: {
        sales: {
          desk: {
            type: 'webhook',
            url: `${simBaseUrl}/agent-webhook/demo2/sales`,
            signingSecret: { value: 'demo2-sales-desk-secret' },
            botId: 'demo2-bot',
            timeoutMs: 2_000,
          },
          presence: { type: 'webhook', url: `${simBaseUrl}/presence/webhook/demo2/sales`, timeoutMs: 2_000 },
          agentApiToken: { value: 'demo2-sales-agent-token' },
        },
      },
      skillRouting: { sales: 'sales' },
      intake: { questions: [EMAIL] },
    },
    // As demo, but the bot runs the prechat dialog, as in CM.com's own flow.
    { ...common('demo3', 24 * 60), ...onCmRouter('demo3'), intake: { by: 'bot' } },
  ];
  // Validated as merged: an override is held to the same schema as any tenant configuration.
  return parseTenants(tenants.map((tenant) => merged(tenant, overrides[tenant.id] ?? {})));
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `over` merged into `base`, object by object; arrays and other values replace what they meet. */
function merged(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const result = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? merged(current, value) : value;
  }
  return result;
}
