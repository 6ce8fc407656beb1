// A cache bounded by total weight (bytes, roughly) that evicts what was not used recently, with
// single-flight loading: concurrent misses for one key share one load, and a failed load is not
// cached. Recency is kept by "second chance" (CLOCK): a hit only sets a flag, and eviction
// moves flagged entries to the back instead of dropping them. A hit is one map lookup: no
// re-insertion per request, which showed in the profile of cached answers (bench/api-profile.ts).
export class LruCache<V> {
  readonly #entries = new Map<string, { value: V; weight: number; used: boolean }>();
  readonly #loading = new Map<string, Promise<V>>();
  readonly #maxWeight: number;
  readonly #weigh: (value: V) => number;
  #weight = 0;

  constructor(maxWeight: number, weigh: (value: V) => number) {
    this.#maxWeight = maxWeight;
    this.#weigh = weigh;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(key: string, value: V): void {
    const weight = this.#weigh(value);
    if (weight > this.#maxWeight) return;
    this.delete(key);
    this.#entries.set(key, { value, weight, used: false });
    this.#weight += weight;
    // Oldest first (Map keeps insertion order); a used entry gets a second chance at the back.
    // Each pass clears flags, so this ends within two rounds.
    while (this.#weight > this.#maxWeight) {
      const [oldest, entry] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      if (entry.used && oldest !== key) {
        entry.used = false;
        this.#entries.set(oldest, entry);
      } else {
        this.#weight -= entry.weight;
      }
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
  }

  getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = load().then(
        (value) => {
          this.#loading.delete(key);
          this.set(key, value);
          return value;
        },
        (error: unknown) => {
          this.#loading.delete(key);
          throw error;
        },
      );
      this.#loading.set(key, loading);
    }
    return loading;
  }
}
