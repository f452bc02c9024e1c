/**
 * Use cases depend on ports, not on adapters: no use-case module reaches the AWS SDK, directly or
 * through the modules it imports. A function's `lambda.ts` chooses the adapters and its `handler.ts`
 * turns the trigger's event into use-case calls (the conveyor's through the DynamoDB stream format
 * of `stream-event.ts`): those are the only modules under functions/ allowed to.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const ADAPTERS = new Set(['lambda.ts', 'handler.ts', 'stream-event.ts']);

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(path.join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

function importsOf(file: string): string[] {
  return ts
    .preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true)
    .importedFiles.map((ref) => ref.fileName);
}

/** The chain of modules from `file` to the first `@aws-sdk` import, or undefined when there is none. */
function pathToSdk(file: string, seen = new Set<string>()): string[] | undefined {
  if (seen.has(file)) return undefined;
  seen.add(file);
  for (const spec of importsOf(file)) {
    if (spec.startsWith('@aws-sdk/')) return [file, spec];
    if (!spec.startsWith('.')) continue;
    const next = path.normalize(path.join(path.dirname(file), `${spec}.ts`));
    const chain = pathToSdk(next, seen);
    if (chain) return [file, ...chain];
  }
  return undefined;
}

const useCases = [
  ...sources('functions').filter((file) => !ADAPTERS.has(path.basename(file))),
  ...sources('shared/domain'),
  ...sources('shared/flow'),
  ...sources('shared/ports'),
];

describe('use cases depend on ports, not adapters', () => {
  it('finds the modules it checks', () => {
    expect(useCases.length).toBeGreaterThan(40);
    expect(useCases).toContain(path.join('functions', 'conveyor', 'convey.ts'));
  });

  it.each(useCases)('%s does not reach the AWS SDK', (file) => {
    expect(pathToSdk(file)).toBeUndefined();
  });

  it('would see an adapter reached through another module', () => {
    // The rule's own check, on the entry that is allowed to: aws-core builds the DynamoDB adapters.
    expect(pathToSdk(path.join('functions', 'conveyor', 'lambda.ts'))).toEqual(
      expect.arrayContaining([path.join('shared', 'runtime', 'aws-core.ts')]),
    );
  });
});
