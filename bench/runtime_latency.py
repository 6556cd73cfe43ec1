"""Real-hand runtime latency: policy inference (ONNX Runtime vs PyTorch eager, FF and LSTM, batch 1, CPU) and
the full control loop (read, observe, infer, act, total) on the MuJoCo stand-in against the 80 ms period.

    /work/venv/bin/python bench/runtime_latency.py [--iters 2000] [--fast-steps 1000] [--realtime-steps 100]

The bench imports torch (to export the networks and to time eager PyTorch); the runtime itself never does.
Networks: FF = rsl_rl actor of agents/rsl_rl_cfg.py (MLP 512-512-256 ELU); LSTM = the paper's
(dense 1024 ReLU -> LSTM 512 -> linear). Both 46 observations -> 20 actions.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch

from dactyl_lab.contract import embed_contract, make_dactyl_contract
from dactyl_lab.runtime.backends.mujoco_standin import MujocoStandInHand, SimulatedTracker
from dactyl_lab.runtime.loop import ControlLoop, LoopConfig
from dactyl_lab.runtime.policy import OnnxPolicy
from dactyl_lab.runtime.stats import format_latency_table

OBS, ACT = 46, 20


class FF(torch.nn.Module):
    def __init__(self):
        super().__init__()
        dims, layers = [OBS, 512, 512, 256], []
        for a, b in zip(dims[:-1], dims[1:]):
            layers += [torch.nn.Linear(a, b), torch.nn.ELU()]
        self.net = torch.nn.Sequential(*layers, torch.nn.Linear(256, ACT))

    def forward(self, obs):
        return self.net(obs)


class LSTM(torch.nn.Module):
    def __init__(self, hidden=512):
        super().__init__()
        self.dense = torch.nn.Sequential(torch.nn.Linear(OBS, 1024), torch.nn.ReLU())
        self.lstm = torch.nn.LSTM(1024, hidden)
        self.head = torch.nn.Linear(hidden, ACT)

    def forward(self, obs, h_in, c_in):
        y, (h, c) = self.lstm(self.dense(obs).unsqueeze(0), (h_in, c_in))
        return self.head(y.squeeze(0)), h, c


def export(folder: Path) -> dict[str, tuple[Path, torch.nn.Module]]:
    torch.manual_seed(0)
    ff, lstm = FF().eval(), LSTM().eval()
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = folder / "ff.onnx"
        torch.onnx.export(
            ff,
            (torch.zeros(1, OBS),),
            str(path),
            dynamo=False,
            opset_version=17,
            input_names=["obs"],
            output_names=["actions"],
            dynamic_axes={"obs": {0: "batch"}, "actions": {0: "batch"}},
        )
        model = onnx.load(str(path))
        onnx.save(embed_contract(model, make_dactyl_contract("bench-ff")), str(path))
        out["FF 512-512-256"] = (path, ff)
        path = folder / "lstm.onnx"
        zeros = torch.zeros(1, 1, 512)
        torch.onnx.export(
            lstm,
            (torch.zeros(1, OBS), zeros, zeros),
            str(path),
            dynamo=False,
            opset_version=17,
            input_names=["obs", "h_in", "c_in"],
            output_names=["actions", "h_out", "c_out"],
            dynamic_axes={"obs": {0: "batch"}, "h_in": {1: "batch"}, "c_in": {1: "batch"}},
        )
        model = onnx.load(str(path))
        contract = make_dactyl_contract("bench-lstm", recurrent=True, hidden_size=512)
        onnx.save(embed_contract(model, contract), str(path))
        out["LSTM 1024->512"] = (path, lstm)
    return out


def _percentiles(samples_s: list[float]) -> tuple[float, float]:
    a = 1e3 * np.asarray(samples_s)
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def time_inference(path: Path, module: torch.nn.Module, iters: int, threads: int) -> dict[str, tuple[float, float]]:
    rng = np.random.default_rng(0)
    obs = rng.standard_normal((iters + 50, OBS)).astype(np.float32)
    policy = OnnxPolicy(path, threads=threads)
    ort_times = []
    for i, o in enumerate(obs):
        t = time.perf_counter()
        policy(o)
        if i >= 50:
            ort_times.append(time.perf_counter() - t)
    torch.set_num_threads(threads)
    recurrent = isinstance(module, LSTM)
    h = c = torch.zeros(1, 1, 512)
    eager_times = []
    with torch.inference_mode():
        for i, o in enumerate(obs):
            t = time.perf_counter()
            x = torch.from_numpy(o)[None]
            if recurrent:
                a, h, c = module(x, h, c)
            else:
                a = module(x)
            a.numpy()
            if i >= 50:
                eager_times.append(time.perf_counter() - t)
    return {"onnxruntime": _percentiles(ort_times), "torch eager": _percentiles(eager_times)}


def run_loop(path: Path, steps: int, realtime: bool):
    standin = MujocoStandInHand(seed=0)
    tracker = SimulatedTracker(standin, seed=1)
    policy = OnnxPolicy(path)
    loop = ControlLoop(policy.contract, policy, standin, tracker, config=LoopConfig(realtime=realtime, max_steps=steps))
    return loop.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iters", type=int, default=2000, help="timed inferences per network and engine")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads for both engines")
    parser.add_argument("--fast-steps", type=int, default=1000, help="control steps without sleeping (stage latency)")
    parser.add_argument("--realtime-steps", type=int, default=100, help="control steps in real time (80 ms each)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        nets = export(Path(folder))
        print(
            f"policy inference, batch 1, CPU, {args.threads} thread(s), {args.iters} calls "
            f"(onnxruntime {__import__('onnxruntime').__version__}, torch {torch.__version__})"
        )
        print(f"{'network':<16} {'engine':<12} {'p50 ms':>8} {'p99 ms':>8}")
        for name, (path, module) in nets.items():
            for engine, (p50, p99) in time_inference(path, module, args.iters, args.threads).items():
                print(f"{name:<16} {engine:<12} {p50:>8.3f} {p99:>8.3f}")

        lstm_path = nets["LSTM 1024->512"][0]
        runs = (("fast (no sleep)", args.fast_steps, False), ("real time", args.realtime_steps, True))
        for label, steps, realtime in runs:
            if steps <= 0:
                continue
            summary = run_loop(lstm_path, steps, realtime)
            print(
                f"\nfull control loop, LSTM 1024->512, MuJoCo stand-in, {label}: {summary.steps} steps, "
                f"deadline misses {summary.deadline_misses}"
            )
            print(format_latency_table(summary.latency, summary.control_period_s))


if __name__ == "__main__":
    main()
