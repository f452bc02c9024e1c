import {
  MAX_UNSENT,
  MAX_UNSENT_BYTES,
  type Unsent,
  withoutUnsent,
  withUnsent,
} from '../../shared/domain/unsent';

const agent = (id: string, text = 'hello'): Unsent => ({
  kind: 'agent',
  key: `agent:${id}`,
  handoverId: 'h-1',
  messageId: id,
  text,
  signOff: false,
});
const state = (unsent?: Unsent[]) => ({ version: 3, updatedAt: 0, unsent });

describe('withUnsent', () => {
  test('adds in order, and a key already waiting is not kept twice', () => {
    const { unsent, dropped } = withUnsent(state([agent('a')]), [agent('a'), agent('b')]);
    expect(unsent.map((entry) => entry.key)).toEqual(['agent:a', 'agent:b']);
    expect(dropped).toEqual([]);
  });

  test(`keeps at most ${MAX_UNSENT}: the oldest are given up`, () => {
    const many = Array.from({ length: MAX_UNSENT }, (_, i) => agent(`m${i}`));
    const { unsent, dropped } = withUnsent(state(many), [agent('new')]);
    expect(unsent).toHaveLength(MAX_UNSENT);
    expect(unsent.at(-1)?.key).toBe('agent:new');
    expect(dropped.map((entry) => entry.key)).toEqual(['agent:m0']);
  });

  test(`and at most ${MAX_UNSENT_BYTES} bytes, however few: the item has room for the inbox too`, () => {
    const big = (id: string) => agent(id, 'x'.repeat(30_000));
    const { unsent, dropped } = withUnsent(state([big('a'), big('b'), big('c')]), [big('d')]);
    expect(unsent.map((entry) => entry.key)).toEqual(['agent:b', 'agent:c', 'agent:d']);
    expect(dropped.map((entry) => entry.key)).toEqual(['agent:a']);
  });
});

describe('withoutUnsent', () => {
  test('takes out the keys named in one new version', () => {
    const next = withoutUnsent(state([agent('a'), agent('b'), agent('c')]), ['agent:a', 'agent:c'], 9);
    expect(next).toEqual({ version: 4, updatedAt: 9, unsent: [agent('b')] });
  });

  test('none left: the list goes; none of them there: no change at all', () => {
    expect(withoutUnsent(state([agent('a')]), ['agent:a'], 9)).toEqual({
      version: 4,
      updatedAt: 9,
      unsent: undefined,
    });
    expect(withoutUnsent(state([agent('a')]), ['agent:z'], 9)).toBeUndefined();
    expect(withoutUnsent(state(), ['agent:a'], 9)).toBeUndefined();
  });
});
