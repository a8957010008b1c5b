// Redis Cluster's key slot, computed here (no server): CRC16-XMODEM mod 16384 of the key's hash tag, or
// of the whole key without one (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/,
// "Key distribution model"). ioredis routes by the same function (its cluster-key-slot dependency).

export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const tag = open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(tag)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
