"""The ADR preset: every physics randomization and noise magnitude driven by an ADR parameter.

Nominal values are "no randomization" (scale 1 as log-scale 0, offsets and noise std 0). Hard limits and
steps are our choices (not from a paper): a few times the fixed ranges of Dactyl's Table 1 and noise
table, so ADR may go past the manual randomization but not without bound. Steps are ~1/20 to 1/40 of a
limit; OpenAI's default 0.02 is kept for the scale parameters. A parameter grown from 0 measures its width, for the
ADR entropy, in the paper's fixed magnitude of it (``unit``: :mod:`.adr_report`); the backlash scale's unit is 1
(the model's nominal amounts); the timing parameter's is the paper's largest mean extra time, 1 / 1250 s.
"""

from __future__ import annotations

import math

from dactyl_lab.spec import noise
from dactyl_lab.spec import randomization as paper

from .action_noise import ActionNoiseCfg
from .adr import ADRCfg, ADRParamCfg
from .mapping import PhysicsRandomizationCfg
from .observation_noise import ObservationNoiseCfg
from .unmodeled import ActionDelayCfg, BacklashCfg, RandomForceCfg, TimingJitterCfg


def _p(nominal, low, high, step=None, unit=None) -> ADRParamCfg:
    return ADRParamCfg(nominal=nominal, hard_limits=(low, high), step=step, unit=unit)


def dactyl_adr_params() -> dict[str, ADRParamCfg]:
    """ADR parameters of the preset, by name (units in the names; ``*_log`` parameters are ln(scale))."""
    return {
        # physics (value mode; *_log with adr_transform="exp")
        "object_scale": _p(1.0, 0.8, 1.2, 0.01),
        "object_mass_scale": _p(1.0, 0.2, 3.0),
        "hand_mass_scale": _p(1.0, 0.2, 3.0),
        "object_friction_scale": _p(1.0, 0.3, 2.0),
        "hand_friction_scale": _p(1.0, 0.3, 2.0),
        "joint_damping_scale_log": _p(0.0, math.log(0.1), math.log(10.0), 0.05),
        "actuator_gain_scale_log": _p(0.0, math.log(0.5), math.log(2.0), 0.02),
        # physics (std mode: lambda is the std of per-element Gaussian offsets)
        "joint_limit_offset_std_rad": _p(0.0, 0.0, 0.3, 0.01, paper.JOINT_LIMIT_OFFSET_STD_RAD),
        "gravity_offset_std_mps2": _p(0.0, 0.0, 1.0, 0.02, paper.GRAVITY_OFFSET_STD_MPS2),
        # observation noise std (misplaced markers: Table 7's 3 mm / 1 mm, limits twice that)
        "obs_fingertip_misplaced_std_m": _p(0.0, 0.0, 0.006, 0.0002, noise.FINGERTIP_MARKER_MISPLACEMENT_STD_M),
        "obs_hand_base_misplaced_std_m": _p(0.0, 0.0, 0.002, 0.0001, noise.HAND_BASE_MARKER_MISPLACEMENT_STD_M),
        "obs_fingertip_corr_std_m": _p(0.0, 0.0, 0.004, 0.0002, noise.FINGERTIP_POS_STD_M[0]),
        "obs_fingertip_uncorr_std_m": _p(0.0, 0.0, 0.008, 0.0002, noise.FINGERTIP_POS_STD_M[1]),
        "obs_object_pos_corr_std_m": _p(0.0, 0.0, 0.02, 0.0005, noise.OBJECT_POS_STD_M[0]),
        "obs_object_pos_uncorr_std_m": _p(0.0, 0.0, 0.004, 0.0002, noise.OBJECT_POS_STD_M[1]),
        "obs_object_rot_corr_std_rad": _p(0.0, 0.0, 0.4, 0.01, noise.OBJECT_ROT_STD_RAD[0]),
        "obs_object_rot_uncorr_std_rad": _p(0.0, 0.0, 0.4, 0.01, noise.OBJECT_ROT_STD_RAD[1]),
        # action noise, fractions of each motor's range
        "action_uncorr_frac": _p(0.0, 0.0, 0.2, 0.005, noise.ACTION_UNCORRELATED_FRAC),
        "action_corr_frac": _p(0.0, 0.0, 0.06, 0.002, noise.ACTION_CORRELATED_FRAC),
        "action_mult_frac": _p(0.0, 0.0, 0.06, 0.002, noise.ACTION_MULTIPLICATIVE_FRAC),
        # unmodeled effects (paper values: delay p 0.5, force std 1 m/s^2, extra step time 0.1-0.8 ms per 8 ms)
        "action_delay_prob": _p(0.0, 0.0, 1.0, 0.02, paper.ACTION_DELAY_PROBABILITY),
        "backlash_scale": _p(0.0, 0.0, 2.0, 0.04),
        "object_force_accel_std_mps2": _p(0.0, 0.0, 2.0, 0.04, paper.OBJECT_FORCE_ACCEL_STD_MPS2),
        "timing_extra_step_time_s": _p(0.0, 0.0, 0.0016, 0.00004, 1.0 / paper.TIMING_RATE_RANGE_PER_S[0]),
    }


