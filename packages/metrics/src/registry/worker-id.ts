import { DynotelError } from '@dynotel/core';

const HEX = /^[0-9a-f]+$/;
const U64_MAX = (1n << 64n) - 1n;

/**
 * Dynamo prints the instance id (a u64 lease id) as lowercase hex without `0x` (`format!("{:x}")`).
 * A bigint or number is converted; a string is taken as the hex form already (an optional `0x` is
 * stripped, case is folded), because a decimal string and a hex string cannot be told apart.
 */
export function formatWorkerId(workerId: bigint | number | string): string {
  let id: bigint | undefined;
  if (typeof workerId === 'bigint') id = workerId;
  else if (typeof workerId === 'number' && Number.isSafeInteger(workerId)) id = BigInt(workerId);
  else if (typeof workerId === 'string') {
    const hex = workerId.trim().toLowerCase().replace(/^0x/, '');
    if (HEX.test(hex) && hex.length <= 16) return hex.replace(/^0+(?=.)/, '');
  }
  if (id === undefined || id < 0n || id > U64_MAX) {
    throw new DynotelError(
      'ERR_DYNOTEL_METRICS_INVALID_OPTION',
      `workerId ${String(workerId)} is not accepted: give a u64 as a bigint, a safe non-negative integer, or a hex string of up to 16 digits`,
      { details: { workerId: String(workerId) } },
    );
  }
  return id.toString(16);
}
