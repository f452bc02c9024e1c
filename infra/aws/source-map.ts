/**
 * Every function's source map, cut to Baton's own files. With `--enable-source-maps` Node reads and
 * decodes the whole map at cold start: the SDK's and zod's mappings were 90 % of it and cost about
 * 15 ms of every cold start (bench, ingest), for frames nobody reads in a Baton stack trace. Frames in
 * dependencies then show their place in `index.mjs`; frames in Baton's code still show file and line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec';
import * as z from 'zod';

const sourceMapSchema = z
  .object({
    version: z.literal(3),
    sources: z.array(z.string()),
    names: z.array(z.string()),
    mappings: z.string(),
    sourcesContent: z.array(z.string().nullable()).optional(),
  })
  .loose();

export type SourceMap = z.infer<typeof sourceMapSchema>;

/** A dependency: anything under a `node_modules` folder. */
export const isDependency = (source: string): boolean => /(^|[\\/])node_modules[\\/]/.test(source);

/**
 * The map without the sources and names of dependencies. A segment that mapped into a dependency
 * becomes an unmapped one (a lone column), so the code after it maps to nothing rather than to the
 * Baton line before it; every other position maps where it did.
 */
export function withOwnSourcesOnly(map: SourceMap): SourceMap {
  const kept = new Map<number, number>();
  map.sources.forEach((source, index) => {
    if (!isDependency(source)) kept.set(index, kept.size);
  });
  const names = new Map<string, number>();
  const nameIndex = (name: string): number => {
    const index = names.get(name) ?? names.size;
    names.set(name, index);
    return index;
  };
  const renumbered = (segment: SourceMapSegment): SourceMapSegment => {
    if (segment.length === 1) return segment;
    const source = kept.get(segment[1]);
    if (source === undefined) return [segment[0]];
    if (segment.length === 4) return [segment[0], source, segment[2], segment[3]];
    const name = map.names[segment[4]];
    if (name === undefined) throw new Error(`the source map names no name ${segment[4]}`);
    return [segment[0], source, segment[2], segment[3], nameIndex(name)];
  };
  const lines = decode(map.mappings).map((line) => {
    const out: SourceMapSegment[] = [];
    for (const segment of line.map(renumbered)) {
      // One unmapped segment covers every unmapped one after it.
      if (segment.length === 1 && (out.at(-1)?.length ?? 1) === 1) continue;
      out.push(segment);
    }
    return out;
  });
  const { sourcesContent, ...rest } = map;
  return {
    ...rest,
    sources: map.sources.filter((_, index) => kept.has(index)),
    ...(sourcesContent ? { sourcesContent: sourcesContent.filter((_, index) => kept.has(index)) } : {}),
    names: [...names.keys()],
    mappings: encode(lines),
  };
}

/** Rewrites the map file in place. */
export function keepOwnSourcesIn(mapFile: string): void {
  const map = sourceMapSchema.parse(JSON.parse(readFileSync(mapFile, 'utf8')));
  writeFileSync(mapFile, JSON.stringify(withOwnSourcesOnly(map)));
}