def dactyl_adr_cfg(**kwargs) -> ADRCfg:
    """ADRCfg holding :func:`dactyl_adr_params` (OpenAI's ADR settings unless overridden by ``kwargs``)."""
    return ADRCfg(params=dactyl_adr_params(), **kwargs)


UNMODELED_ADR_PARAMS = {
    "delay": "action_delay_prob",
    "backlash": "backlash_scale",
    "object_force": "object_force_accel_std_mps2",
    "timing": "timing_extra_step_time_s",
}
"""ADR parameter of each unmodeled effect's magnitude (the models' ``*_adr_param``: :func:`adr_unmodeled_cfgs`):
per-episode probability that an actuator is delayed one step; scale of the backlash
amounts (1 = robogym's calibrated amounts, 0 = none); std of each random-force component per unit object mass
[m/s^2]; mean extra time per 8 ms physics step [s] (1 / lambda of the paper's Exp(lambda))."""


def adr_unmodeled_cfgs() -> dict:
    """The delay, backlash, timing and random-force cfgs of ``presets=adr``: the paper's models whose magnitudes each
    reads from its ADR parameter (:data:`UNMODELED_ADR_PARAMS`) at its reset."""
    names = UNMODELED_ADR_PARAMS
    return {
        "delay": ActionDelayCfg(probability_adr_param=names["delay"]),
        "backlash": BacklashCfg(scale_adr_param=names["backlash"]),
        "timing": TimingJitterCfg(mean_extra_time_adr_param=names["timing"]),
        "object_force": RandomForceCfg(accel_std_adr_param=names["object_force"]),
    }


def adr_physics_cfg(asset: str = "object") -> PhysicsRandomizationCfg:
    """Physics randomization whose terms are driven by the preset's ADR parameters (fixed paper
    distributions are kept as fallback when no ADR object is passed). Mass and friction have one ADR parameter
    per asset (``asset`` = "object" or "hand"): the hand's and the cube's ranges move independently."""
    if asset not in ("object", "hand"):
        raise ValueError(f"adr_physics_cfg(asset={asset!r}): asset must be 'object' or 'hand'")
    cfg = PhysicsRandomizationCfg()
    cfg.object_scale.adr_param = "object_scale"
    cfg.mass_scale.adr_param = f"{asset}_mass_scale"
    cfg.friction_scale.adr_param = f"{asset}_friction_scale"
    for name in ("joint_damping_scale", "actuator_gain_scale"):
        term = getattr(cfg, name)
        term.adr_param, term.adr_transform = f"{name}_log", "exp"
    cfg.joint_limit_offset_rad.adr_param, cfg.joint_limit_offset_rad.adr_mode = "joint_limit_offset_std_rad", "std"
    cfg.gravity_offset_mps2.adr_param, cfg.gravity_offset_mps2.adr_mode = "gravity_offset_std_mps2", "std"
    return cfg


def adr_observation_noise_cfg() -> ObservationNoiseCfg:
    cfg = ObservationNoiseCfg()
    cfg.misplacement.fingertip_adr_param = "obs_fingertip_misplaced_std_m"
    cfg.misplacement.hand_base_adr_param = "obs_hand_base_misplaced_std_m"
    for term, key, unit in (
        ("fingertip_pos", "fingertip", "m"),
        ("object_pos", "object_pos", "m"),
        ("object_rot", "object_rot", "rad"),
    ):
        t = getattr(cfg, term)
        t.correlated_adr_param = f"obs_{key}_corr_std_{unit}"
        t.uncorrelated_adr_param = f"obs_{key}_uncorr_std_{unit}"
    return cfg


def adr_action_noise_cfg() -> ActionNoiseCfg:
    return ActionNoiseCfg(
        uncorrelated_adr_param="action_uncorr_frac",
        correlated_adr_param="action_corr_frac",
        multiplicative_adr_param="action_mult_frac",
    )
