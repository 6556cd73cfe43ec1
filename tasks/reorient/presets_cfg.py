"""The task's registered config: the base task and its presets (``presets=hz20|randomized|adr``), each with the
physics presets (``newton_mjwarp`` default, ``physx``, ``ovphysx``, ``isaacsim_physx``: :mod:`.physics_presets_cfg`)."""

from __future__ import annotations

from isaaclab.utils import configclass
from isaaclab_tasks.utils import PresetCfg

from .adr_cfg import DactylReorientADREnvCfg
from .env_cfg import DactylReorient20HzEnvCfg, DactylReorientEnvCfg
from .physics_presets_cfg import with_physics_presets
from .randomized_cfg import DactylReorientRandomizedEnvCfg


@configclass
class DactylReorientEnvPresetCfg(PresetCfg):
    """``presets=hz20`` selects the 20 Hz timing of Isaac Gym's ShadowHandOpenAI; ``presets=randomized``
    turns Dactyl's domain randomization on; ``presets=adr`` drives it by Automatic Domain Randomization;
    ``presets=physx`` (or ``ovphysx`` / ``isaacsim_physx``) runs them on PhysX (``newton_mjwarp``, the default)."""

    default = with_physics_presets(DactylReorientEnvCfg())
    hz20 = with_physics_presets(DactylReorient20HzEnvCfg())
    randomized = with_physics_presets(DactylReorientRandomizedEnvCfg())
    adr = with_physics_presets(DactylReorientADREnvCfg())
