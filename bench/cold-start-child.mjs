// One cold start, in a fresh Node process: load the bundle, invoke it once, print the times.
// Plain JavaScript, run by bare `node`: a loader (tsx) would be part of what is measured.
import { pathToFileURL } from 'node:url';

const booted = performance.now();
const [bundle, eventJson] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(bundle).href);
const ready = performance.now();
const context = { awsRequestId: 'cold', functionName: 'bench', getRemainingTimeInMillis: () => 30_000 };
const result = await handler(JSON.parse(eventJson), context);
const answered = performance.now();
process.stdout.write(JSON.stringify({ booted, ready, answered, statusCode: result?.statusCode ?? null }));
