/**
 * @module
 * Micro-batching: single observations that arrive within a short window are stacked into one
 * `actBatch` call, and each caller gets its own row of the result back.
 */

/** Acts on `count` observations stacked row by row; returns `count × actionDim` numbers. */
export type ActBatch = (observations: Float32Array, count: number) => ArrayLike<number>;

export interface MicroBatcher {
  /** The action (as `actionDim` numbers) for one observation of `dim` numbers. */
  act(observation: ArrayLike<number>): Promise<number[]>;
  /** Acts on everything queued now; later `act` calls are refused. */
  close(): void;
}

interface Pending {
  observation: ArrayLike<number>;
  resolve: (action: number[]) => void;
  reject: (error: unknown) => void;
}

export interface MicroBatcherOptions {
  /** Numbers per observation. */
  dim: number;
  /** How long the first queued observation waits for company, in milliseconds. */
  windowMs: number;
  /** A full batch is acted on at once, without waiting for the window. */
  maxBatch: number;
}

export function createMicroBatcher(actBatch: ActBatch, options: MicroBatcherOptions): MicroBatcher {
  const { dim, windowMs, maxBatch } = options;
  let queue: Pending[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      run(batch);
    }
  };

  const run = (batch: Pending[]) => {
    const count = batch.length;
    const stacked = new Float32Array(count * dim);
    batch.forEach((p, row) => {
      for (let i = 0; i < dim; i++) stacked[row * dim + i] = p.observation[i]!;
    });
    let actions: ArrayLike<number>;
    try {
      actions = actBatch(stacked, count);
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    const actionDim = actions.length / count;
    batch.forEach((p, row) => {
      p.resolve(Array.from({ length: actionDim }, (_, i) => actions[row * actionDim + i]!));
    });
  };

  return {
    act(observation) {
      if (closed) return Promise.reject(new Error("The policy server is shutting down."));
      return new Promise<number[]>((resolve, reject) => {
        queue.push({ observation, resolve, reject });
        if (queue.length >= maxBatch) flush();
        else if (timer === undefined) timer = setTimeout(flush, windowMs);
      });
    },
    close() {
      closed = true;
      flush();
    },
  };
}
