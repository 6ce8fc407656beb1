// listenForAnnouncements against the real PostgreSQL: what announceCountries sends reaches the
// listener, and once released the connection goes back to the pool without listening.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { announceCountries, listenForAnnouncements } from '../../../src/platform/data-announcements.ts';
import { createPool, type Pool } from '../../../src/platform/postgres.ts';
import { createTestEnvironment, type TestEnvironment } from '../../support/environment.ts';
import { waitFor } from '../../support/wait.ts';

let env: TestEnvironment;
let pool: Pool;

before(async () => {
  env = await createTestEnvironment();
  pool = createPool(env.config.DATABASE_URL, { max: 2 });
});

after(async () => {
  await pool.end();
  await env.cleanup();
});

test('every announcement reaches the listener until it is released; the connection returns to the pool', async () => {
  let heard = 0;
  const unlisten = await listenForAnnouncements(pool, () => heard++);
  assert.equal(pool.totalCount - pool.idleCount, 1, 'the listener holds one connection');
  await announceCountries(pool, ['RU', 'BR']);
  await waitFor('the first announcement heard', () => Promise.resolve(heard === 1), 5_000, 10);
  await announceCountries(pool, ['DE']);
  await waitFor('the second announcement heard', () => Promise.resolve(heard === 2), 5_000, 10);
  await unlisten();
  assert.equal(pool.totalCount - pool.idleCount, 0, 'the connection is back');
  const { rows } = await pool.query<{ channel: string }>('SELECT pg_listening_channels() AS channel');
  assert.deepEqual(rows, [], 'no pooled connection still listens');
  await announceCountries(pool, ['FR']);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(heard, 2, 'nothing heard after release');
});
