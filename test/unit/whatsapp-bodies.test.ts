/**
 * The Cloud API messages Baton makes of one message, for every mix of text, file, buttons and list:
 * each one a body Meta's messages reference allows (the simulator's schema, written from it).
 */
import { invalidParameter, whatsappSendSchema } from '../../infra/local/whatsapp-send-sim';
import type { OutgoingMessage } from '../../shared/clients/outgoing-message';
import { whatsappMessageBodies } from '../../shared/clients/whatsapp-sender';
import { SERVICE_WINDOW_MS, windowClosed } from '../../shared/domain/service-window';
import { OUTBOUND_MEDIA_TYPES } from '../../shared/events/rich-content';

const buttons = [
  { payload: 'YES', title: 'Yes' },
  { payload: 'NO', title: 'No' },
];
const list = { button: 'Options', sections: [{ rows: [{ id: 'A', title: 'A' }] }] };
const texts = ['', 'Hello', 'x'.repeat(1024), 'y'.repeat(1025)];

const cases: Array<[string, OutgoingMessage]> = [];
for (const text of texts) {
  cases.push([`text ${text.length}`, { text }]);
  for (const type of OUTBOUND_MEDIA_TYPES) {
    const media = { type, url: `https://files.example.com/f.${type}`, caption: 'cap', filename: 'f.pdf' };
    cases.push([`${type}, text ${text.length}`, { text, media }]);
    if (text && text.length <= 1024) cases.push([`${type} + buttons`, { text, media, buttons }]);
    if (text) cases.push([`${type} + list`, { text, media, list }]);
  }
  if (text && text.length <= 1024) cases.push([`buttons, text ${text.length}`, { text, buttons }]);
  if (text) cases.push([`list, text ${text.length}`, { text, list }]);
}

test.each(cases.filter(([, message]) => message.text || message.media))(
  '%s: every body is one Meta takes',
  (_name, message) => {
    const bodies = whatsappMessageBodies('31600000000', message);
    expect(bodies.length).toBeGreaterThanOrEqual(1);
    expect(bodies.length).toBeLessThanOrEqual(2);
    for (const body of bodies) {
      const parsed = whatsappSendSchema.safeParse(body);
      expect(parsed.success ? 'ok' : invalidParameter(parsed.error)).toBe('ok');
    }
  },
);

test('one message where Meta’s shapes allow it; two, text first, where they do not', () => {
  const types = (message: OutgoingMessage) => whatsappMessageBodies('1', message).map((body) => body.type);
  const image = { type: 'image' as const, url: 'https://x.example/i.jpg' };
  const audio = { type: 'audio' as const, url: 'https://x.example/a.ogg' };
  expect(types({ text: 'look', media: image })).toEqual(['image']);
  expect(types({ text: 'look', media: image, buttons })).toEqual(['interactive']);
  expect(types({ text: 'listen', media: audio })).toEqual(['text', 'audio']);
  expect(types({ text: 'z'.repeat(2000), media: image })).toEqual(['text', 'image']);
  expect(types({ text: 'pick', media: image, list })).toEqual(['image', 'interactive']);
});

test('the window closes 24 hours after the user last wrote, on WhatsApp only', () => {
  const whatsapp = { type: 'whatsapp' as const, waId: '1', phoneNumberId: '2' };
  expect(windowClosed({ channel: whatsapp, lastUserAt: 0 }, SERVICE_WINDOW_MS - 1)).toBe(false);
  expect(windowClosed({ channel: whatsapp, lastUserAt: 0 }, SERVICE_WINDOW_MS)).toBe(true);
  expect(windowClosed({ channel: whatsapp, lastUserAt: undefined }, 10 * SERVICE_WINDOW_MS)).toBe(false);
  expect(windowClosed({ channel: { type: 'web' }, lastUserAt: 0 }, 10 * SERVICE_WINDOW_MS)).toBe(false);
});
