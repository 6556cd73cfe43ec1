"""Which device each rank takes (pure functions: checkable without GPUs)."""

import pytest

from dactyl_lab.training.distributed import Rank, cuda_device, device_for


def test_ranks_of_a_node_take_their_own_gpu():
    assert [cuda_device(r, 8) for r in range(8)] == [f"cuda:{r}" for r in range(8)]


def test_one_visible_gpu_per_rank_is_cuda_0():
    assert [cuda_device(r, 1) for r in range(4)] == ["cuda:0"] * 4  # per-rank CUDA_VISIBLE_DEVICES (SLURM)


def test_more_ranks_than_gpus_names_the_fix():
    with pytest.raises(RuntimeError, match="nproc_per_node"):
        cuda_device(3, 2)


def test_cpu_when_asked_or_without_cuda():
    import torch

    assert device_for(Rank(1, 1, 2), "cpu") == "cpu"
    if not torch.cuda.is_available():
        assert device_for(Rank(1, 1, 2), "cuda") == "cpu"


# ------------------------------------------------------------------ one visible GPU per rank (SLURM), CUDA stubbed
class CudaCalls:
    """Stand-ins for the CUDA and process-group calls (this machine has no GPU): one visible device, and a record
    of the device selected and the process group joined."""

    def __init__(self, monkeypatch):
        import torch
        import torch.distributed as dist

        self.set_device, self.groups = [], []
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
        monkeypatch.setattr(torch.cuda, "set_device", self.set_device.append)
        monkeypatch.setattr(dist, "is_initialized", lambda: False)
        monkeypatch.setattr(dist, "init_process_group", lambda backend, **kw: self.groups.append((backend, kw)))


@pytest.fixture
def slurm_rank(monkeypatch):
    """Rank 2 of 4, LOCAL_RANK 2, with one visible GPU (a per-rank CUDA_VISIBLE_DEVICES)."""
    for name, value in (("RANK", "2"), ("LOCAL_RANK", "2"), ("WORLD_SIZE", "4")):
        monkeypatch.setenv(name, value)
    return CudaCalls(monkeypatch)


def test_one_visible_gpu_rank_takes_cuda_0(slurm_rank):
    from dactyl_lab.training.distributed import from_env

    assert device_for(from_env()) == "cuda:0"
    assert device_for(from_env(), "cuda") == "cuda:0"


def test_rsl_rl_runner_joins_nccl_on_the_visible_gpu(slurm_rank):
    from rsl_rl.runners import OnPolicyRunner

    from dactyl_lab.training.rsl_rl_runner import DactylOnPolicyRunner

    stock = OnPolicyRunner.__new__(OnPolicyRunner)
    stock.device, stock.cfg = "cuda:0", {}
    with pytest.raises(ValueError, match="does not match expected device for local rank"):
        stock._configure_multi_gpu()  # rsl_rl alone: the break this runner fixes

    runner = DactylOnPolicyRunner.__new__(DactylOnPolicyRunner)
    runner.device, runner.cfg = "cuda:0", {}
    runner._configure_multi_gpu()
    assert slurm_rank.set_device == ["cuda:0"]
    assert slurm_rank.groups == [("nccl", {"rank": 2, "world_size": 4})]
    assert runner.is_distributed and (runner.gpu_global_rank, runner.gpu_local_rank, runner.gpu_world_size) == (2, 2, 4)
    assert runner.cfg["multi_gpu"] == {"global_rank": 2, "local_rank": 2, "world_size": 4}


def test_rsl_rl_runner_cpu_ranks_join_gloo(monkeypatch):
    for name, value in (("RANK", "1"), ("LOCAL_RANK", "1"), ("WORLD_SIZE", "2")):
        monkeypatch.setenv(name, value)
    calls = CudaCalls(monkeypatch)
    from dactyl_lab.training.rsl_rl_runner import DactylOnPolicyRunner

    runner = DactylOnPolicyRunner.__new__(DactylOnPolicyRunner)
    runner.device, runner.cfg = "cpu", {}
    runner._configure_multi_gpu()
    assert calls.set_device == [] and calls.groups == [("gloo", {"rank": 1, "world_size": 2})]


@pytest.mark.parametrize("algo", ["a2c_continuous", "a2c_discrete"])
def test_rl_games_agents_join_on_the_visible_gpu(slurm_rank, algo):
    """rl-games' A2CBase would join NCCL itself and move the agent to ``cuda:LOCAL_RANK`` (cuda:2, which this rank
    cannot see): the agent's base class gets a single-process config on cuda:0, after the rank joined NCCL there."""
    from dactyl_lab.training import rl_games_checkpointing
    from dactyl_lab.training.rl_games_agent import MultiRankMixin

    agent_class = rl_games_checkpointing.AGENTS[algo]
    assert MultiRankMixin in agent_class.__mro__  # both agents (continuous and the paper's discrete) have it

    class RecordingBase:  # stands in for rl-games' A2CBase.__init__ (which needs an env): records its config
        def __init__(self, base_name, params):
            self.seen = dict(params["config"])
            self.writer = None

    class Agent(MultiRankMixin, RecordingBase):
        pass

    config = {"multi_gpu": True, "device": "cuda:0", "device_name": "cuda:0", "print_stats": True, "lr_schedule": "x"}
    agent = Agent("run", {"config": config})
    assert agent.seen["multi_gpu"] is False and agent.seen["device"] == agent.seen["device_name"] == "cuda:0"
    assert agent.seen["print_stats"] is False and agent.seen["lr_schedule"] is None  # rank > 0, as rl-games does
    assert slurm_rank.set_device == ["cuda:0"]
    assert slurm_rank.groups == [("nccl", {"rank": 2, "world_size": 4})]
    assert (agent.global_rank, agent.local_rank, agent.world_size) == (2, 2, 4)
