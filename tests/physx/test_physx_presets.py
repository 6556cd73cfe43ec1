"""Physics presets as Isaac Lab's stock Shadow task declares them, composable with ours; Newton-only terms refused on
PhysX with one line (configs only: no simulation)."""

import pytest

from isaaclab.physics import PhysxAutoCfg
from isaaclab_newton.physics import NewtonCfg
from isaaclab_ov.physics import OvPhysxCfg
from isaaclab_physx.physics import PhysxCfg

from dactyl_lab.errors import USAGE_EXIT_CODE
from dactyl_lab.tasks.reorient.backends import physx as physx_backend


def resolved(*presets):
    from isaaclab_tasks.utils.hydra import resolve_presets

    from dactyl_lab.tasks.reorient import presets_cfg

    return resolve_presets(presets_cfg.DactylReorientEnvPresetCfg(), selected=presets)


@pytest.mark.parametrize(
    "presets, physics, asset",
    [
        ((), NewtonCfg, "spawn_generated_hand"),
        (("newton_mjwarp",), NewtonCfg, "spawn_generated_hand"),
        (("physx",), PhysxAutoCfg, "spawn_generated_physx_hand"),
        (("ovphysx",), OvPhysxCfg, "spawn_generated_physx_hand"),
        (("isaacsim_physx",), PhysxCfg, "spawn_generated_physx_hand"),
        (("physx", "hz20"), PhysxAutoCfg, "spawn_generated_physx_hand"),
        (("hz20", "curriculum", "ovphysx"), OvPhysxCfg, "spawn_generated_physx_hand"),
    ],
)
def test_a_physics_preset_selects_the_physics_and_its_hand(presets, physics, asset):
    cfg = resolved(*presets)
    assert type(cfg.sim.physics) is physics
    assert str(cfg.scene.robot.spawn.func).endswith(asset)
    if "hz20" in presets:
        assert cfg.decimation == 3
    if physics is PhysxAutoCfg:  # auto: OvPhysX kit-less, Isaac Sim PhysX under Kit
        assert isinstance(cfg.sim.physics.ovphysx, OvPhysxCfg) and isinstance(cfg.sim.physics.isaacsim_physx, PhysxCfg)


def test_the_physx_hand_reads_its_gains_from_the_hand_spec():
    from dactyl_lab.spec import hand

    motors = resolved("physx").scene.robot.actuators["joint_motors"]
    assert motors.stiffness == {n: hand.MOTOR_STIFFNESS[n] for n in hand.JOINT_MOTOR_NAMES}
    assert motors.damping == 0.0  # the joints' damping is passive (the layer's viscous friction), as on Newton
    assert motors.effort_limit_sim == {n: hand.MOTOR_EFFORT_LIMIT[n] for n in hand.JOINT_MOTOR_NAMES}


@pytest.mark.parametrize("preset", ["randomized", "adr"])
def test_on_physx_the_newton_only_terms_get_their_physx_versions_or_are_dropped_with_one_line(preset, capsys):
    from dactyl_lab.tasks.reorient.backends import physx_terms
    from dactyl_lab.tasks.reorient.mdp.joint_damping import randomize_joint_damping_total

    cfg = resolved("physx", preset)
    assert set(physx_backend.newton_only_event_terms(cfg)) == {
        "object_size",
        "object_friction",
        "hand_friction",
        "tendon_gains",
        "gravity",
    }
    assert physx_backend.unsupported_event_terms(cfg) == []
    adr_params = set(cfg.randomization.adr.params) if cfg.randomization.adr else set()
    done = physx_backend.use_physx_terms(cfg)
    assert done == {
        "object_friction": "physx",
        "hand_friction": "physx",
        "tendon_gains": "physx",
        "gravity": "dropped",
        "object_size": "dropped",
    }
    assert cfg.events.object_friction.func is physx_terms.randomize_friction_scale
    assert cfg.events.tendon_gains.func is physx_terms.randomize_tendon_gain_scale
    assert cfg.events.joint_damping.func is randomize_joint_damping_total  # the same term: viscous friction on both
    assert cfg.events.gravity is None and cfg.events.object_size is None
    assert cfg.events.solver_overflow is None  # Newton's MuJoCo-Warp overflow counter: nothing to read on PhysX
    assert physx_backend.newton_only_event_terms(cfg) == []
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("warning: presets=physx: randomization term") for line in lines)
    if adr_params:  # the dropped terms' ADR parameters go with them (they would widen for nothing)
        assert adr_params - set(cfg.randomization.adr.params) == {"gravity_offset_std_mps2", "object_scale"}


def test_newton_runs_every_term_itself():
    for preset in ("randomized", "adr"):
        cfg = resolved(preset)
        funcs = {name: term.func for name, term in physx_backend.event_terms(cfg).items()}
        assert physx_backend.prepare(cfg) == []
        assert {name: term.func for name, term in physx_backend.event_terms(cfg).items()} == funcs


def newton_model_writer(env, env_ids):
    """A Newton-only event term PhysX has no version of."""


newton_model_writer.newton_only = True


def test_a_newton_only_term_without_a_physx_version_is_refused_with_one_line(capsys):
    from isaaclab.managers import EventTermCfg

    cfg = resolved("physx", "randomized")
    cfg.events.model_writer = EventTermCfg(func=newton_model_writer, mode="reset")
    with pytest.raises(SystemExit) as error:
        physx_backend.prepare(cfg)
    assert error.value.code == USAGE_EXIT_CODE
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and line.startswith("error: presets=physx: the randomization term(s) model_writer ")


def test_on_physx_the_tendons_are_force_limited_and_the_cube_gets_the_hands_contact_offsets(monkeypatch):
    from dactyl_lab.assets import physx_hand
    from dactyl_lab.tasks.reorient.backends import ovphysx_workarounds

    monkeypatch.setattr(ovphysx_workarounds, "apply", lambda num_threads=None: [])  # no process-wide patches here
    newton = resolved("curriculum")
    physx_backend.prepare(newton)
    assert newton.actions.motors.tendon_force_limit_by_target is False  # Newton: the MuJoCo force range caps it
    cfg = resolved("physx", "curriculum")
    physx_backend.prepare(cfg)
    assert cfg.actions.motors.tendon_force_limit_by_target is True
    props = cfg.scene.object.spawn.collision_props
    assert (props.contact_offset, props.rest_offset) == (physx_hand.CONTACT_OFFSET_M, physx_hand.REST_OFFSET_M)
