/**
 * @module
 * The plain-JS forward pass of a dense MLP for one input vector, shared by `MlpMirror` (fast
 * batch-1 acting inside `NeuralPolicy`) and `compilePolicy` (the dependency-free export). It
 * imports nothing, so a browser bundle of the compiled policy stays free of the tensor engine.
 * Sums run in float64 with four running partial sums; each layer's output is rounded to float32.
 * It is the fallback for runtimes without the fused engine's WebAssembly kernels: where those run,
 * `MlpMirror` and `compilePolicy` use `FusedForward` instead (1.2 µs against 10 µs at 64×64,
 * `npm run bench -- bc`); the plain-TS fused path at one row was measured 1.3–1.6× slower than this.
 */

/**
 * Runs the layers on `input`. `kernels[l]` is layer l's kernel transposed to `[fanOut, fanIn]`
 * (each output is one contiguous dot product); `buffers[l]` receives layer l's output and the last
 * one is returned (reused by the next call). Hidden layers apply tanh or ReLU; the output layer
 * is linear.
 */
export function denseForward(
  sizes: readonly number[],
  tanh: boolean,
  kernels: readonly Float32Array[],
  biases: readonly Float32Array[],
  buffers: readonly Float32Array[],
  input: Float32Array,
): Float32Array {
  const layers = sizes.length - 1;
  let h = input;
  for (let layer = 0; layer < layers; layer++) {
    const fanIn = sizes[layer]!;
    const fanOut = sizes[layer + 1]!;
    const kernel = kernels[layer]!;
    const bias = biases[layer]!;
    const out = buffers[layer]!;
    const isHidden = layer + 1 < layers;
    for (let j = 0; j < fanOut; j++) {
      // Four running sums let the JIT overlap the multiply-adds.
      const row = j * fanIn;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i + 3 < fanIn; i += 4) {
        s0 += h[i]! * kernel[row + i]!;
        s1 += h[i + 1]! * kernel[row + i + 1]!;
        s2 += h[i + 2]! * kernel[row + i + 2]!;
        s3 += h[i + 3]! * kernel[row + i + 3]!;
      }
      for (; i < fanIn; i++) s0 += h[i]! * kernel[row + i]!;
      const z = Math.fround(bias[j]! + (s0 + s1 + (s2 + s3)));
      out[j] = !isHidden ? z : tanh ? Math.tanh(z) : Math.max(z, 0);
    }
    h = out;
  }
  return h;
}
