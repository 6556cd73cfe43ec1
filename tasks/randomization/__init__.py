"""Batched randomization for the Dactyl task: distributions, observation / action noise, unmodeled
effects and Automatic Domain Randomization, pure torch, vectorised over environments on any device.

Typical wiring on a reset of ``env_ids`` (the task runs the ADR update as a curriculum term, before the events):
``adr.update(env_ids, successes)`` -> ``adr.resample(env_ids)`` -> ``sample_physics(...)`` ->
``obs_noise.reset(env_ids, adr)`` / ``action_noise.reset(env_ids, adr)`` / ``delay.reset(env_ids)`` / ...
Per control step (in the task's action term): (task smoothing of the action) -> ``action_noise`` -> ``delay`` ->
``backlash`` on the normalized action, then the target law, ``jitter.step()`` as a latency of the new targets;
``forces.step(mass)``; observations: ``obs_noise.apply_*`` once per step.
"""

from .action_noise import ActionNoise, ActionNoiseCfg
from .adr import ADR, ADRCfg, ADRParamCfg
from .checkpointing import CHECKPOINT_KEY as ADR_CHECKPOINT_KEY
from .checkpointing import adr_of, adr_state_dict, adr_term, load_adr_state_dict
from .distributions import (
    DistributionCfg,
    add_gaussian_noise,
    make_generator,
    per_step_probability,
    resolve_env_ids,
    sample,
    sample_bernoulli,
    sample_exponential,
    sample_gaussian,
    sample_log_uniform,
    sample_uniform,
    sample_unit_vectors,
)
from .mapping import (
    PhysicsRandomizationCfg,
    RandomizedValueCfg,
    adr_or_fixed,
    apply_operation,
    largest_value,
    sample_physics,
    sample_value,
)
from .noise import CorrelatedGaussianNoise
from .observation_noise import (
    MarkerDropout,
    MarkerDropoutCfg,
    MarkerMisplacementCfg,
    MarkerOcclusionCfg,
    NoiseTermCfg,
    ObservationNoise,
    ObservationNoiseCfg,
    nail_site_occlusion,
)
from .presets import (
    adr_action_noise_cfg,
    adr_observation_noise_cfg,
    adr_physics_cfg,
    adr_unmodeled_cfgs,
    dactyl_adr_cfg,
    dactyl_adr_params,
)
from .unmodeled import (
    ActionDelay,
    ActionDelayCfg,
    Backlash,
    BacklashCfg,
    RandomForceCfg,
    RandomObjectForce,
    TimingJitter,
    TimingJitterCfg,
    late_target_weight,
)
