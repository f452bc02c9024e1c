/**
 * Conversations and ids are named in logs and events by references keyed with the deployment's
 * secret (HMAC-SHA-256): without the key nobody can try every phone number to find a user's.
 */
import { createHash, createHmac } from 'node:crypto';
import { conversationRef, idRef, useRefKey } from '../../shared/log/logger';

const JEST_KEY = 'jest-reference-key-0123456789abcdef';
afterEach(() => useRefKey(JEST_KEY));

test('a conversation reference is the HMAC of tenant and id under the key, 128 bits of it', () => {
  const expected = createHmac('sha256', JEST_KEY)
    .update('acme\u0000wa:31612345678')
    .digest('hex')
    .slice(0, 32);
  expect(conversationRef('acme', 'wa:31612345678')).toBe(`c-${expected}`);
  expect(idRef('wamid.HBgLMzE2MTIzNDU2NzgV')).toMatch(/^i-[0-9a-f]{32}$/);
});

test('without the key the reference cannot be recomputed: the plain hash of a guessed number is not it', () => {
  const guess = createHash('sha256').update('acme\u0000wa:31612345678').digest('hex');
  const ref = conversationRef('acme', 'wa:31612345678');
  expect(ref).not.toContain(guess.slice(0, 16));
  useRefKey('another-deployment-key-0123456789abcdef');
  expect(conversationRef('acme', 'wa:31612345678')).not.toBe(ref);
});

test('a short key is refused: a key too easy to guess is as good as none', () => {
  expect(() => useRefKey('short')).toThrow('at least 32 characters');
});
