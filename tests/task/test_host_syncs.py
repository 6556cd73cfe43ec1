"""No host syncs and no device-less tensors on the step path, for every preset (real env on Newton, CPU).

A ``TorchFunctionMode`` (tests/helpers/hostsync.py; nothing is patched) sees every torch call while the env steps and
counts the host syncs (``.item()``, ``.tolist()``, ``.cpu()``, ``bool/float/int(tensor)``, ``nonzero``, boolean-mask
indexing, ``torch.tensor`` / ``as_tensor`` of Python data: a blocking host-to-device copy on CUDA, ...) and the
tensors made without ``device=`` whose calling frame is in dactyl_lab. On the CPU a sync
costs nothing, on CUDA each one stalls the GPU pipeline: counted here so a CPU run catches what only a GPU shows.
Episodes are 10 steps long, so every env resets (and re-randomizes) twice during the audited steps. With
``presets=adr`` the steps where ADR syncs and logs (every ``adr_sync_interval_steps``) may read values on the host.
"""

import pytest

from tests.helpers.envs import close_env, make_env, zeros
from tests.helpers.hostsync import StepPathAudit

pytestmark = pytest.mark.sim
NUM_ENVS, WARMUP_STEPS, AUDITED_STEPS = 8, 3, 24


def short_episodes(cfg):
    cfg.episode_length_s = 10 * cfg.sim.dt * cfg.decimation


def logging_step(env) -> bool:
    from dactyl_lab.tasks.randomization import adr_of

    u = env.unwrapped
    if adr_of(u) is None:  # the ADR is the curriculum term's (no env attribute)
        return False
    return u.common_step_counter % max(1, int(u.cfg.randomization.adr_sync_interval_steps)) == 0


@pytest.mark.parametrize("presets", [(), ("randomized",), ("adr",)], ids=["default", "randomized", "adr"])
def test_step_path_has_no_host_syncs_and_no_device_less_tensors(presets):
    env = make_env(num_envs=NUM_ENVS, seed=3, presets=presets, edit=short_episodes)
    try:
        env.reset()
        action = zeros(env)
        for _ in range(WARMUP_STEPS):  # lazy one-time setup (solver handles, first ADR log)
            env.step(action)
        syncs, no_device, resets = {}, {}, 0
        for _ in range(AUDITED_STEPS):
            with StepPathAudit() as audit:
                _, _, terminated, truncated, _ = env.step(action)
            resets += int((terminated | truncated).sum())
            if not logging_step(env):
                for key, calls in audit.syncs.items():
                    syncs[key] = syncs.get(key, 0) + calls
            for key, calls in audit.no_device.items():
                no_device[key] = no_device.get(key, 0) + calls
        assert resets >= 2 * NUM_ENVS  # the reset path ran too
        assert not syncs, f"host syncs on the step path ({{(kind, caller): calls}}): {syncs}"
        assert not no_device, f"tensors made without device= on the step path: {no_device}"
    finally:
        close_env(env)
