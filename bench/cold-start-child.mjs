// One cold start, in a fresh Node process: load the bundle, invoke it once, print the times.
// Plain JavaScript, run by bare `node`: a loader (tsx) would be part of what is measured.
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const booted = performance.now();
// Lambda's runtime global for streamed responses (the media function): the answer's status is kept.
globalThis.awslambda ??= {
  streamifyResponse: (handler) => async (event, context) => {
    const stream = new Writable({ write: (_chunk, _encoding, done) => done() });
    await handler(event, stream, context);
    return { statusCode: stream.statusCode ?? null };
  },
  HttpResponseStream: {
    from(stream, metadata) {
      stream.statusCode = metadata.statusCode;
      return stream;
    },
  },
};
const [bundle, eventJson] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(bundle).href);
const ready = performance.now();
const context = { awsRequestId: 'cold', functionName: 'bench', getRemainingTimeInMillis: () => 30_000 };
const result = await handler(JSON.parse(eventJson), context);
const answered = performance.now();
process.stdout.write(JSON.stringify({ booted, ready, answered, statusCode: result?.statusCode ?? null }));
