// Profiled driven by the unmodified AWS SDK for JavaScript v3 (@aws-sdk/client-customer-profiles).
// Run: PROFILED_BIN=/path/to/profiled node --test   (in tests/js, after npm install)
// Optional: PROFILED_TEST_STORE_URL=postgresql://... to use PostgreSQL instead of a temp SQLite dir.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  CustomerProfilesClient,
  CreateDomainCommand,
  GetDomainCommand,
  ListDomainsCommand,
  DeleteDomainCommand,
  CreateProfileCommand,
  UpdateProfileCommand,
  SearchProfilesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-customer-profiles';

const bin = process.env.PROFILED_BIN;
let server;
let client;
let workDir;
let logPath;

function uniqueName(prefix) {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

function startServer() {
  workDir = mkdtempSync(join(tmpdir(), 'profiled-js-'));
  logPath = join(workDir, 'server.log');
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', join(workDir, 'data'),
    '--log-level', 'warn'];
  if (process.env.PROFILED_TEST_STORE_URL) args.push('--store', process.env.PROFILED_TEST_STORE_URL);
  const log = createWriteStream(logPath);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.pipe(log);
  return new Promise((resolve, reject) => {
    let buffered = '';
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`profiled did not report its port:\n${buffered}`));
    }, 30000);
    child.stdout.on('data', (chunk) => {
      log.write(chunk);  // keep draining so the pipe never fills
      if (found) return;
      buffered += chunk.toString();
      const m = buffered.match(/listening port=(\d+)/);
      if (m) {
        found = true;
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`profiled exited with ${code} before listening:\n${buffered}`));
      }
    });
  });
}

function logTail() {
  try {
    return readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no log)';
  }
}

before(async () => {
  assert.ok(bin, 'PROFILED_BIN must name the profiled binary');
  server = await startServer();
  client = new CustomerProfilesClient({
    endpoint: `http://127.0.0.1:${server.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDJSTEST', secretAccessKey: 'js-test-secret' },
    maxAttempts: 1,
  });
});

after(async () => {
  if (client) client.destroy();
  if (server) {
    const exited = new Promise((resolve) => server.child.on('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('domain lifecycle', async (t) => {
  const name = uniqueName('js');
  const created = await client.send(new CreateDomainCommand({
    DomainName: name, DefaultExpirationDays: 366, Tags: { team: 'js' },
  }));
  assert.equal(created.DomainName, name);
  assert.equal(created.DefaultExpirationDays, 366);
  assert.ok(created.CreatedAt instanceof Date, 'CreatedAt is a Date');
  assert.ok(Math.abs(created.CreatedAt.getTime() - Date.now()) < 300000, 'CreatedAt is now');

  const got = await client.send(new GetDomainCommand({ DomainName: name }));
  assert.equal(got.DomainName, name);
  assert.equal(got.DefaultExpirationDays, 366);
  assert.equal(got.Stats.ProfileCount, 0);
  assert.deepEqual(got.Tags, { team: 'js' });

  const listed = await client.send(new ListDomainsCommand({ MaxResults: 100 }));
  assert.ok(listed.Items.some((d) => d.DomainName === name), 'ListDomains shows the domain');

  const tags = await client.send(new ListTagsForResourceCommand({
    resourceArn: `arn:aws:profile:us-east-1:123456789012:domains/${name}`,
  }));
  assert.deepEqual(tags.tags, { team: 'js' });

  const deleted = await client.send(new DeleteDomainCommand({ DomainName: name }));
  assert.ok(deleted.Message);
  await assert.rejects(client.send(new GetDomainCommand({ DomainName: name })), (err) => {
    assert.equal(err.name, 'ResourceNotFoundException', `${err.name}: ${err.message}\n${logTail()}`);
    assert.equal(err.$metadata.httpStatusCode, 404);
    return true;
  });
});

test('create, update with an address, search', async () => {
  const domain = uniqueName('jsp');
  await client.send(new CreateDomainCommand({ DomainName: domain, DefaultExpirationDays: 30 }));
  const email = `${uniqueName('ada')}@example.com`;
  const { ProfileId } = await client.send(new CreateProfileCommand({
    DomainName: domain,
    FirstName: 'Ada',
    LastName: 'Lovelace',
    EmailAddress: email,
    Address: { City: 'London', Country: 'UK' },
    Attributes: { tier: 'gold' },
  }));
  assert.match(ProfileId, /^[0-9a-f]{32}$/);

  const updated = await client.send(new UpdateProfileCommand({
    DomainName: domain,
    ProfileId,
    FirstName: '',
    Address: { City: 'Paris', PostalCode: '75001' },
    Attributes: { level: '2' },
  }));
  assert.equal(updated.ProfileId, ProfileId);

  const found = await client.send(new SearchProfilesCommand({
    DomainName: domain, KeyName: '_email', Values: [email],
  }));
  assert.equal(found.Items.length, 1, logTail());
  const { FoundByItems, ...item } = found.Items[0];
  assert.deepEqual(item, {
    ProfileId,
    LastName: 'Lovelace',
    EmailAddress: email,
    Address: { City: 'Paris', Country: 'UK', PostalCode: '75001' },
    Attributes: { tier: 'gold', level: '2' },
  });

  const byName = await client.send(new SearchProfilesCommand({
    DomainName: domain, KeyName: '_profileId', Values: [ProfileId],
  }));
  assert.deepEqual(byName.Items.map((p) => p.ProfileId), [ProfileId]);

  const stats = await client.send(new GetDomainCommand({ DomainName: domain }));
  assert.equal(stats.Stats.ProfileCount, 1);
});

test('validation error surfaces as BadRequestException', async () => {
  await assert.rejects(
    client.send(new CreateDomainCommand({ DomainName: 'bad name!', DefaultExpirationDays: 1 })),
    (err) => {
      assert.equal(err.name, 'BadRequestException', `${err.name}: ${err.message}`);
      assert.equal(err.$metadata.httpStatusCode, 400);
      return true;
    });
});
