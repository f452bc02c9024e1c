/**
 * End to end, as a user would: `npm start`, wait for the banner, drive the vertical slice over HTTP,
 * then Ctrl-C (SIGINT to the process group) stops everything it started, Java included.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { freePort } from '../../infra/local/dynamodb-local';
import { eventually, postWeb, postWhatsApp, request, whatsappText } from '../support/http';

const ROOT = path.resolve(__dirname, '..', '..');
let child: ChildProcess;
let output = '';
let baseUrl = '';

function descendants(pid: number): number[] {
  let direct: number[] = [];
  try {
    direct = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return direct.flatMap((childPid) => [childPid, ...descendants(childPid)]);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  const port = await freePort();
  child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await eventually(async () => (output.includes('Baton local stack ready on') ? true : undefined), 60_000);
  baseUrl = `http://127.0.0.1:${port}`;
}, 90_000);

afterAll(() => {
  // Only when a test failed before the SIGINT test ran: do not leave a stack running.
  if (child.pid && child.exitCode === null && child.signalCode === null && alive(child.pid)) {
    process.kill(-child.pid, 'SIGKILL');
  }
});

test('prints exactly the contract banner line', () => {
  expect(output.split('\n')).toContain(`Baton local stack ready on ${baseUrl}`);
});

test('a WhatsApp user and a web chat user each get the bot answer on their channel', async () => {
  const whatsapp = await postWhatsApp(
    baseUrl,
    'demo',
    whatsappText('31699999999', 'wamid.e2e-1', 'Hello e2e'),
  );
  expect(whatsapp.status).toBe(200);
  const web = await postWeb(baseUrl, 'demo2', {
    conversationId: 'e2e-web',
    messageId: 'e2e-1',
    text: 'Web e2e',
  });
  expect(web.status).toBe(200);
  const delivered = await eventually(async () => {
    const log = await request(`${baseUrl}/sim/log`);
    return log.text.includes('echo: Hello e2e') && log.text.includes('echo: Web e2e') ? log.json : undefined;
  });
  expect(delivered).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ system: 'whatsapp', body: expect.objectContaining({ to: '31699999999' }) }),
      expect.objectContaining({ system: 'web', body: { conversationId: 'e2e-web', text: 'echo: Web e2e' } }),
    ]),
  );
  const filtered = await request(`${baseUrl}/sim/log?conversationId=wa:31699999999`);
  expect(
    Array.isArray(filtered.json) &&
      filtered.json.map((entry: unknown) => Reflect.get(Object(entry), 'system')),
  ).toEqual(['bot', 'whatsapp']);
  expect((await request(`${baseUrl}/sim/state/demo2/e2e-web`)).json).toMatchObject({ phase: 'bot' });
  expect((await request(`${baseUrl}/sim/state/demo2/never-seen`)).status).toBe(404);
  expect((await request(`${baseUrl}/sim/reset`, { method: 'POST' })).status).toBe(200);
  expect((await request(`${baseUrl}/sim/log`)).json).toEqual([]);
  expect((await request(`${baseUrl}/sim/state/demo2/e2e-web`)).status).toBe(404);
});

test('SIGINT stops the stack and the DynamoDB Local Java process it started', async () => {
  const pid = child.pid ?? 0;
  const started = descendants(pid);
  expect(started.length).toBeGreaterThan(1);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.kill(-pid, 'SIGINT');
  await exited;
  await eventually(
    async () => (started.every((descendant) => !alive(descendant)) ? true : undefined),
    10_000,
  );
  await expect(request(`${baseUrl}/sim/log`)).rejects.toThrow();
}, 20_000);
