// Registration and key re-issue against the real PostgreSQL: shapes, the stored forms of the
// password and key, same answer for a wrong username and a wrong password, validation of the
// body, and the rate limits that run before any hashing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createApiTestContext, fakeClock, PASSWORD, type ApiTestContext } from './context.ts';

const KEY_FORMAT = /^cov_[A-Za-z0-9_-]{49}$/;

void describe('users', () => {
  let ctx: ApiTestContext;
  const logs: string[] = [];
  before(async () => {
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    ctx = await createApiTestContext({ logStream });
    await ctx.insertDaily([{ country: 'RU', date: '2021-01-01', cases: 1, deaths: 0 }]);
  });
  after(() => ctx.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'POST', url, payload: payload as string, headers });
  const data = (key: string) => ctx.app.inject({ url: '/cases', headers: { 'x-key': key } });

  void it('registers a user once: 201 with the key, no-store; 409 for a taken name', async () => {
    const response = await post('/users/register', { username: 'alice', password: PASSWORD });
    assert.equal(response.statusCode, 201);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.json<{ username: string; api_key: string }>();
    assert.deepEqual(Object.keys(body).sort(), ['api_key', 'username']);
    assert.equal(body.username, 'alice');
    assert.match(body.api_key, KEY_FORMAT);
    assert.equal((await data(body.api_key)).statusCode, 200);

    const again = await post('/users/register', { username: 'alice', password: 'another password' });
    assert.equal(again.statusCode, 409);
    assert.equal(again.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(again.json<{ type: string }>().type, 'urn:covid-etl:problem:username_taken');
  });

  void it('stores an argon2id PHC hash (19 MiB, 2 passes) and only the SHA-256 digest of the key', async () => {
    const key = await ctx.register('bob');
    const { rows } = await ctx.pool.query<{ password_hash: string; key_digest: Buffer }>(
      `SELECT password_hash, key_digest FROM users JOIN api_keys ON api_keys.user_id = users.id WHERE username = 'bob'`,
    );
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    assert.ok(!rows[0]!.password_hash.includes(PASSWORD));
    assert.deepEqual(rows[0]!.key_digest, createHash('sha256').update(key).digest());
  });

  void it('re-issues a key: the new key works, the old one is refused at once', async () => {
    const old = await ctx.register('carol');
    assert.equal((await data(old)).statusCode, 200); // now cached as valid
    const response = await post('/users/recreate-api-key', { username: 'carol', password: PASSWORD });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    const { username, api_key: fresh } = response.json<{ username: string; api_key: string }>();
    assert.equal(username, 'carol');
    assert.match(fresh, KEY_FORMAT);
    assert.notEqual(fresh, old);
    assert.equal((await data(old)).statusCode, 401);
    assert.equal((await data(fresh)).statusCode, 200);
    const { rows } = await ctx.pool.query<{ live: string }>(
      `SELECT count(*) FILTER (WHERE revoked_at IS NULL) AS live FROM api_keys JOIN users ON users.id = user_id WHERE username = 'carol'`,
    );
    assert.equal(rows[0]!.live, '1');
  });

  void it('concurrent re-issues leave exactly one live key', async () => {
    await ctx.register('dave');
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => post('/users/recreate-api-key', { username: 'dave', password: PASSWORD })),
    );
    assert.deepEqual(responses.map((r) => r.statusCode), [200, 200, 200, 200]);
    const keys = responses.map((r) => r.json<{ api_key: string }>().api_key);
    const working = [];
    for (const key of keys) if ((await data(key)).statusCode === 200) working.push(key);
    assert.equal(working.length, 1);
  });

  void it('answers a wrong username and a wrong password the same way, in about the same time', async () => {
    await ctx.register('erin');
    const attempt = async (username: string, password: string) => {
      const started = performance.now();
      const response = await post('/users/recreate-api-key', { username, password });
      return { ms: performance.now() - started, status: response.statusCode, body: response.body, headers: response.headers };
    };
    const wrongUser: number[] = [];
    const wrongPassword: number[] = [];
    let first: Awaited<ReturnType<typeof attempt>> | undefined;
    for (let i = 0; i < 6; i++) {
      const a = await attempt('nobody-here', 'some password');
      const b = await attempt('erin', 'some password');
      assert.equal(a.status, 401);
      assert.equal(b.status, 401);
      assert.equal(a.body, b.body);
      assert.equal(a.headers['www-authenticate'], b.headers['www-authenticate']);
      first ??= a;
      wrongUser.push(a.ms);
      wrongPassword.push(b.ms);
    }
    assert.equal(first!.headers['content-type'], 'application/problem+json; charset=utf-8');
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1]!;
    const ratio = median(wrongUser) / median(wrongPassword);
    // Both verify one argon2id hash (~10 ms here); without the dummy hash, ratio would be ~0.05.
    assert.ok(ratio > 0.5 && ratio < 2, `wrong user ${median(wrongUser).toFixed(1)} ms vs wrong password ${median(wrongPassword).toFixed(1)} ms`);
  });

  void it('never returns or logs a password', async () => {
    const secret = 'a very Secret passphrase 42';
    const registered = await post('/users/register', { username: 'frank', password: secret });
    const reissued = await post('/users/recreate-api-key', { username: 'frank', password: secret });
    const wrong = await post('/users/recreate-api-key', { username: 'frank', password: `${secret}!` });
    const invalid = await post('/users/register', { username: 'frank', password: secret, extra: true });
    const broken = await post('/users/register', `{"username":"frank","password":"${secret}"`, { 'content-type': 'application/json' });
    for (const response of [registered, reissued, wrong, invalid, broken]) assert.ok(!response.body.includes('Secret passphrase'));
    assert.equal(broken.statusCode, 400);
    assert.ok(!logs.join('').includes('Secret passphrase'));
  });

  void describe('validation', () => {
    const cases: [string, unknown, string][] = [
      ['username too short', { username: 'ab', password: PASSWORD }, 'username'],
      ['username too long', { username: 'a'.repeat(33), password: PASSWORD }, 'username'],
      ['upper-case username', { username: 'Alice2', password: PASSWORD }, 'username'],
      ['username with a space', { username: 'al ice', password: PASSWORD }, 'username'],
      ['username starting with a dot', { username: '.alice', password: PASSWORD }, 'username'],
      ['password too short', { username: 'gina', password: 'short' }, 'password'],
      ['password too long', { username: 'gina', password: 'x'.repeat(129) }, 'password'],
      ['password with a control character', { username: 'gina', password: 'abc\u0000defgh' }, 'password'],
      ['password equal to the username', { username: 'ginaginagina', password: 'ginaginagina' }, 'password'],
      ['missing password', { username: 'gina' }, 'password'],
      ['number as username', { username: 12345, password: PASSWORD }, 'username'],
      ['extra field', { username: 'gina', password: PASSWORD, admin: true }, 'admin'],
      ['array body', [{ username: 'gina', password: PASSWORD }], 'body'],
    ];
    for (const [name, payload, field] of cases) {
      void it(`refuses ${name} with 400 naming ${field}`, async () => {
        for (const url of ['/users/register', '/users/recreate-api-key']) {
          const response = await post(url, payload);
          assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
          const problem = response.json<{ type: string; detail: string; errors: { name: string; in: string }[] }>();
          assert.equal(problem.type, 'urn:covid-etl:problem:invalid_request');
          assert.ok(problem.errors.some((e) => e.name === field), response.body);
          assert.ok(problem.detail.includes(field));
        }
      });
    }

    void it('accepts 128 characters of Unicode and the documented username characters', async () => {
      const response = await post('/users/register', { username: 'h.i_j-9', password: 'пароль'.repeat(21) + 'ok' });
      assert.equal(response.statusCode, 201, response.body);
    });

    void it('refuses malformed JSON (400), an empty JSON body (400), a large body (413), another media type (415)', async () => {
      const malformed = await post('/users/register', '{"username": "x",', { 'content-type': 'application/json' });
      assert.equal(malformed.statusCode, 400);
      assert.equal(malformed.json<{ detail: string }>().detail, 'the body is not valid JSON');
      const empty = await post('/users/register', '', { 'content-type': 'application/json' });
      assert.equal(empty.statusCode, 400);
      const large = await post('/users/register', JSON.stringify({ username: 'ivan', password: 'p'.repeat(5_000) }), {
        'content-type': 'application/json',
      });
      assert.equal(large.statusCode, 413);
      assert.equal(large.json<{ type: string }>().type, 'urn:covid-etl:problem:payload_too_large');
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const other = await post('/users/register', 'username=ivan&password=secret123', { 'content-type': type });
        assert.equal(other.statusCode, 415, type);
        assert.equal(other.headers['content-type'], 'application/problem+json; charset=utf-8');
      }
      const none = await ctx.app.inject({ method: 'POST', url: '/users/register' });
      assert.equal(none.statusCode, 400);
    });
  });
});

