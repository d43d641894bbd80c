"""PyTorch baseline for the CNN and GRU rows of `npm run bench -- nn` (bench/nn-encoders.ts starts it
with /usr/bin/python3).

Reads one JSON object on stdin: {"threads": [2, 1], "workloads": [...], "targetSeconds",
"repeats"}. A workload is either
  {"kind": "cnn", "name", "batch", "image": [H, W, C], "convs": [{"channels", "kernel", "stride"}],
   "features", "hidden": [..], "act"}
(uint8 images, NCHW here, /255, convs with ReLU, flatten, Linear(features) ReLU, the ReLU head,
Linear(act)), or
  {"kind": "gru", "name", "batch", "window", "obs", "gruHidden", "hidden": [..], "act"}
(nn.GRU(batch_first=True), its last hidden state, Linear/Tanh layers, Linear(act)).
Each trains with F.cross_entropy and Adam (lr 1e-3) on a fixed pool of random batches. Prints one
JSON object: {"torch", "runs": [{"threads", "workloads": [{"name", "stepsPerSecond",
"stepsPerCpuSecond"}]}]}.
"""

import json
import sys

import torch
import torch.nn.functional as F

from torch_mlp import rates

POOL = 4


def cnn(w):
    h, wd, c = w["image"]
    layers = []
    ch = c
    for conv in w["convs"]:
        layers += [torch.nn.Conv2d(ch, conv["channels"], conv["kernel"], conv["stride"]), torch.nn.ReLU()]
        ch = conv["channels"]
    body = torch.nn.Sequential(*layers)
    with torch.no_grad():
        flat = body(torch.zeros(1, c, h, wd)).numel()
    head = [torch.nn.Flatten(), torch.nn.Linear(flat, w["features"]), torch.nn.ReLU()]
    width = w["features"]
    for units in w["hidden"]:
        head += [torch.nn.Linear(width, units), torch.nn.ReLU()]
        width = units
    head.append(torch.nn.Linear(width, w["act"]))
    return torch.nn.Sequential(body, *head)


class GruPolicy(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.gru = torch.nn.GRU(w["obs"], w["gruHidden"], batch_first=True)
        layers = []
        width = w["gruHidden"]
        for units in w["hidden"]:
            layers += [torch.nn.Linear(width, units), torch.nn.Tanh()]
            width = units
        layers.append(torch.nn.Linear(width, w["act"]))
        self.head = torch.nn.Sequential(*layers)

    def forward(self, x):
        _, h = self.gru(x)
        return self.head(h[-1])


def measure(config):
    torch.manual_seed(0)
    results = []
    for w in config["workloads"]:
        b = w["batch"]
        if w["kind"] == "cnn":
            model = cnn(w)
            h, wd, c = w["image"]
            xs = [torch.randint(0, 256, (b, c, h, wd), dtype=torch.uint8) for _ in range(POOL)]

            def inputs(i):
                return xs[i].float() / 255

        else:
            model = GruPolicy(w)
            xs = [torch.randn(b, w["window"], w["obs"]) for _ in range(POOL)]

            def inputs(i):
                return xs[i]

        ys = [torch.randint(0, w["act"], (b,)) for _ in range(POOL)]
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        state = {"s": 0}

        def train(steps):
            for _ in range(steps):
                i = state["s"] % POOL
                state["s"] += 1
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(inputs(i)), ys[i])
                loss.backward()
                opt.step()

        wall, cpu = rates(train, config["targetSeconds"], config["repeats"])
        results.append({"name": w["name"], "stepsPerSecond": wall, "stepsPerCpuSecond": cpu})
    return results


def main():
    config = json.load(sys.stdin)
    runs = []
    for threads in config["threads"]:
        torch.set_num_threads(threads)
        runs.append({"threads": torch.get_num_threads(), "workloads": measure(config)})
    json.dump({"torch": torch.__version__, "runs": runs}, sys.stdout)


if __name__ == "__main__":
    main()
