"""PyTorch baseline for `npm run bench -- nn` (bench/nn.ts starts it with /usr/bin/python3).

Reads one JSON object on stdin: {"threads": [2, 1], "shapes": [{"name", "obs", "hidden", "act",
"batch"}...], "n": rows of data, "targetSeconds": time per repetition, "repeats": k}. For each
thread count and shape it times training steps of the same MLP as mimic's fused trainer (Linear + tanh layers,
Adam lr 1e-4, categorical NLL = F.cross_entropy, the batch gathered from an N-row data set by the
same index pattern) and batch-1 forward latency under no_grad. Prints one JSON object on stdout,
with the BLAS library the process loaded (Debian's torch uses whatever libblas.so.3 points to:
the reference BLAS unless OpenBLAS is installed).
"""

import json
import sys
import time

import torch
import torch.nn.functional as F


def mlp(obs, hidden, act):
    layers = []
    width = obs
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.Tanh()]
        width = h
    layers.append(torch.nn.Linear(width, act))
    return torch.nn.Sequential(*layers)


def rates(body, target_seconds, repeats):
    """Median units/s of body(units), after a warm-up that calibrates units to target_seconds, and
    median units per second of this process's CPU time (all threads)."""
    units = 1
    while True:
        start = time.perf_counter()
        body(units)
        elapsed = time.perf_counter() - start
        if elapsed >= 0.05:
            break
        units *= 2
    units = max(1, int(units * target_seconds / elapsed))
    wall = []
    cpu = []
    for _ in range(repeats):
        cpu_start = time.process_time()
        start = time.perf_counter()
        body(units)
        wall.append(units / (time.perf_counter() - start))
        cpu.append(units / max(time.process_time() - cpu_start, 1e-9))
    wall.sort()
    cpu.sort()
    return wall[len(wall) // 2], cpu[len(cpu) // 2]


def loaded_blas():
    """The BLAS/LAPACK shared libraries mapped into this process."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower()}
    except OSError:
        return "unknown"
    return ", ".join(sorted(paths)) or "none mapped"


def main():
    config = json.load(sys.stdin)
    runs = []
    for threads in config["threads"]:
        torch.set_num_threads(threads)
        runs.append({"threads": torch.get_num_threads(), "shapes": measure(config)})
    json.dump({"torch": torch.__version__, "blas": loaded_blas(), "runs": runs}, sys.stdout)


def measure(config):
    torch.manual_seed(0)
    n = config["n"]
    results = []
    for shape in config["shapes"]:
        model = mlp(shape["obs"], shape["hidden"], shape["act"])
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        x_all = torch.randn(n, shape["obs"])
        y_all = torch.randint(0, shape["act"], (n,))
        batch = shape["batch"]
        order = torch.tensor([(i * 2654435761) % n for i in range(n)], dtype=torch.long)
        state = {"s": 0}

        def train(steps):
            for _ in range(steps):
                start = (state["s"] * batch) % (n - batch)
                state["s"] += 1
                idx = order[start : start + batch]
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(x_all[idx]), y_all[idx])
                loss.backward()
                opt.step()

        steps_per_second, steps_per_cpu_second = rates(train, config["targetSeconds"], config["repeats"])
        obs1 = [torch.randn(1, shape["obs"]) for _ in range(64)]

        def act(reps):
            with torch.no_grad():
                for i in range(reps):
                    model(obs1[i & 63]).argmax()

        act_rate, _ = rates(act, config["targetSeconds"], config["repeats"])
        results.append(
            {
                "name": shape["name"],
                "stepsPerSecond": steps_per_second,
                "stepsPerCpuSecond": steps_per_cpu_second,
                "actMicros": 1e6 / act_rate,
            }
        )
    return results


if __name__ == "__main__":
    main()
