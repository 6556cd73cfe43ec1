"""The task's registered config: the base task and its presets (``presets=hz20|randomized|adr``)."""

from __future__ import annotations

from isaaclab.utils import configclass
from isaaclab_tasks.utils import PresetCfg

from .adr_cfg import DactylReorientADREnvCfg
from .env_cfg import DactylReorient20HzEnvCfg, DactylReorientEnvCfg
from .randomized_cfg import DactylReorientRandomizedEnvCfg


@configclass
class DactylReorientEnvPresetCfg(PresetCfg):
    """``presets=hz20`` selects the 20 Hz timing of Isaac Gym's ShadowHandOpenAI; ``presets=randomized``
    turns Dactyl's domain randomization on; ``presets=adr`` drives it by Automatic Domain Randomization."""

    default = DactylReorientEnvCfg()
    hz20 = DactylReorient20HzEnvCfg()
    randomized = DactylReorientRandomizedEnvCfg()
    adr = DactylReorientADREnvCfg()
