// The transaction that completes one task attempt. A task may open it early and write into it as
// it goes (a load records what it published, group by group, src/pipeline/published-writer.ts),
// so that its completion has little left to write; the runner then adds the fenced completion
// (claim token, counts, next task) and commits. Nothing written into it is visible before that
// commit: a failed attempt rolls it back, a stale one fails the fence and rolls back too, and a
// crashed worker's connection closes, which rolls it back in PostgreSQL.
//
// A transaction left open by a frozen worker would hold the rows it wrote (locked for the attempt
// that retries the task) for as long as it is frozen: PostgreSQL ends it once it was idle for
// `idleTimeoutMs`, the time after which the claim lapses anyway (TASK_CLAIM_SECONDS).
import type { Pool, PoolClient } from '../platform/postgres.ts';

export class CompletionTransaction {
  readonly #pool: Pool;
  readonly #idleTimeoutMs: number;
  #opening: Promise<PoolClient> | undefined;
  /** An error the connection reported while no query was running (it was closed, or killed). */
  #broken: Error | undefined;
  readonly #onError = (error: Error) => {
    this.#broken = error;
  };

  constructor(pool: Pool, idleTimeoutMs: number) {
    if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 1) throw new RangeError('idleTimeoutMs must be a positive integer');
    this.#pool = pool;
    this.#idleTimeoutMs = idleTimeoutMs;
  }

  /** Whether the transaction was opened (by the task, or by commit()). */
  get opened(): boolean {
    return this.#opening !== undefined;
  }

  /** The transaction's client, BEGIN sent on the first call. */
  client(): Promise<PoolClient> {
    this.#opening ??= this.#open();
    return this.#opening;
  }

  /** Runs the last writes on the transaction (opening it if the task did not), then commits and releases it. */
  async commit<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      const result = await work(client);
      if (this.#broken) {
        throw new Error(`the completion transaction's connection closed (idle longer than ${this.#idleTimeoutMs} ms, or the server went away): ${this.#broken.message}`, { cause: this.#broken });
      }
      await client.query('COMMIT');
      this.#release(client);
      return result;
    } catch (error) {
      await this.#rollback(client);
      throw error;
    } finally {
      this.#opening = undefined;
    }
  }

  /** Rolls back whatever was written and releases the client; nothing to do if it was never opened. */
  async rollback(): Promise<void> {
    const opening = this.#opening;
    this.#opening = undefined;
    if (!opening) return;
    const client = await opening.catch(() => undefined);
    if (client) await this.#rollback(client);
  }

  async #open(): Promise<PoolClient> {
    const client = await this.#pool.connect();
    // A checked-out client whose connection ends between queries emits 'error'; unheard, it
    // would end the process. The next query fails anyway; commit() checks it too.
    client.on('error', this.#onError);
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL idle_in_transaction_session_timeout = ${this.#idleTimeoutMs}`);
      return client;
    } catch (error) {
      this.#release(client, true);
      throw error;
    }
  }

  async #rollback(client: PoolClient): Promise<void> {
    const failed = this.#broken !== undefined || (await client.query('ROLLBACK').then(() => false, () => true));
    this.#release(client, failed);
  }

  #release(client: PoolClient, destroy = false): void {
    client.removeListener('error', this.#onError);
    // A connection that failed is closed rather than handed to the next user of the pool.
    client.release(destroy || this.#broken !== undefined ? (this.#broken ?? true) : undefined);
    this.#broken = undefined;
  }
}
