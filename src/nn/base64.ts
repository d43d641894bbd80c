/**
 * @module
 * Float32 arrays as base64 text (little-endian bytes), for JSON-serializable optimizer state.
 * Uses only `atob`/`btoa` (Node ≥ 16 and browsers), so the tfjs-free fused path can share it.
 */

export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** The array, or null when `text` is not base64 of whole float32 values. */
export function decodeFloat32(text: unknown): Float32Array | null {
  if (typeof text !== "string") return null;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  if (binary.length % 4 !== 0) return null;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}
