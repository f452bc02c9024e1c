/** A function's source map cut to Baton's own files: what maps into Baton still maps there, and only that. */
import { decode, encode } from '@jridgewell/sourcemap-codec';
import { isDependency, withOwnSourcesOnly } from '../../infra/aws/source-map';

const sources = ['../../shared/a.ts', '../../node_modules/zod/v4/core.js', '../../functions/b/handler.ts'];

test('mappings into dependencies become unmapped; the rest keep their place, renumbered sources and names', () => {
  const map = {
    version: 3 as const,
    sources,
    sourcesContent: ['a', 'zod', 'b'],
    names: ['fromZod', 'ownName', 'other'],
    mappings: encode([
      [
        [0, 0, 10, 2, 1],
        [5, 1, 99, 0, 0],
        [7, 1, 100, 0],
        [9, 2, 3, 4],
      ],
      [[0], [4, 1, 7, 7]],
      [[2, 2, 8, 1, 2]],
    ]),
    file: 'index.mjs',
  };
  const cut = withOwnSourcesOnly(map);
  expect(cut.sources).toEqual(['../../shared/a.ts', '../../functions/b/handler.ts']);
  expect(cut.sourcesContent).toEqual(['a', 'b']);
  expect(cut.names).toEqual(['ownName', 'other']);
  expect(decode(cut.mappings)).toEqual([
    [
      [0, 0, 10, 2, 0],
      // Columns 5 to 8 were the dependency's: unmapped (one segment for both), not the line before's.
      [5],
      [9, 1, 3, 4],
    ],
    // A line of nothing but unmapped code needs no segment at all.
    [],
    [[2, 1, 8, 1, 1]],
  ]);
  expect(cut.file).toBe('index.mjs');
});

test('a dependency is whatever sits under node_modules, on either kind of slash', () => {
  expect(isDependency('../../node_modules/@aws-sdk/core/dist-es/index.js')).toBe(true);
  expect(isDependency('node_modules\\zod\\index.js')).toBe(true);
  expect(isDependency('../../shared/node_modules_helper.ts')).toBe(false);
  expect(isDependency('../../shared/log/logger.ts')).toBe(false);
});

test('a map naming a name it does not have is refused, not cut into a wrong one', () => {
  const map = { version: 3 as const, sources, names: [], mappings: encode([[[0, 0, 1, 1, 3]]]) };
  expect(() => withOwnSourcesOnly(map)).toThrow('names no name 3');
});
