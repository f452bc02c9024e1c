/** `node --import tsx infra/aws/prune-source-map.ts <index.mjs.map>`: each function's bundling runs it (see source-map.ts). */
import { keepOwnSourcesIn } from './source-map';

const [mapFile] = process.argv.slice(2);
if (!mapFile) {
  process.stderr.write('usage: prune-source-map.ts <index.mjs.map>\n');
  process.exit(2);
}
keepOwnSourcesIn(mapFile);
