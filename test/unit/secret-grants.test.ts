/** Which secrets a function may read: those at its declared paths, named desks included; nothing else. */
import { grantedSecrets } from '../../infra/secret-grants';
import { secretRefsOf } from '../../shared/config/secret-paths';
import { literalSecrets } from '../../shared/config/secrets';
import { parseTenants } from '../../shared/config/tenants';

const [tenant] = parseTenants([
  {
    id: 'acme',
    bot: { url: 'https://bot.example.com', signingSecret: { value: 'bot' } },
    agentApiToken: [{ value: 'agents-old' }, { value: 'agents-new' }],
    desk: { type: 'webhook', url: 'https://desk.example.com', signingSecret: { value: 'desk' } },
    presence: { type: 'msc', apiKey: { value: 'presence' } },
    desks: {
      sales: {
        desk: { type: 'webhook', url: 'https://sales.example.com', signingSecret: { value: 'sales-desk' } },
        presence: { type: 'msc', apiKey: { value: 'sales-presence' } },
        agentApiToken: { value: 'sales-agents' },
      },
    },
  },
]);
const tenants = tenant ? [tenant] : [];

test('a path covers the default desk and every named desk', () => {
  const values = (paths: Parameters<typeof secretRefsOf>[1]) =>
    secretRefsOf(tenants, paths).map((ref) => ('value' in ref ? ref.value : ref.secretId));
  expect(values(['desk.signingSecret'])).toEqual(['desk', 'sales-desk']);
  expect(values(['presence.apiKey'])).toEqual(['presence', 'sales-presence']);
  expect(values(['agentApiToken'])).toEqual(['agents-old', 'agents-new', 'sales-agents']);
  // Parts the tenant does not use name nothing.
  expect(values(['whatsapp.accessToken', 'router.productToken', 'desk.productToken'])).toEqual([]);
});

test('locally a function reads what it is granted, and another secret fails as IAM would', async () => {
  const secrets = grantedSecrets(
    literalSecrets,
    secretRefsOf(tenants, ['presence.apiKey']),
    'check-presence',
  );
  await expect(secrets.resolve({ value: 'sales-presence' })).resolves.toBe('sales-presence');
  await expect(secrets.resolve({ value: 'bot' })).rejects.toThrow(
    'check-presence is not granted this secret',
  );
});
