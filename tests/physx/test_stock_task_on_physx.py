"""Isaac Lab's stock Isaac-Reorient-Cube-Shadow on a PhysX preset, pointed at our local PhysX hand (no cloud host), as
bench/env_throughput.py and bench/train_throughput.py run it (config only: no simulation)."""

import pytest


@pytest.mark.parametrize("preset", ["ovphysx", "physx"])
def test_the_stock_task_on_physx_spawns_our_physx_hand_and_cube(preset):
    import isaaclab_tasks  # noqa: F401  (registers the stock tasks)
    from isaaclab.sim import CuboidCfg
    from isaaclab_tasks.utils.hydra import resolve_presets
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    from dactyl_lab.assets import physx_scene
    from dactyl_lab.assets.physx_hand import LAYER_NAME, physx_hand_asset

    cfg = resolve_presets(load_cfg_from_registry("Isaac-Reorient-Cube-Shadow", "env_cfg_entry_point"), (preset,))
    stock_articulation = cfg.scene.robot.spawn.articulation_props
    physx_scene.use_in_stock_shadow_task(cfg)
    spawn = cfg.scene.robot.spawn
    assert spawn.usd_path == str(physx_hand_asset(verbose=False).usd_path) and spawn.usd_path.endswith(LAYER_NAME)
    assert spawn.variants is None  # the stock asset's Physics / Colliders variants do not exist in ours
    assert spawn.articulation_props == stock_articulation  # the stock robot config stays
    assert isinstance(cfg.scene.object.spawn, CuboidCfg) and cfg.scene.ground is None
    assert "nucleus" not in str(cfg.scene.object.spawn).lower()