void describe('users: rate limits before hashing', () => {
  let ctx: ApiTestContext;
  const clock = fakeClock();
  let hashes = 0;
  before(async () => {
    ctx = await createApiTestContext({ overrides: { AUTH_RATE_LIMIT: '3' }, clock });
    // Count hashing work: the limits must refuse before it.
    const users = ctx.deps.users;
    const original = { ...users };
    users.register = async (c) => {
      hashes++;
      return original.register(c);
    };
    users.recreateApiKey = async (c) => {
      hashes++;
      return original.recreateApiKey(c);
    };
  });
  after(() => ctx.close());

  const post = (url: string, username: string, ip: string) =>
    ctx.app.inject({ method: 'POST', url, payload: { username, password: PASSWORD }, remoteAddress: ip });

  void it('limits attempts per client address across both endpoints, with Retry-After', async () => {
    assert.equal((await post('/users/register', 'kate', '10.0.0.1')).statusCode, 201);
    assert.equal((await post('/users/recreate-api-key', 'kate', '10.0.0.1')).statusCode, 200);
    assert.equal((await post('/users/recreate-api-key', 'nobody', '10.0.0.1')).statusCode, 401);
    const before = hashes;
    const limited = await post('/users/register', 'liam', '10.0.0.1');
    assert.equal(limited.statusCode, 429);
    assert.equal(hashes, before, 'no hashing for a limited attempt');
    assert.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    // Another client is not affected; after the wait this one may try again.
    assert.equal((await post('/users/register', 'liam', '10.0.0.2')).statusCode, 201);
    clock.advance(retryAfter * 1000);
    assert.equal((await post('/users/register', 'mona', '10.0.0.1')).statusCode, 201);
  });

  void it('nobody can lock a user out: wrong passwords for her name from other addresses do not count against her', async () => {
    await post('/users/register', 'nina', '10.1.0.1');
    for (let i = 2; i <= 12; i++) {
      const wrong = await ctx.app.inject({
        method: 'POST',
        url: '/users/recreate-api-key',
        payload: { username: 'nina', password: `wrong password ${i}` },
        remoteAddress: `10.1.0.${i}`,
      });
      assert.equal(wrong.statusCode, 401);
    }
    assert.equal((await post('/users/recreate-api-key', 'nina', '10.1.0.13')).statusCode, 200, 'from a new address');
    assert.equal((await post('/users/recreate-api-key', 'nina', '10.1.0.1')).statusCode, 200, 'from her own address');
  });

  void it('limits attempts per (username, address)', async () => {
    await post('/users/register', 'olga', '10.2.0.1');
    const before = hashes;
    // 3 per minute per address too: the pair's limit is reached with the address's.
    await post('/users/recreate-api-key', 'olga', '10.2.0.2');
    await post('/users/recreate-api-key', 'olga', '10.2.0.2');
    await post('/users/recreate-api-key', 'olga', '10.2.0.2');
    const limited = await post('/users/recreate-api-key', 'olga', '10.2.0.2');
    assert.equal(limited.statusCode, 429);
    assert.equal(hashes, before + 3);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
  });
});

