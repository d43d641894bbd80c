/**
 * @module
 * CRC-32C (Castagnoli), the checksum of TFRecord files, and the masking TFRecord applies to it.
 *
 * The CRC is the reflected form of polynomial 0x1EDC6F41 (0x82F63B78 bit-reversed), with an
 * initial value and a final XOR of 0xFFFFFFFF, computed a byte at a time from a 256-entry table.
 * Check value: `crc32c("123456789") = 0xE3069283` (RFC 3720, appendix B.4, has more vectors).
 * The mask is LevelDB's, which TensorFlow's `tsl/lib/hash/crc32c.h` and TensorBoard's
 * `compat/tensorflow_stub/pywrap_tensorflow.py` (`masked_crc32c`) share:
 * `rotr(crc, 15) + 0xa282ead8` modulo 2³².
 */

/** The reflected Castagnoli polynomial. */
const POLY = 0x82f63b78;
/** Added after the rotation, so that a CRC stored inside CRC'd data does not cancel out. */
const MASK_DELTA = 0xa282ead8;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32C of `bytes`, as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC-32C of `bytes`: `((crc >>> 15) | (crc << 17)) + 0xa282ead8`, unsigned. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}
