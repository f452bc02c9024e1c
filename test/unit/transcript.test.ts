/** The transcript a desk gets with a handover: redaction, the kept entries, and each desk's shape within its limit. */
import {
  type DeskTranscriptEntry,
  TRANSCRIPT_HEADING,
  transcriptText,
  webhookTranscript,
} from '../../shared/clients/desk-transcript';
import { isValidPattern, passesLuhn, redactor } from '../../shared/domain/redaction';
import {
  botEntry,
  newestThatFit,
  TRANSCRIPT_STORED_MAX_BYTES,
  TRANSCRIPT_TEXT_MAX,
  type TranscriptEntry,
  transcriptAt,
  userEntry,
  withEntries,
} from '../../shared/domain/transcript';
import type { Attachment } from '../../shared/events/attachment';

const HOUR = 3_600_000;
/** 2024-05-01 09:30:45 UTC. */
const T0 = Date.UTC(2024, 4, 1, 9, 30, 45);

/** Cards redacted, and the tenant's one pattern (`secret`). */
const redact = redactor({ cardNumbers: true, patterns: ['secret'] });

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');
const jsonBytes = (value: unknown): number => bytes(JSON.stringify(value));

// ---------------------------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------------------------

describe('card numbers', () => {
  const cards = redactor({ cardNumbers: true, patterns: [] });

  test.each([
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '4111111111111111',
    '5500 0000 0000 0004',
    '5500-0000-0000-0004',
    '5500000000000004',
    '3782 822463 10005',
    '3782-822463-10005',
    '378282246310005',
  ])('a test card number written %p is redacted', (card) => {
    expect(cards(`My card is ${card}, thanks`)).toBe('My card is [card number], thanks');
  });

  test('every card number in a text is redacted, with letters right next to it', () => {
    expect(cards('card:4111111111111111 and 378282246310005.')).toBe('card:[card number] and [card number].');
  });

  test('the Luhn check', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('5500000000000004')).toBe(true);
    expect(passesLuhn('378282246310005')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
    expect(passesLuhn('378282246310006')).toBe(false);
  });

  test.each([
    ['16 digits that fail the Luhn check', 'My card is 4111 1111 1111 1112'],
    ['16 digits that fail the Luhn check, unspaced', 'My card is 4111111111111112'],
    ['an order number', 'Order 1234567 has not arrived'],
    ['a phone number', 'Call me on +31 6 12345678'],
    ['a 12-digit number that passes Luhn', 'Reference 411111111113'],
    ['a card number glued to more digits after it (20 digits)', 'Ref 41111111111111111111'],
    ['a card number glued to more digits before it (20 digits)', 'Ref 12344111111111111111'],
    ['a card number inside 24 digits', 'Ref 000041111111111111110000'],
  ])('%s is left alone', (_, text) => {
    expect(cards(text)).toBe(text);
  });

  test.each([
    ['followed by a CVV', 'My card is 4111 1111 1111 1111 123', 'My card is [card number] 123'],
    ['followed by an expiry', 'Card 4111111111111111 12 25', 'Card [card number] 12 25'],
    ['after a quantity', 'qty 3 4111 1111 1111 1111', 'qty 3 [card number]'],
    ['after a quantity, dashed', 'qty 3-5500-0000-0000-0004', 'qty 3-[card number]'],
    ['written with dots', 'card 4111.1111.1111.1111 ok', 'card [card number] ok'],
    ['with spaced dashes', 'card 4111 - 1111 - 1111 - 1111', 'card [card number]'],
    ['with slashes', 'card 4111/1111/1111/1111', 'card [card number]'],
    ['over two lines', 'card 4111 1111\n1111 1111', 'card [card number]'],
    ['with double spaces', 'card 4111  1111  1111  1111', 'card [card number]'],
  ])('a card number beside a short number is still found: %s', (_, text, redacted) => {
    expect(cards(text)).toBe(redacted);
  });

  test('cardNumbers: false leaves card numbers alone', () => {
    const text = 'My card is 4111 1111 1111 1111';
    expect(redactor({ cardNumbers: false, patterns: [] })(text)).toBe(text);
    expect(redactor({ cardNumbers: false, patterns: ['card'] })(text)).toBe(
      'My [redacted] is 4111 1111 1111 1111',
    );
  });
});

