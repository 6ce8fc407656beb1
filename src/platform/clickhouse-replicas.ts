// Which ClickHouse replica a request goes to, and which failures move it to the next one. Pure:
// the time is passed in, so the rules are tested without servers (test/unit/platform).
//
// A request goes to the replica that answered last (the first listed, at start) and stays there
// while it answers: inserts and the reads after them (the pipeline's verify, the API) see one
// replica's data, not two that replicate with a lag, and a replica that comes back after a
// restart is not read before it has fetched what it missed. When the current one fails, the
// next one in the listed order takes over. A replica that failed is marked down for a short
// while and passed over; while every replica is marked down they are all still tried (soonest
// due first) rather than failing without asking.

/** How long a replica that failed is passed over. */
export const REPLICA_DOWN_MS = 5_000;

export class ReplicaSet {
  readonly size: number;
  readonly #downMs: number;
  /** Per replica: until when it is passed over (0: live). */
  readonly #downUntil: number[];
  /** The replica that answered last: tried first. */
  #current = 0;

  constructor(size: number, downMs = REPLICA_DOWN_MS) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`a replica set needs at least one replica, not ${size}`);
    this.size = size;
    this.#downMs = downMs;
    this.#downUntil = new Array<number>(size).fill(0);
  }

  /** Every replica once: the live ones from the current one on, in listed order, then those marked down, soonest due first. */
  order(now: number): number[] {
    const indexes = [...this.#downUntil.keys()].map((i) => (i + this.#current) % this.size);
    const live = indexes.filter((i) => this.#downUntil[i]! <= now);
    const down = indexes.filter((i) => this.#downUntil[i]! > now).sort((a, b) => this.#downUntil[a]! - this.#downUntil[b]!);
    return [...live, ...down];
  }

  markDown(index: number, now: number): void {
    this.#downUntil[index] = now + this.#downMs;
  }

  /** The replica answered: it is live, and the one asked first from now on. */
  markUp(index: number): void {
    this.#downUntil[index] = 0;
    this.#current = index;
  }

  isDown(index: number, now: number): boolean {
    return this.#downUntil[index]! > now;
  }
}

// ClickHouse error codes that say "this server cannot serve now", not "this query is wrong":
// another replica may well answer. NETWORK_ERROR, SOCKET_TIMEOUT, TOO_MANY_SIMULTANEOUS_QUERIES,
// NO_ZOOKEEPER, TABLE_IS_READ_ONLY (a replica without its ZooKeeper session refuses inserts),
// UNKNOWN_STATUS_OF_INSERT, ALL_REPLICAS_ARE_STALE, KEEPER_EXCEPTION, and ABORTED (a server
// shutting down cancels what it runs).
const UNAVAILABLE_CODES = new Set(['209', '210', '202', '225', '242', '319', '369', '999', '236']);

/**
 * ClickHouse's numeric error code: current releases' errors carry it typed (ClickHouseError of
 * @clickhouse/client); 18.16's are plain text ("Code: 60, e.displayText() = DB::Exception: ...").
 * Undefined for anything the server did not send (refused, reset, timed out, a proxy's page).
 */
export function clickhouseErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && /^\d+$/.test(code)) return code;
  return /^\s*Code: (\d+)[,.]/.exec(error.message)?.[1];
}

/**
 * True when the next replica should be tried: the transport failed (refused, reset, DNS, the
 * client's time limit, a proxy's 502/503 page) or the server said it cannot serve now. False
 * for a SQL error (the same query fails the same way everywhere) and for the caller's own abort.
 */
export function shouldFailOver(error: unknown, aborted = false): boolean {
  if (aborted) return false;
  const code = clickhouseErrorCode(error);
  return code === undefined || UNAVAILABLE_CODES.has(code);
}