void describe('users: the server-wide brake on password attempts', () => {
  let ctx: ApiTestContext;
  const clock = fakeClock();
  before(async () => {
    ctx = await createApiTestContext({ overrides: { AUTH_RATE_LIMIT: '0', AUTH_GLOBAL_RATE_LIMIT: '3' }, clock });
  });
  after(() => ctx.close());

  const attempt = (url: string, username: string, password: string, ip: string) =>
    ctx.app.inject({ method: 'POST', url, payload: { username, password }, remoteAddress: ip });

  void it('refuses a flood from many addresses with 429, but never a pair that succeeded before', async () => {
    assert.equal((await attempt('/users/register', 'pavel', PASSWORD, '10.3.0.1')).statusCode, 201);
    clock.advance(1_000);
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await attempt('/users/recreate-api-key', `nobody${i}`, 'wrong password', `10.4.0.${i}`)).statusCode);
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
    const braked = await attempt('/users/recreate-api-key', 'nobody', 'wrong password', '10.4.1.1');
    assert.equal(braked.statusCode, 429);
    assert.equal(braked.headers['retry-after'], '1');
    assert.ok(statuses.slice(3).every((status) => status === 429), statuses.join(','));
    // The brake is on, yet pavel, from where he succeeded, gets through.
    assert.equal((await attempt('/users/recreate-api-key', 'pavel', PASSWORD, '10.3.0.1')).statusCode, 200);
    clock.advance(1_000);
    assert.equal((await attempt('/users/recreate-api-key', 'nobody', 'wrong password', '10.4.1.1')).statusCode, 401);
  });
});
