"""DactylOnPolicyRunner's end-of-iteration hook, without a simulation."""

from types import SimpleNamespace

import pytest
import torch

from dactyl_lab.training.rsl_rl_runner import DactylOnPolicyRunner, StopTraining

KEY = "Metrics/consecutive_successes_max"


def bare_runner(extras, stop=False):
    runner = DactylOnPolicyRunner.__new__(DactylOnPolicyRunner)  # just the hook's state
    runner._stop_requested, runner.is_distributed, runner.device = stop, False, "cpu"
    runner.logger = SimpleNamespace(ep_extras=extras)
    return runner


def test_consecutive_successes_max_is_the_maximum_over_the_iteration():
    extras = [{KEY: torch.tensor(2.0)}, {"Episode_Reward/goal_bonus": torch.tensor(1.0)}, {KEY: torch.tensor(7.0)}]
    logged = []
    bare_runner(extras)._end_of_iteration(lambda **kw: logged.append([e.get(KEY) for e in extras]), it=3)
    assert logged == [[7.0, None, 7.0]]  # rsl_rl averages what it finds: the mean is now the maximum


def test_a_stop_request_ends_training_after_the_iteration_is_logged():
    logged = []
    with pytest.raises(StopTraining):
        bare_runner([], stop=True)._end_of_iteration(lambda **kw: logged.append(kw["it"]), it=5)
    assert logged == [5]
