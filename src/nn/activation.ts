/**
 * @module
 * The hidden-layer activations mimic's MLPs use. A leaf: the tfjs MLP (`mlp.ts`), the fused
 * engine (`fused/`) and the policy files all name it without importing one another.
 */
export type Activation = "tanh" | "relu";
