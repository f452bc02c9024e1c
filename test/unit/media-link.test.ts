/** Media link tokens: only a link signed here, for this tenant and not expired, is good. */
import { checkMediaToken, MEDIA_PATH, signMediaToken } from '../../shared/media/media-link';

const KEY = 'unit-test-media-link-key-0123456789';
const NOW = Date.UTC(2026, 11, 5, 12);
const claims = { mediaId: '1003383421387256', phoneNumberId: '1234567890', expiresAt: NOW + 60_000 };

test('a signed link is good until it expires, to the second, and says what it names', () => {
  const token = signMediaToken(KEY, 'acme', claims);
  expect(checkMediaToken(KEY, 'acme', token, NOW)).toEqual({ outcome: 'valid', claims });
  expect(checkMediaToken(KEY, 'acme', token, NOW + 59_999).outcome).toBe('valid');
  expect(checkMediaToken(KEY, 'acme', token, NOW + 60_000)).toEqual({ outcome: 'expired' });
  expect(`/v1/acme/media/${token}`).toMatch(MEDIA_PATH);
});

test('another tenant, another key, or any changed character is invalid', () => {
  const token = signMediaToken(KEY, 'acme', claims);
  expect(checkMediaToken(KEY, 'globex', token, NOW)).toEqual({ outcome: 'invalid' });
  expect(checkMediaToken(`${KEY}x`, 'acme', token, NOW)).toEqual({ outcome: 'invalid' });
  for (let i = 0; i < token.length; i += 1) {
    if (token[i] === '.') continue;
    // Every one, the signature's last (whose low bits base64url leaves unused) included.
    for (const other of ['A', 'B']) {
      if (token[i] === other) continue;
      const changed = `${token.slice(0, i)}${other}${token.slice(i + 1)}`;
      expect({ i, check: checkMediaToken(KEY, 'acme', changed, NOW) }).toEqual({
        i,
        check: { outcome: 'invalid' },
      });
    }
  }
});

test('a signature spelt another way (the unused low bits of its last character) is invalid', () => {
  const [payload = '', signature = ''] = signMediaToken(KEY, 'acme', claims).split('.');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(signature.at(-1) ?? '');
  const respelt = `${signature.slice(0, -1)}${alphabet[last ^ 1]}`;
  // The same bytes: a decoder that does not insist on the canonical form would take it.
  expect(Buffer.from(respelt, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
  expect(checkMediaToken(KEY, 'acme', `${payload}.${respelt}`, NOW)).toEqual({ outcome: 'invalid' });
});

test('an expired link is told apart only when it is genuine (a forged one is just invalid)', () => {
  const forged = `${Buffer.from(JSON.stringify({ m: 'x', p: 'y', e: 1 })).toString('base64url')}.${'A'.repeat(43)}`;
  expect(checkMediaToken(KEY, 'acme', forged, NOW)).toEqual({ outcome: 'invalid' });
});

test('tokens of any other shape are invalid, never an exception', () => {
  const payloadOnly = Buffer.from('{"m":"1","p":"2","e":1}').toString('base64url');
  for (const token of ['', '.', 'a.b.c', payloadOnly, `${payloadOnly}.`, '%%%.%%%', 'x'.repeat(5000)])
    expect(checkMediaToken(KEY, 'acme', token, NOW)).toEqual({ outcome: 'invalid' });
});
