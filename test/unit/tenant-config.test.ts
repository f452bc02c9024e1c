/** Tenant configuration as code: validated at synth and on first use, with errors that name the field. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { localTenants } from '../../infra/local/tenants';
import { readEnvironment } from '../../shared/config/environment';
import { ConfigError, parseTenants } from '../../shared/config/tenants';

const example: unknown = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', 'infra', 'aws', 'tenants.example.json'), 'utf8'),
);

const minimal = {
  id: 'acme',
  bot: { url: 'https://bot.example.com', signingSecret: { secretId: 'baton/acme' } },
  agentApiToken: { secretId: 'baton/acme' },
  desk: {
    type: 'webhook',
    url: 'https://desk.example.com/hook',
    signingSecret: { secretId: 'baton/acme-desk' },
  },
  presence: { type: 'webhook', url: 'https://desk.example.com/presence' },
};

const MSC_DESK = {
  type: 'msc',
  technicalLinkId: 'link',
  adapterId: 'client',
  mscAdapterId: 'msc',
  productToken: { secretId: 'baton/acme' },
};

test('the example tenants file and the local demo tenants are valid', () => {
  expect(parseTenants(example).map((tenant) => tenant.id)).toEqual(['acme']);
  expect(
    localTenants('http://127.0.0.1:3000/sim').map((tenant) => [tenant.id, tenant.session.lockMinutes]),
  ).toEqual([
    ['demo', 1440],
    ['demo2', 60],
    ['demo3', 1440],
  ]);
});

test('defaults: 24 h lock, handover event "handover", 2 s presence timeout, 3 invalid answers, cancel words', () => {
  const [tenant] = parseTenants([minimal]);
  expect(tenant?.session.lockMinutes).toBe(1440);
  expect(tenant?.handoverEvent).toBe('handover');
  expect(tenant?.presence.timeoutMs).toBe(2000);
  expect(tenant?.intake).toEqual({
    by: 'baton',
    prechatEvent: 'prechat',
    questions: [],
    maxInvalidAttempts: 3,
    cancelWords: ['cancel', 'stop'],
    timeoutMinutes: 30,
  });
  expect(tenant?.bot.statusEvents).toBe(true);
  expect(tenant?.businessHours).toBeUndefined();
  expect(tenant?.messages.noAgents).toMatch(/no agents/i);
});

test.each([
  ['a missing desk', { ...minimal, desk: undefined }, 'desk'],
  ['an unknown desk type', { ...minimal, desk: { type: 'zendesk', url: 'https://x.example' } }, 'desk.type'],
  ['a bot URL that is not http(s)', { ...minimal, bot: { ...minimal.bot, url: 'ftp://bot' } }, 'bot.url'],
  ['an upper-case tenant id', { ...minimal, id: 'Acme' }, 'id'],
  ['an unknown field (a typo)', { ...minimal, sesion: { lockMinutes: 60 } }, 'sesion'],
  [
    'a choice question without choices',
    {
      ...minimal,
      intake: { questions: [{ id: 'topic', type: 'choice', prompt: 'Topic?', reask: 'Pick one.' }] },
    },
    'intake.questions[0].choices',
  ],
  [
    'two questions with one id',
    {
      ...minimal,
      intake: {
        questions: [
          { id: 'email', type: 'email', prompt: 'Email?', reask: 'Again?' },
          { id: 'email', type: 'text', prompt: 'Email again?', reask: 'Again?' },
        ],
      },
    },
    'intake.questions',
  ],
  ['a bot URL without a scheme', { ...minimal, bot: { ...minimal.bot, url: 'bot.example.com' } }, 'bot.url'],
  ['a bot URL without //', { ...minimal, bot: { ...minimal.bot, url: 'https:bot.example.com' } }, 'bot.url'],
  [
    'a bot URL with a newline',
    { ...minimal, bot: { ...minimal.bot, url: 'https://bot.example.com\n' } },
    'bot.url',
  ],
  ['a lock of 0 minutes', { ...minimal, session: { lockMinutes: 0 } }, 'session.lockMinutes'],
  [
    'a retention shorter than the agent lock',
    { ...minimal, retentionDays: 1, session: { lockMinutes: 2 * 24 * 60 } },
    'retentionDays',
  ],
  ['a retention of 0 days', { ...minimal, retentionDays: 0 }, 'retentionDays'],
  // The sweep must still find the item when the lock runs out: a day's margin.
  ['a retention of one day with a one-day lock', { ...minimal, retentionDays: 1 }, 'retentionDays'],
  ['a lock of 1.5 minutes', { ...minimal, session: { lockMinutes: 1.5 } }, 'session.lockMinutes'],
  ['a bot timeout over 25 s', { ...minimal, bot: { ...minimal.bot, timeoutMs: 25_001 } }, 'bot.timeoutMs'],
  ['an intake timeout of 0 minutes', { ...minimal, intake: { timeoutMinutes: 0 } }, 'intake.timeoutMinutes'],
  [
    'business hours in a time zone that does not exist',
    { ...minimal, businessHours: { timeZone: 'Europe/Atlantis', weekly: {} } },
    'businessHours.timeZone',
  ],
  [
    'business hours that end before they start',
    { ...minimal, businessHours: { timeZone: 'UTC', weekly: { mon: ['17:00-09:00'] } } },
    'businessHours.weekly.mon[0]',
  ],
  [
    'business hours that are not times',
    { ...minimal, businessHours: { timeZone: 'UTC', weekly: { mon: ['9-5'] } } },
    'businessHours.weekly.mon[0]',
  ],
  [
    'a weekday that does not exist',
    { ...minimal, businessHours: { timeZone: 'UTC', weekly: { monday: ['09:00-17:00'] } } },
    'monday',
  ],
  [
    'a holiday that is not a date',
    { ...minimal, businessHours: { timeZone: 'UTC', weekly: {}, holidays: ['25 December'] } },
    'businessHours.holidays[0]',
  ],
])('%s is refused, naming the field', (_name, tenant, field) => {
  expect(() => parseTenants([tenant])).toThrow(ConfigError);
  expect(() => parseTenants([tenant])).toThrow(field);
});

test('the errors say what was expected', () => {
  expect(() => parseTenants([{ ...minimal, session: { lockMinutes: 1.5 } }])).toThrow(
    'expected an integer from 1 to 10080',
  );
  expect(() => parseTenants([{ ...minimal, bot: { ...minimal.bot, url: 'ftp://bot' } }])).toThrow(
    'expected an http or https URL',
  );
});

test('a channel on the router with an MSC desk needs the router session as its lock: Baton sees no activity to slide it on', () => {
  const router = {
    technicalLinkId: 'link',
    adapterId: 'host',
    channelAdapterId: 'whatsapp',
    productToken: { secretId: 'baton/acme' },
  };
  const short = { ...minimal, router, desk: MSC_DESK, session: { lockMinutes: 60 } };
  expect(() => parseTenants([short])).toThrow(
    'session.lockMinutes: at least 1440 (the router session) with a router channel and an MSC desk',
  );
  expect(parseTenants([{ ...short, session: { lockMinutes: 1440 } }])).toHaveLength(1);
  // A generic desk keeps the chat with Baton, which slides the lock as for any channel.
  expect(parseTenants([{ ...minimal, router, session: { lockMinutes: 60 } }])).toHaveLength(1);
});

test('desks by skill: every skill routes to a named desk, named desks are generic webhook desks with names fit for a path', () => {
  const sales = {
    desk: {
      type: 'webhook',
      url: 'https://sales.example.com/hook',
      signingSecret: { value: 'sales-secret' },
    },
    agentApiToken: { value: 'sales-agent-token' },
  };
  const [tenant] = parseTenants([{ ...minimal, desks: { sales }, skillRouting: { sales: 'sales' } }]);
  expect(tenant?.desks?.sales?.desk).toMatchObject({
    type: 'webhook',
    liveWhen: 'accepted',
    timeoutMs: 5000,
  });
  expect(() =>
    parseTenants([{ ...minimal, desks: { sales }, skillRouting: { billing: 'billing' } }]),
  ).toThrow('skillRouting: every skill must route to a desk named in desks');
  expect(() => parseTenants([{ ...minimal, desks: { 'Sales Team': sales } }])).toThrow(
    'desk names: lowercase letters, digits and dashes, at most 40',
  );
  expect(() => parseTenants([{ ...minimal, desks: { sales: { ...sales, desk: MSC_DESK } } }])).toThrow(
    'named desks are generic webhook desks',
  );
  // Each desk reaches its own chats only: a named desk has a token of its own.
  expect(() => parseTenants([{ ...minimal, desks: { sales: { desk: sales.desk } } }])).toThrow(
    'desks.sales.agentApiToken',
  );
});

test('agent API tokens: one, or two while it is rotated, never more', () => {
  const token = (n: number) => ({ secretId: `baton/acme-agents-${n}` });
  expect(parseTenants([{ ...minimal, agentApiToken: [token(1), token(2)] }])[0]?.agentApiToken).toEqual([
    token(1),
    token(2),
  ]);
  expect(() => parseTenants([{ ...minimal, agentApiToken: [token(1), token(2), token(3)] }])).toThrow(
    'agentApiToken',
  );
  expect(() => parseTenants([{ ...minimal, agentApiToken: [] }])).toThrow('agentApiToken');
});

test('two tenants with one id are refused', () => {
  expect(() => parseTenants([minimal, minimal])).toThrow('tenant ids must be unique');
});

test('the Lambda environment fails fast, naming what is missing', () => {
  const env = {
    TABLE_NAME: 'table',
    EVENT_BUS_NAME: 'bus',
    BATON_TENANTS: JSON.stringify([minimal]),
    PUBLIC_API_URL: 'https://api.example.com/',
    BATON_REF_KEY_SECRET: 'baton/ref-key',
    BATON_TENANT_ROLE_ARN: 'arn:aws:iam::123456789012:role/baton-ingest-tenant',
  };
  expect(readEnvironment(env)).toMatchObject({ tableName: 'table', publicApiUrl: 'https://api.example.com' });
  expect(() => readEnvironment({ ...env, TABLE_NAME: undefined })).toThrow('TABLE_NAME');
  // The reference key: the stack's secret, or (outside AWS) a key of at least 32 characters.
  expect(readEnvironment(env).refKey).toEqual({ secretId: 'baton/ref-key' });
  expect(() => readEnvironment({ ...env, BATON_REF_KEY_SECRET: undefined })).toThrow(
    'set BATON_REF_KEY_SECRET (or, outside AWS, BATON_REF_KEY)',
  );
  expect(() => readEnvironment({ ...env, BATON_REF_KEY_SECRET: undefined, BATON_REF_KEY: 'short' })).toThrow(
    'BATON_REF_KEY',
  );
  expect(() => readEnvironment({ ...env, BATON_TENANTS: '[{' })).toThrow('BATON_TENANTS is not valid JSON');
  expect(() => readEnvironment({ ...env, BATON_TENANTS: '[]' })).toThrow(ConfigError);
  expect(() => readEnvironment({ ...env, BATON_TENANTS: undefined })).toThrow(
    'set BATON_TENANTS or BATON_TENANTS_FILE',
  );
  // The role it takes on per tenant, and where the tenants' secrets are that it reads.
  expect(() => readEnvironment({ ...env, BATON_TENANT_ROLE_ARN: undefined })).toThrow(
    'BATON_TENANT_ROLE_ARN',
  );
  expect(
    readEnvironment({ ...env, BATON_SECRET_PATHS: 'bot.signingSecret,desk.productToken' }),
  ).toMatchObject({
    tenantRoleArn: 'arn:aws:iam::123456789012:role/baton-ingest-tenant',
    secretPaths: ['bot.signingSecret', 'desk.productToken'],
  });
  expect(() => readEnvironment({ ...env, BATON_SECRET_PATHS: 'bot.signingSecret,bot.password' })).toThrow(
    'BATON_SECRET_PATHS',
  );
});

test('a function finds its tenants by id at once and checks each in full when first asked for it', () => {
  const broken = { ...minimal, id: 'broken', bot: { ...minimal.bot, url: 'ftp://bot' } };
  const env = {
    TABLE_NAME: 'table',
    EVENT_BUS_NAME: 'bus',
    BATON_TENANTS: JSON.stringify([minimal, broken]),
    PUBLIC_API_URL: 'https://api.example.com',
    BATON_REF_KEY_SECRET: 'baton/ref-key',
    BATON_TENANT_ROLE_ARN: 'arn:aws:iam::123456789012:role/baton-ingest-tenant',
  };
  const { tenants } = readEnvironment(env);
  expect(tenants.ids()).toEqual(['acme', 'broken']);
  // The tenant as the full schema makes it (defaults filled in), the same object on every ask.
  expect(tenants.get('acme')).toEqual(parseTenants([minimal])[0]);
  expect(tenants.get('acme')).toBe(tenants.get('acme'));
  expect(tenants.get('nobody')).toBeUndefined();
  // A broken entry fails its own tenant, naming it and the field; the others go on.
  expect(() => tenants.get('broken')).toThrow(ConfigError);
  expect(() => tenants.get('broken')).toThrow(/tenant broken[\s\S]*bot\.url/);
  // What finding a tenant needs is still checked at cold start.
  expect(() => readEnvironment({ ...env, BATON_TENANTS: JSON.stringify([minimal, minimal]) })).toThrow(
    'tenant ids must be unique',
  );
  expect(() =>
    readEnvironment({ ...env, BATON_TENANTS: JSON.stringify([{ ...minimal, id: 'Acme' }]) }),
  ).toThrow(ConfigError);
  expect(() => readEnvironment({ ...env, BATON_TENANTS: '{"id":"acme"}' })).toThrow(ConfigError);
});

test('in AWS the tenants come from the file bundled into the function package', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-env-'));
  writeFileSync(path.join(dir, 'tenants.json'), JSON.stringify([minimal]));
  const env = {
    TABLE_NAME: 't',
    EVENT_BUS_NAME: 'b',
    PUBLIC_API_URL: 'https://api.example.com',
    BATON_REF_KEY_SECRET: 'baton/ref-key',
    BATON_TENANT_ROLE_ARN: 'arn:aws:iam::123456789012:role/baton-ingest-tenant',
  };
  expect(
    readEnvironment({ ...env, BATON_TENANTS_FILE: 'tenants.json', LAMBDA_TASK_ROOT: dir }).tenants.get('acme')
      ?.id,
  ).toBe('acme');
  rmSync(dir, { recursive: true, force: true });
});

test('the Web Conversations notice is signed: with its own secret, or the web chat’s', () => {
  const webConversations = { handoverUrl: 'https://webconv.example/handover' };
  expect(() => parseTenants([{ ...minimal, webConversations }])).toThrow(
    'webConversations.signingSecret: a signing secret, or a web chat whose signing secret signs the notice',
  );
  const own = { ...webConversations, signingSecret: { value: 'w' } };
  expect(parseTenants([{ ...minimal, webConversations: own }])).toHaveLength(1);
});

describe('WhatsApp numbers: each tenant names its own, and a number is one tenant’s', () => {
  const env = {
    TABLE_NAME: 'table',
    EVENT_BUS_NAME: 'bus',
    PUBLIC_API_URL: 'https://api.example.com',
    BATON_REF_KEY_SECRET: 'baton/ref-key',
    BATON_TENANT_ROLE_ARN: 'arn:aws:iam::123456789012:role/baton-ingest-tenant',
  };
  const whatsapp = (phoneNumberIds?: string[]) => ({
    appSecret: { secretId: 'baton/app' },
    verifyToken: { secretId: 'baton/app' },
    accessToken: { secretId: 'baton/app' },
    ...(phoneNumberIds ? { phoneNumberIds } : {}),
  });

  test('a WhatsApp channel without its numbers is refused', () => {
    expect(() => parseTenants([{ ...minimal, whatsapp: whatsapp() }])).toThrow('whatsapp.phoneNumberIds');
  });

  test('two tenants naming one number are refused, at synth and in a function', () => {
    const tenants = [
      { ...minimal, whatsapp: whatsapp(['111']) },
      { ...minimal, id: 'globex', whatsapp: whatsapp(['222', '111']) },
    ];
    expect(() => parseTenants(tenants)).toThrow('a WhatsApp phoneNumberId belongs to one tenant only');
    expect(() => readEnvironment({ ...env, BATON_TENANTS: JSON.stringify(tenants) })).toThrow(
      'a WhatsApp phoneNumberId belongs to one tenant only',
    );
  });

  test('a function finds the owner of a number without checking every tenant first', () => {
    const tenants = [
      { ...minimal, whatsapp: whatsapp(['111']) },
      { ...minimal, id: 'globex', whatsapp: whatsapp(['222', '333']) },
    ];
    const directory = readEnvironment({ ...env, BATON_TENANTS: JSON.stringify(tenants) }).tenants;
    expect(['111', '222', '333', '444'].map((number) => directory.ownerOfNumber(number))).toEqual([
      'acme',
      'globex',
      'globex',
      undefined,
    ]);
  });
});

describe("the tenant's transcript settings", () => {
  test('defaults: the last 20 messages, kept 720 hours, card numbers redacted, no patterns', () => {
    const [tenant] = parseTenants([minimal]);
    expect(tenant?.transcript).toEqual({
      messages: 20,
      retentionHours: 720,
      redact: { cardNumbers: true, patterns: [] },
    });
  });

  test('a partial section takes the defaults for the rest', () => {
    const [tenant] = parseTenants([
      { ...minimal, transcript: { messages: 5, redact: { cardNumbers: false } } },
    ]);
    expect(tenant?.transcript).toEqual({
      messages: 5,
      retentionHours: 720,
      redact: { cardNumbers: false, patterns: [] },
    });
  });

  test('the bounds themselves are accepted', () => {
    for (const transcript of [
      { messages: 0, retentionHours: 1 },
      { messages: 50, retentionHours: 720, redact: { patterns: ['secret-\\d+'] } },
    ]) {
      const [tenant] = parseTenants([{ ...minimal, transcript }]);
      expect(tenant?.transcript).toMatchObject(transcript);
    }
  });

  test.each([
    ['an invalid pattern', { redact: { patterns: ['('] } }, 'transcript.redact.patterns'],
    [
      'an invalid pattern after a valid one',
      { redact: { patterns: ['ok', '[a-'] } },
      'transcript.redact.patterns',
    ],
    ['more than 50 messages', { messages: 51 }, 'transcript.messages'],
    ['a negative number of messages', { messages: -1 }, 'transcript.messages'],
    ['a retention of 0 hours', { retentionHours: 0 }, 'transcript.retentionHours'],
    ['a retention over 720 hours', { retentionHours: 721 }, 'transcript.retentionHours'],
  ])('%s is refused, naming the field', (_, transcript, field) => {
    expect(() => parseTenants([{ ...minimal, transcript }])).toThrow(ConfigError);
    expect(() => parseTenants([{ ...minimal, transcript }])).toThrow(field);
  });
});
