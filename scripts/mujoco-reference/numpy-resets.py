"""Gymnasium's v5 reset noise for the five MuJoCo envs, drawn with numpy itself.

Writes test/fixtures/mujoco/numpy-resets.json: for each env and seed 0-2, the start qpos and qvel
that Gymnasium's `reset(seed=seed)` computes, `init_qpos + np_random.uniform(...)` and
`init_qvel + np_random.uniform(...)` (or `+ reset_noise_scale * np_random.standard_normal(nv)` for
HalfCheetah and Ant), where `np_random` is `np.random.Generator(np.random.PCG64(SeedSequence(seed)))`
as `gymnasium.utils.seeding.np_random` makes it. Needs numpy only (Gymnasium and MuJoCo are not
needed: the noise does not depend on them). init_qpos and init_qvel are the models' qpos0 and zero
velocities; test/mujoco.test.ts checks them against the loaded models.

    python3 scripts/mujoco-reference/numpy-resets.py
"""

import json
import pathlib

import numpy as np

ENVS = {
    # id: (init_qpos, nv, reset_noise_scale, qvel noise)
    "InvertedPendulum-v5": ([0.0, 0.0], 2, 0.01, "uniform"),
    "Hopper-v5": ([0.0, 1.25, 0.0, 0.0, 0.0, 0.0], 6, 5e-3, "uniform"),
    "HalfCheetah-v5": ([0.0] * 9, 9, 0.1, "normal"),
    "Walker2d-v5": ([0.0, 1.25] + [0.0] * 7, 9, 5e-3, "uniform"),
    "Ant-v5": ([0.0, 0.0, 0.75, 1.0] + [0.0] * 11, 14, 0.1, "normal"),
}

out = {"numpy_version": np.__version__, "envs": {}}
for env_id, (init_qpos, nv, scale, qvel_noise) in ENVS.items():
    init_qpos = np.array(init_qpos)
    init_qvel = np.zeros(nv)
    resets = []
    for seed in (0, 1, 2):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
        qpos = init_qpos + rng.uniform(low=-scale, high=scale, size=init_qpos.size)
        if qvel_noise == "uniform":
            qvel = init_qvel + rng.uniform(low=-scale, high=scale, size=nv)
        else:
            qvel = init_qvel + scale * rng.standard_normal(nv)
        resets.append({"seed": seed, "qpos": qpos.tolist(), "qvel": qvel.tolist()})
    out["envs"][env_id] = {"qvel_noise": qvel_noise, "resets": resets}

path = pathlib.Path(__file__).resolve().parents[2] / "test/fixtures/mujoco/numpy-resets.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"{path}: numpy {np.__version__}")
