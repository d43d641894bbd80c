/** Locates the repository root and reads test fixtures, whether tests run compiled (build/) or via tsx. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("test helpers: could not find the repository root (package.json).");
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRoot();

export function fixturePath(...parts: string[]): string {
  return join(repoRoot, "test", "fixtures", ...parts);
}

export function readFixture<T>(...parts: string[]): T {
  return JSON.parse(readFileSync(fixturePath(...parts), "utf8")) as T;
}

/** One episode of a Gymnasium reference trace (shared/fixtures/gymnasium, Gymnasium 0.29.1). */
export interface GymStep {
  action: number | number[];
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
}
export interface GymEpisode {
  seed: number;
  policy: string;
  reset_state: number[];
  reset_obs: number[];
  steps: GymStep[];
}
export interface GymFixture {
  env_id: string;
  gymnasium_version: string;
  max_episode_steps: number;
  episodes: GymEpisode[];
}

export const GYM_IDS = [
  "CartPole-v1",
  "MountainCar-v0",
  "MountainCarContinuous-v0",
  "Pendulum-v1",
  "Acrobot-v1",
] as const;

export function gymFixture(id: string): GymFixture {
  return readFixture<GymFixture>("gymnasium", `${id}.json`);
}
