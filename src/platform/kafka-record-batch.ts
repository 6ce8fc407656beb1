// A Kafka record batch (magic 2, uncompressed) written into one Buffer. @platformatic/kafka
// 2.12.1 builds every record of a batch from ~13 small Buffers (each varint, the attributes,
// the key, value and header lengths), each record with a Writer and a DynamicBuffer of its own,
// then concatenates the whole batch once for its CRC32C and again for the request: about half
// the worker's CPU in a historical load, with the garbage it leaves (docs/benchmarks.md,
// "Worker CPU in the historical load, 2026-11-27 (second session)"). This writes the same bytes
// with two passes over the messages (sizes, then the bytes) into a Buffer of the exact size.
// test/unit/platform/kafka-record-batch.test.ts holds it byte for byte to the library's own
// createRecordsBatch.

/** A message as the producer hands it to the Produce API: serialized key, value and headers. */
export interface BatchMessage {
  key?: Buffer | null | undefined;
  value?: Buffer | null | undefined;
  headers?: Map<Buffer, Buffer | null | undefined> | null | undefined;
  topic: string;
  partition?: number | undefined;
  timestamp?: bigint | number | undefined;
}

export interface BatchOptions {
  producerId?: bigint | undefined;
  producerEpoch?: number | undefined;
  /** The next sequence of each `topic:partition` (idempotent producer). */
  sequences?: { getWithDefault(key: string, fallback: number): number } | undefined;
  transactionalId?: string | null | undefined;
  partitionLeaderEpoch?: number | undefined;
}

const MAGIC = 2;
const IS_TRANSACTIONAL = 1 << 4;
/** baseOffset (8), batchLength (4), partitionLeaderEpoch (4), magic (1), crc (4). */
const CRC_FROM = 21;
/** CRC_FROM + attributes (2), lastOffsetDelta (4), first/max timestamp (16), producer id (8), epoch (2), base sequence (4), count (4). */
const HEADER_BYTES = CRC_FROM + 40;

/** Bytes of a zigzag varint of a 32-bit integer. */
function varIntSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (v >= 0x80) {
    bytes++;
    v >>>= 7;
  }
  return bytes;
}

function writeVarInt(buffer: Buffer, at: number, value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v >= 0x80) {
    buffer[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buffer[at++] = v;
  return at;
}

/** A zigzag varint of a signed 64-bit integer (the timestamp delta; almost always 0). */
function varLongBytes(value: bigint): number[] {
  let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return bytes;
}

/** Length of a nullable key, value or header part (-1 for null) and the bytes its length takes. */
const partLength = (part: Buffer | null | undefined) => (part == null ? -1 : part.length);

function writePart(buffer: Buffer, at: number, part: Buffer | null | undefined): number {
  if (part == null) return writeVarInt(buffer, at, -1);
  at = writeVarInt(buffer, at, part.length);
  return at + part.copy(buffer, at);
}

/**
 * The record batch of messages bound for one partition, uncompressed, as the library's
 * createRecordsBatch writes it. Like the library, it sets each message's timestamp (a BigInt,
 * now if it had none), so a retried send carries the same ones.
 */
export function encodeRecordBatch(messages: BatchMessage[], options: BatchOptions, crc32c: (bytes: Buffer) => number): Buffer {
  const count = messages.length;
  const now = BigInt(Date.now());
  const firstTimestamp = BigInt(messages[0]!.timestamp ?? now);
  let maxTimestamp = firstTimestamp;
  // Pass 1: each record's body size (its length prefix depends on it), and the total.
  const bodySizes = new Int32Array(count);
  const deltas: (number[] | undefined)[] = [];
  let total = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const message = messages[i]!;
    let ts = message.timestamp ?? now;
    if (typeof ts === 'number') ts = BigInt(ts);
    message.timestamp = ts;
    if (ts > maxTimestamp) maxTimestamp = ts;
    let size = 1; // attributes
    if (ts === firstTimestamp) {
      size += 1;
    } else {
      const delta = varLongBytes(ts - firstTimestamp);
      deltas[i] = delta;
      size += delta.length;
    }
    size += varIntSize(i);
    const keyLength = partLength(message.key);
    const valueLength = partLength(message.value);
    size += varIntSize(keyLength) + Math.max(keyLength, 0) + varIntSize(valueLength) + Math.max(valueLength, 0);
    const headers = message.headers;
    size += varIntSize(headers?.size ?? 0);
    if (headers) {
      // keys() and get(): no [key, value] array per header, as entries would make.
      for (const key of headers.keys()) {
        const k = partLength(key);
        const v = partLength(headers.get(key));
        size += varIntSize(k) + Math.max(k, 0) + varIntSize(v) + Math.max(v, 0);
      }
    }
    bodySizes[i] = size;
    total += varIntSize(size) + size;
  }

  const buffer = Buffer.allocUnsafe(total);
  let firstSequence = 0;
  if (options.sequences) firstSequence = options.sequences.getWithDefault(`${messages[0]!.topic}:${messages[0]!.partition}`, 0);
  buffer.writeBigInt64BE(0n, 0); // baseOffset
  buffer.writeInt32BE(total - 12, 8); // batchLength: from partitionLeaderEpoch to the end
  buffer.writeInt32BE(options.partitionLeaderEpoch ?? 0, 12);
  buffer.writeInt8(MAGIC, 16);
  buffer.writeInt16BE(options.transactionalId ? IS_TRANSACTIONAL : 0, CRC_FROM);
  buffer.writeInt32BE(count - 1, CRC_FROM + 2);
  buffer.writeBigInt64BE(firstTimestamp, CRC_FROM + 6);
  buffer.writeBigInt64BE(maxTimestamp, CRC_FROM + 14);
  buffer.writeBigInt64BE(options.producerId ?? -1n, CRC_FROM + 22);
  buffer.writeInt16BE(options.producerEpoch ?? 0, CRC_FROM + 30);
  buffer.writeInt32BE(firstSequence, CRC_FROM + 32);
  buffer.writeInt32BE(count, CRC_FROM + 36);

  // Pass 2: the records.
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const message = messages[i]!;
    at = writeVarInt(buffer, at, bodySizes[i]!);
    buffer[at++] = 0; // attributes
    const delta = deltas[i];
    if (delta === undefined) buffer[at++] = 0;
    else for (const byte of delta) buffer[at++] = byte;
    at = writeVarInt(buffer, at, i);
    at = writePart(buffer, at, message.key);
    at = writePart(buffer, at, message.value);
    const headers = message.headers;
    at = writeVarInt(buffer, at, headers?.size ?? 0);
    if (headers) {
      for (const key of headers.keys()) {
        at = writePart(buffer, at, key);
        at = writePart(buffer, at, headers.get(key));
      }
    }
  }
  if (at !== total) throw new Error(`record batch size: wrote ${at} bytes of ${total}`);
  buffer.writeUInt32BE(crc32c(buffer.subarray(CRC_FROM)), 17);
  return buffer;
}
