/** Stops the DynamoDB Local of global-setup, waiting for the Java process to exit. */
module.exports = async () => {
  const child = globalThis.__BATON_DYNAMODB__;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
};