describe("the tenant's patterns", () => {
  const tenant = redactor({ cardNumbers: true, patterns: ['secret-\\d+', 'NL\\d{2}[A-Z]{4}\\d{10}'] });

  test('every match of every pattern is redacted, case-insensitively', () => {
    const text = 'Secret-1, SECRET-22 and secret-333; IBAN nl91abna0417164300, card 4111111111111111';
    expect(tenant(text)).toBe('[redacted], [redacted] and [redacted]; IBAN [redacted], card [card number]');
  });

  test('a redactor gives the same answer each time (no state left between texts)', () => {
    expect(tenant('secret-1 secret-2')).toBe('[redacted] [redacted]');
    expect(tenant('secret-1 secret-2')).toBe('[redacted] [redacted]');
    expect(tenant('nothing here')).toBe('nothing here');
  });

  test('isValidPattern tells a regular expression from a broken one', () => {
    expect(isValidPattern('(')).toBe(false);
    expect(isValidPattern('[a-')).toBe(false);
    expect(isValidPattern('secret-\\d+')).toBe(true);
    expect(isValidPattern('^(?:[A-Z]{2}\\d{2})\\s?\\w+$')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

describe('userEntry', () => {
  test("the text is redacted; the entry is the user's, at the message's receivedAt", () => {
    expect(
      userEntry({ id: 'm1', text: 'My secret card: 4111 1111 1111 1111', receivedAt: T0 }, redact),
    ).toStrictEqual({ from: 'user', at: T0, text: 'My [redacted] card: [card number]' });
  });

  test(`a long text is cut to ${TRANSCRIPT_TEXT_MAX} characters, ending with …`, () => {
    const entry = userEntry({ id: 'm1', text: 'a'.repeat(5000), receivedAt: T0 }, redact);
    expect(entry?.text).toHaveLength(TRANSCRIPT_TEXT_MAX);
    expect(entry?.text).toBe(`${'a'.repeat(TRANSCRIPT_TEXT_MAX - 1)}…`);
  });

  test(`a text of exactly ${TRANSCRIPT_TEXT_MAX} characters is kept whole`, () => {
    const text = 'b'.repeat(TRANSCRIPT_TEXT_MAX);
    expect(userEntry({ id: 'm1', text, receivedAt: T0 }, redact)?.text).toBe(text);
  });

  test('the cut never splits an emoji (the text stays well-formed)', () => {
    const text = `${'a'.repeat(TRANSCRIPT_TEXT_MAX - 2)}😀 more`;
    const kept = userEntry({ id: 'm1', text, receivedAt: T0 }, redact)?.text ?? '';
    // A lone surrogate would not survive a round trip through UTF-8.
    expect(Buffer.from(kept, 'utf8').toString('utf8')).toBe(kept);
    expect(kept).toBe(`${'a'.repeat(TRANSCRIPT_TEXT_MAX - 2)}…`);
  });

  test('a card number across the cut is redacted before the text is cut (no digits survive)', () => {
    const text = `${'a'.repeat(TRANSCRIPT_TEXT_MAX - 10)} 4111 1111 1111 1111`;
    const kept = userEntry({ id: 'm1', text, receivedAt: T0 }, redact)?.text;
    expect(kept).toHaveLength(TRANSCRIPT_TEXT_MAX);
    expect(kept).not.toMatch(/\d/);
  });

  test('a message with only a payload (a button press) or empty text has nothing to show', () => {
    expect(
      userEntry({ id: 'm1', payload: 'LIVECHAT_SESSION_START', receivedAt: T0 }, redact),
    ).toBeUndefined();
    expect(userEntry({ id: 'm1', text: '', receivedAt: T0 }, redact)).toBeUndefined();
  });

  test('a file keeps its media id and type; its caption and file name are redacted and cut', () => {
    const captionStart = '[redacted] statement of [card number] ';
    const entry = userEntry(
      {
        id: 'm1',
        attachment: {
          type: 'document',
          mediaId: 'media-secret-1',
          mimeType: 'application/pdf',
          caption: `Secret statement of 4111-1111-1111-1111 ${'x'.repeat(2000)}`,
          filename: 'SECRET.pdf',
        },
        receivedAt: T0,
      },
      redact,
    );
    expect(entry).toEqual({
      from: 'user',
      at: T0,
      attachment: {
        type: 'document',
        mediaId: 'media-secret-1',
        mimeType: 'application/pdf',
        caption: `${captionStart}${'x'.repeat(TRANSCRIPT_TEXT_MAX - 1 - captionStart.length)}…`,
        filename: '[redacted].pdf',
      },
    });
    expect(entry?.text).toBeUndefined();
  });

  test('text and a file together are both kept', () => {
    const entry = userEntry(
      {
        id: 'm1',
        text: 'the secret photo',
        attachment: { type: 'image', mediaId: 'img-1', mimeType: 'image/jpeg', caption: 'secret' },
        receivedAt: T0,
      },
      redact,
    );
    expect(entry).toEqual({
      from: 'user',
      at: T0,
      text: 'the [redacted] photo',
      attachment: { type: 'image', mediaId: 'img-1', mimeType: 'image/jpeg', caption: '[redacted]' },
    });
  });

  test("a place's name and address are redacted, its coordinates kept", () => {
    const entry = userEntry(
      {
        id: 'm1',
        attachment: {
          type: 'location',
          latitude: 52.3676,
          longitude: 4.9041,
          name: 'Secret hideout',
          address: 'Card street 4111111111111111',
        },
        receivedAt: T0,
      },
      redact,
    );
    expect(entry?.attachment).toEqual({
      type: 'location',
      latitude: 52.3676,
      longitude: 4.9041,
      name: '[redacted] hideout',
      address: 'Card street [card number]',
    });
  });

  test("contact cards' names, phones and emails are redacted", () => {
    const entry = userEntry(
      {
        id: 'm1',
        attachment: {
          type: 'contacts',
          contacts: [
            {
              name: 'Secret Agent',
              phones: ['+31 6 12345678', '4111 1111 1111 1111'],
              emails: ['secret@example.com', 'jo@example.com'],
            },
          ],
        },
        receivedAt: T0,
      },
      redact,
    );
    expect(entry?.attachment).toEqual({
      type: 'contacts',
      contacts: [
        {
          name: '[redacted] Agent',
          phones: ['+31 6 12345678', '[card number]'],
          emails: ['[redacted]@example.com', 'jo@example.com'],
        },
      ],
    });
  });

  test('a reaction is kept as it is', () => {
    const reaction: Attachment = { type: 'reaction', messageId: 'wamid.1', emoji: '👍' };
    expect(userEntry({ id: 'm1', attachment: reaction, receivedAt: T0 }, redact)).toEqual({
      from: 'user',
      at: T0,
      attachment: reaction,
    });
  });
});

describe('botEntry', () => {
  test('text and reply buttons are redacted; the entry is at the time given', () => {
    expect(
      botEntry(
        {
          id: 'a1',
          text: 'Pay with 4111 1111 1111 1111? It is a secret.',
          buttons: [
            { id: 'yes', title: 'Secret yes' },
            { id: 'no', title: 'No' },
          ],
        },
        T0 + 5,
        redact,
      ),
    ).toStrictEqual({
      from: 'bot',
      at: T0 + 5,
      text: 'Pay with [card number]? It is a [redacted].',
      rich: {
        buttons: [
          { id: 'yes', title: '[redacted] yes' },
          { id: 'no', title: 'No' },
        ],
      },
    });
  });

  test("a list's row titles and descriptions are redacted", () => {
    const entry = botEntry(
      {
        id: 'a1',
        text: 'Choose',
        list: {
          button: 'Options',
          sections: [
            {
              title: 'Cards',
              rows: [
                { id: 'r1', title: 'Secret card', description: 'ending 4111-1111-1111-1111' },
                { id: 'r2', title: 'Other' },
              ],
            },
          ],
        },
      },
      T0,
      redact,
    );
    expect(entry?.rich?.list?.sections[0]?.rows).toEqual([
      { id: 'r1', title: '[redacted] card', description: 'ending [card number]' },
      { id: 'r2', title: 'Other' },
    ]);
    expect(entry?.rich?.list?.button).toBe('Options');
  });

  test("a file's caption and file name are redacted, its URL kept; a file alone is an entry", () => {
    expect(
      botEntry(
        {
          id: 'a1',
          media: {
            type: 'document',
            url: 'https://files.example.com/invoice.pdf',
            caption: 'Your secret invoice',
            filename: 'secret.pdf',
          },
        },
        T0,
        redact,
      ),
    ).toEqual({
      from: 'bot',
      at: T0,
      rich: {
        media: {
          type: 'document',
          url: 'https://files.example.com/invoice.pdf',
          caption: 'Your [redacted] invoice',
          filename: '[redacted].pdf',
        },
      },
    });
  });

  test(`a long answer is cut to ${TRANSCRIPT_TEXT_MAX} characters`, () => {
    const entry = botEntry({ id: 'a1', text: 'z'.repeat(4096) }, T0, redact);
    expect(entry?.text).toBe(`${'z'.repeat(TRANSCRIPT_TEXT_MAX - 1)}…`);
  });

  test('an answer with neither text nor rich content (an event, a handover request) has nothing to show', () => {
    expect(botEntry({ id: 'a1' }, T0, redact)).toBeUndefined();
    expect(botEntry({ id: 'a1', text: '' }, T0, redact)).toBeUndefined();
    expect(
      botEntry({ id: 'a1', outputAdditions: { handover: true }, metadata: { k: 'v' } }, T0, redact),
    ).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// What is kept
// ---------------------------------------------------------------------------------------------

const said = (text: string, at: number, from: 'user' | 'bot' = 'user'): TranscriptEntry => ({
  from,
  at,
  text,
});

describe('transcriptAt and withEntries', () => {
  const now = T0;
  const entries = [
    said('3 h ago', now - 3 * HOUR),
    said('2 h ago', now - 2 * HOUR),
    said('1 h ago', now - HOUR),
    said('now', now, 'bot'),
  ];
  const texts = (kept: readonly TranscriptEntry[] | undefined) => kept?.map((entry) => entry.text);

  test('only the entries newer than now − retention', () => {
    expect(texts(transcriptAt(entries, { messages: 20, retentionMs: 2.5 * HOUR }, now))).toEqual([
      '2 h ago',
      '1 h ago',
      'now',
    ]);
    // One exactly as old as the retention is no longer newer.
    expect(texts(transcriptAt(entries, { messages: 20, retentionMs: 2 * HOUR }, now))).toEqual([
      '1 h ago',
      'now',
    ]);
  });

  test('only the last `messages`, in order', () => {
    expect(texts(transcriptAt(entries, { messages: 2, retentionMs: 720 * HOUR }, now))).toEqual([
      '1 h ago',
      'now',
    ]);
    expect(texts(transcriptAt(entries, { messages: 1, retentionMs: 720 * HOUR }, now))).toEqual(['now']);
  });

  test('messages: 0 or no entries give none', () => {
    expect(transcriptAt(entries, { messages: 0, retentionMs: 720 * HOUR }, now)).toEqual([]);
    expect(transcriptAt(undefined, { messages: 20, retentionMs: 720 * HOUR }, now)).toEqual([]);
  });

  test('withEntries appends, then trims by retention and length', () => {
    const kept = withEntries(
      entries,
      [said('added 1', now + 1), said('added 2', now + 2, 'bot')],
      { messages: 3, retentionMs: 720 * HOUR },
      now + 2,
    );
    expect(texts(kept)).toEqual(['now', 'added 1', 'added 2']);
    expect(
      texts(withEntries(undefined, [said('first', now)], { messages: 3, retentionMs: HOUR }, now)),
    ).toEqual(['first']);
  });

  test('withEntries gives undefined when nothing is left', () => {
    const policy = { messages: 20, retentionMs: HOUR };
    expect(withEntries(undefined, [], policy, now)).toBeUndefined();
    expect(withEntries(entries, [], policy, now + 2 * HOUR)).toBeUndefined();
    expect(withEntries(entries, [said('new', now)], { messages: 0, retentionMs: HOUR }, now)).toBeUndefined();
  });
});

describe('newestThatFit', () => {
  const sum = (numbers: readonly number[]) => numbers.reduce((total, n) => total + n, 0);
  const atMost9 = (kept: readonly number[]) => sum(kept) <= 9;

  test('the oldest give way first, and are counted', () => {
    expect(newestThatFit([1, 2, 3, 4, 5], atMost9)).toEqual({ entries: [4, 5], omitted: 3 });
  });

  test('all that fit are kept', () => {
    expect(newestThatFit([1, 2, 3], atMost9)).toEqual({ entries: [1, 2, 3], omitted: 0 });
    expect(newestThatFit([], atMost9)).toEqual({ entries: [], omitted: 0 });
  });

  test('a single entry too large is left out too', () => {
    expect(newestThatFit([100], atMost9)).toEqual({ entries: [], omitted: 1 });
    expect(newestThatFit([1, 2, 100], atMost9)).toEqual({ entries: [], omitted: 3 });
  });
});

// ---------------------------------------------------------------------------------------------
// Each desk's shape
// ---------------------------------------------------------------------------------------------

const photo: DeskTranscriptEntry = {
  from: 'user',
  at: T0 + 2 * 60_000,
  attachment: {
    type: 'image',
    mediaId: 'img-1',
    mimeType: 'image/jpeg',
    caption: 'the parcel',
    url: 'https://baton.example.com/media/img-1',
  },
};
const conversation: DeskTranscriptEntry[] = [
  { from: 'user', at: T0, text: 'Hi there' },
  {
    from: 'bot',
    at: T0 + 60_000,
    text: 'Is it about an order?',
    rich: {
      buttons: [
        { id: 'yes', title: 'Yes' },
        { id: 'no', title: 'No' },
      ],
    },
  },
  photo,
];

/** Entries of multibyte text (2 and 4 bytes a character), numbered oldest first. */
const multibyte = (count: number): DeskTranscriptEntry[] =>
  Array.from({ length: count }, (_, i) => ({
    from: i % 2 ? 'bot' : 'user',
    at: T0 + i * 60_000,
    text: `#${i} ${'é'.repeat(20)} 😀😀 café`,
  }));

describe('webhookTranscript', () => {
  test('typed entries with ISO 8601 times, rich fields at the top of the entry', () => {
    expect(webhookTranscript(conversation, 65_536)).toStrictEqual({
      transcript: [
        { from: 'user', at: '2024-05-01T09:30:45.000Z', text: 'Hi there' },
        {
          from: 'bot',
          at: '2024-05-01T09:31:45.000Z',
          text: 'Is it about an order?',
          buttons: [
            { id: 'yes', title: 'Yes' },
            { id: 'no', title: 'No' },
          ],
        },
        {
          from: 'user',
          at: '2024-05-01T09:32:45.000Z',
          attachment: {
            type: 'image',
            mediaId: 'img-1',
            mimeType: 'image/jpeg',
            caption: 'the parcel',
            url: 'https://baton.example.com/media/img-1',
          },
        },
      ],
      transcriptOmitted: 0,
    });
  });

  test('a file and a list of the bot are flattened too', () => {
    const { transcript } = webhookTranscript(
      [
        {
          from: 'bot',
          at: T0,
          rich: {
            media: { type: 'image', url: 'https://files.example.com/a.png' },
            list: { button: 'Pick', sections: [{ rows: [{ id: 'r1', title: 'One' }] }] },
          },
        },
      ],
      65_536,
    );
    expect(transcript).toStrictEqual([
      {
        from: 'bot',
        at: '2024-05-01T09:30:45.000Z',
        media: { type: 'image', url: 'https://files.example.com/a.png' },
        list: { button: 'Pick', sections: [{ rows: [{ id: 'r1', title: 'One' }] }] },
      },
    ]);
  });

  test('within the limit in bytes of JSON (multibyte text), the newest kept, the rest counted', () => {
    const entries = multibyte(12);
    const all = webhookTranscript(entries, 1_048_576).transcript;
    expect(all).toHaveLength(12);
    const allBytes = jsonBytes(all);
    // From 2 bytes, the empty list `[]`.
    for (let maxBytes = 2; maxBytes <= allBytes + 10; maxBytes += 7) {
      const { transcript, transcriptOmitted } = webhookTranscript(entries, maxBytes);
      expect(jsonBytes(transcript)).toBeLessThanOrEqual(maxBytes);
      expect(transcriptOmitted + transcript.length).toBe(12);
      expect(transcript).toEqual(all.slice(transcriptOmitted));
      // Nothing was left out that would have fitted.
      if (transcriptOmitted > 0)
        expect(jsonBytes(all.slice(transcriptOmitted - 1))).toBeGreaterThan(maxBytes);
    }
  });

  test('the limit counts bytes, not characters', () => {
    const entries = multibyte(3);
    const all = webhookTranscript(entries, 1_048_576).transcript;
    const characters = JSON.stringify(all).length;
    expect(jsonBytes(all)).toBeGreaterThan(characters);
    const { transcript, transcriptOmitted } = webhookTranscript(entries, characters);
    expect(transcriptOmitted).toBeGreaterThan(0);
    expect(jsonBytes(transcript)).toBeLessThanOrEqual(characters);
  });

  test('an entry larger than the limit is left out', () => {
    expect(webhookTranscript([said('x'.repeat(2000), T0)], 1_024)).toEqual({
      transcript: [],
      transcriptOmitted: 1,
    });
  });
});

describe('transcriptText', () => {
  // Times are UTC whatever the machine's zone: run these in one far from it.
  const zone = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'Asia/Kolkata';
  });
  afterAll(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  const lines = [
    '2024-05-01 09:30 Customer: Hi there',
    '2024-05-01 09:31 Bot: Is it about an order?\n• Yes\n• No',
    '2024-05-01 09:32 Customer: [image] the parcel https://baton.example.com/media/img-1',
  ];

  test('a heading, then a line per message with its UTC time and who said it', () => {
    const text = transcriptText(conversation, 4_096);
    expect(text).toBe([TRANSCRIPT_HEADING, ...lines].join('\n'));
    expect(text?.split('\n')[0]).toBe(TRANSCRIPT_HEADING);
  });

  test("a user's text and file are both told; a file without caption by its name", () => {
    const text = transcriptText(
      [
        { ...photo, text: 'Look' },
        {
          from: 'user',
          at: T0,
          attachment: { type: 'document', mediaId: 'd1', mimeType: 'application/pdf', filename: 'bill.pdf' },
        },
      ],
      4_096,
    );
    expect(text).toBe(
      [
        TRANSCRIPT_HEADING,
        '2024-05-01 09:32 Customer: Look\n[image] the parcel https://baton.example.com/media/img-1',
        '2024-05-01 09:30 Customer: [document] bill.pdf',
      ].join('\n'),
    );
  });

  test('the oldest give way to the limit, and a line says how many', () => {
    const [, second, third] = lines;
    const lastTwo = [TRANSCRIPT_HEADING, '(1 earlier message left out)', second, third].join('\n');
    expect(transcriptText(conversation, bytes(lastTwo))).toBe(lastTwo);
    const lastOne = [TRANSCRIPT_HEADING, '(2 earlier messages left out)', third].join('\n');
    expect(transcriptText(conversation, bytes(lastOne))).toBe(lastOne);
    expect(transcriptText(conversation, bytes(lastOne) - 1)).toBeUndefined();
  });

  test('within the limit in UTF-8 bytes (multibyte text), the newest kept', () => {
    const entries = multibyte(12);
    const whole = transcriptText(entries, 65_536);
    expect(whole?.split('\n')).toHaveLength(13);
    for (let maxBytes = 0; maxBytes <= bytes(whole ?? '') + 10; maxBytes += 7) {
      const text = transcriptText(entries, maxBytes);
      if (text === undefined) continue;
      expect(bytes(text)).toBeLessThanOrEqual(maxBytes);
      const [heading, ...rest] = text.split('\n');
      expect(heading).toBe(TRANSCRIPT_HEADING);
      const note = /^\((\d+) earlier messages? left out\)$/.exec(rest[0] ?? '');
      const omitted = note ? Number(note[1]) : 0;
      const kept = note ? rest.slice(1) : rest;
      expect(omitted + kept.length).toBe(12);
      expect(kept.at(-1)).toContain('#11 ');
      expect(kept[0]).toContain(`#${omitted} `);
    }
    // Measured in characters, the whole would have fitted.
    const characters = whole?.length ?? 0;
    const cut = transcriptText(entries, characters);
    expect(cut).toMatch(/\n\(\d+ earlier messages? left out\)\n/);
    expect(bytes(cut ?? '')).toBeLessThanOrEqual(characters);
  });

  test('a text that fits exactly is sent whole, without a note', () => {
    const whole = transcriptText(conversation, 4_096) ?? '';
    expect(transcriptText(conversation, bytes(whole))).toBe(whole);
  });

  test('no entries, or none that fits, give no text', () => {
    expect(transcriptText([], 4_096)).toBeUndefined();
    expect(transcriptText(conversation, 40)).toBeUndefined();
  });
});

test(`the item keeps at most ${TRANSCRIPT_STORED_MAX_BYTES} bytes of transcript, the newest`, () => {
  const policy = { messages: 50, retentionMs: 3_600_000 };
  const big = (i: number): TranscriptEntry => ({ from: 'bot', at: T0 + i, text: `${i} ${'x'.repeat(990)}` });
  const kept =
    withEntries(
      undefined,
      Array.from({ length: 50 }, (_, i) => big(i)),
      policy,
      T0 + 60,
    ) ?? [];
  expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(TRANSCRIPT_STORED_MAX_BYTES);
  expect(kept.length).toBeGreaterThan(25);
  expect(kept.length).toBeLessThan(50);
  expect(kept.at(-1)?.text?.startsWith('49 ')).toBe(true);
  // One entry more would not have fitted.
  const one = Buffer.byteLength(JSON.stringify(big(0))) + 1;
  expect(Buffer.byteLength(JSON.stringify(kept)) + one).toBeGreaterThan(TRANSCRIPT_STORED_MAX_BYTES);
});

test('an entry too large for the item by itself is left out, not the ones before it', () => {
  const policy = { messages: 50, retentionMs: 3_600_000 };
  const huge: TranscriptEntry = { from: 'bot', at: T0 + 3, text: 'x'.repeat(TRANSCRIPT_STORED_MAX_BYTES) };
  const kept = withEntries(
    [
      { from: 'user', at: T0 + 1, text: 'one' },
      { from: 'bot', at: T0 + 2, text: 'two' },
    ],
    [huge, { from: 'user', at: T0 + 4, text: 'four' }],
    policy,
    T0 + 10,
  );
  expect(kept?.map((entry) => entry.text)).toEqual(['one', 'two', 'four']);
});

test('entries are kept in the order of their times, whatever the order they were written in', () => {
  const policy = { messages: 3, retentionMs: 3_600_000 };
  // A pushed answer written while the bot was asked, then the message and the answer to it.
  const kept = withEntries(
    [{ from: 'bot', at: T0 + 2, text: 'pushed' }],
    [
      { from: 'user', at: T0 + 1, text: 'question' },
      { from: 'bot', at: T0 + 3, text: 'answer' },
    ],
    policy,
    T0 + 10,
  );
  expect(kept?.map((entry) => entry.text)).toEqual(['question', 'pushed', 'answer']);
});
