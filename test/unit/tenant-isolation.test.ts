/**
 * What a function may reach when it acts for a tenant: locally the leading-keys guard (IAM's
 * `dynamodb:LeadingKeys` on the tenant role, stood in for), in AWS the session policy that narrows the
 * tenant role to that tenant's secrets.
 */
import { partitionKeysOf, refusal } from '../../infra/local/leading-keys-guard';
import { parseTenants } from '../../shared/config/tenants';
import { tenantSessionPolicy } from '../../shared/runtime/tenant-credentials';
import { conversationKey, idempotencyKey, PHASE_INDEX, phaseKey } from '../../shared/store/keys';

const acme = { tenantId: 'acme' };
const mine = conversationKey('acme', 'c-1');
const theirs = conversationKey('acme2', 'c-1');

describe('the local leading-keys guard', () => {
  it('lets a tenant reach its own items, by every request shape the stores make', () => {
    expect(refusal(acme, 'GetItemCommand', { Key: mine })).toBeUndefined();
    expect(refusal(acme, 'PutItemCommand', { Item: { ...mine, version: 1 } })).toBeUndefined();
    expect(refusal(acme, 'UpdateItemCommand', { Key: mine })).toBeUndefined();
    expect(
      refusal(acme, 'DeleteItemCommand', { Key: idempotencyKey('acme', 'c-1', 'once', 'x') }),
    ).toBeUndefined();
    expect(
      refusal(acme, 'TransactWriteItemsCommand', {
        TransactItems: [
          { Put: { Item: { ...idempotencyKey('acme', 'c-1', 'msg', 'm') } } },
          { Update: { Key: mine } },
        ],
      }),
    ).toBeUndefined();
    expect(
      refusal(acme, 'QueryCommand', {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': mine.pk },
      }),
    ).toBeUndefined();
    // Marshalled input (the low-level client) reads the same.
    expect(
      refusal(acme, 'GetItemCommand', { Key: { pk: { S: mine.pk }, sk: { S: 'STATE' } } }),
    ).toBeUndefined();
  });

  it("refuses another tenant's item, even one whose id starts with this tenant's", () => {
    expect(refusal(acme, 'GetItemCommand', { Key: theirs })).toMatch('outside tenant acme');
    expect(
      refusal(acme, 'TransactWriteItemsCommand', {
        TransactItems: [{ Update: { Key: mine } }, { ConditionCheck: { Key: theirs } }],
      }),
    ).toMatch('outside tenant acme');
    expect(
      refusal(acme, 'QueryCommand', {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': theirs.pk },
      }),
    ).toMatch('outside tenant acme');
  });

  it('fails closed: a request whose keys it cannot read, an index query, a scan', () => {
    expect(refusal(acme, 'GetItemCommand', {})).toMatch('outside tenant acme');
    expect(refusal(acme, 'QueryCommand', { IndexName: 'expiry-sweep' })).toMatch('not an item request');
    expect(refusal(acme, 'ScanCommand', { TableName: 'baton' })).toMatch('not an item request');
    expect(partitionKeysOf('BatchWriteItemCommand', {})).toBeUndefined();
  });

  it("lets a tenant query the phase index on its own partitions only (an operator's listing)", () => {
    const query = (tenantId: string) => ({
      IndexName: PHASE_INDEX,
      KeyConditionExpression: 'phaseKey = :phaseKey',
      ExpressionAttributeValues: { ':phaseKey': phaseKey(tenantId, 'agent') },
    });
    expect(refusal(acme, 'QueryCommand', query('acme'))).toBeUndefined();
    expect(refusal(acme, 'QueryCommand', query('acme2'))).toMatch('outside tenant acme');
    expect(
      refusal(acme, 'QueryCommand', { ...query('acme'), KeyConditionExpression: 'pk = :phaseKey' }),
    ).toMatch('outside tenant acme');
    expect(refusal('function', 'QueryCommand', query('acme'))).toMatch("a function's own credentials");
  });

  it("gives a function's own client the expiry index and nothing else", () => {
    expect(refusal('function', 'QueryCommand', { IndexName: 'expiry-sweep' })).toBeUndefined();
    expect(refusal('function', 'GetItemCommand', { Key: mine })).toMatch("a function's own credentials");
    expect(refusal('function', 'QueryCommand', { KeyConditionExpression: 'pk = :pk' })).toMatch(
      "a function's own credentials",
    );
  });
});

describe("a tenant session's policy", () => {
  const [tenant] = parseTenants([
    {
      id: 'acme',
      bot: { url: 'https://bot.example.com', signingSecret: { secretId: 'acme/bot' } },
      desk: {
        type: 'webhook',
        url: 'https://desk.example.com',
        signingSecret: {
          secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:acme/desk-AbCdEf',
          field: 'hook',
        },
      },
      agentApiToken: { secretId: 'acme/agents' },
      presence: { type: 'webhook', url: 'https://presence.example.com' },
    },
  ]);
  if (!tenant) throw new Error('no tenant');
  const prefix = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:';

  it("names the tenant's secrets at the function's paths, and only those", () => {
    const policy = JSON.parse(
      tenantSessionPolicy(tenant, ['bot.signingSecret', 'desk.signingSecret'], prefix),
    );
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Resource: '*',
        Action: expect.arrayContaining(['dynamodb:GetItem']),
      }),
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: [
          `${prefix}acme/bot-??????`,
          // An ARN is taken as it is.
          'arn:aws:secretsmanager:eu-west-1:1:secret:acme/desk-AbCdEf',
        ],
      },
    ]);
    // A function that reads none of them gets no secrets statement at all.
    const none = JSON.parse(tenantSessionPolicy(tenant, [], prefix));
    expect(none.Statement).toHaveLength(1);
  });

  it('refuses a policy longer than STS takes, saying what to do', () => {
    const many = parseTenants([
      {
        id: 'many',
        bot: { url: 'https://bot.example.com', signingSecret: { secretId: 'b' } },
        agentApiToken: { secretId: 'a' },
        desk: { type: 'webhook', url: 'https://desk.example.com', signingSecret: { secretId: 'd' } },
        presence: { type: 'webhook', url: 'https://presence.example.com' },
        desks: Object.fromEntries(
          Array.from({ length: 30 }, (_, i) => [
            `desk${i}`,
            {
              desk: {
                type: 'webhook',
                url: 'https://desk.example.com',
                signingSecret: { secretId: `tenant-many/desk-hook-secret-${i}` },
              },
              agentApiToken: { secretId: `tenant-many/agents-${i}` },
            },
          ]),
        ),
      },
    ])[0];
    if (!many) throw new Error('no tenant');
    expect(() => tenantSessionPolicy(many, ['desk.signingSecret'], prefix)).toThrow(
      /tenant many: its 31 secrets make a session policy of \d+ characters \(STS takes 2048\)/,
    );
  });
});
