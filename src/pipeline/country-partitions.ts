// The partition of the data topic a record goes to, chosen by its country once per country. The
// client would otherwise hash every key (murmur2 over `country:date`): ~0.2 s of a full
// historical load's CPU for 250,000 keys that no reader needs spread that way. The same key
// still always lands in the same partition (its country decides it), and nothing orders a key's
// revisions by partition: the sink's row version is the source rank and the publish time
// (sink/version.ts), so a key published before by the client's hash and now by its country ends
// the same in ClickHouse.
import type { StringProducer } from '../platform/kafka.ts';

/** FNV-1a over the code's characters: stable across processes and versions, spread enough for ~240 codes. */
function countryHash(country: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < country.length; i++) hash = Math.imul(hash ^ country.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export class CountryPartitions {
  readonly #count: number;
  readonly #byCountry = new Map<string, number>();

  constructor(partitionCount: number) {
    if (!Number.isSafeInteger(partitionCount) || partitionCount < 1) throw new RangeError(`not a partition count: ${partitionCount}`);
    this.#count = partitionCount;
  }

  /** The topic's partition count as the producer's (cached) metadata knows it. */
  static async of(producer: StringProducer, topic: string): Promise<CountryPartitions> {
    const metadata = await producer.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount;
    if (count === undefined) throw new Error(`no metadata for topic ${topic}`);
    return new CountryPartitions(count);
  }

  partition(country: string): number {
    let partition = this.#byCountry.get(country);
    if (partition === undefined) {
      partition = countryHash(country) % this.#count;
      this.#byCountry.set(country, partition);
    }
    return partition;
  }
}
