"""``presets=physx,randomized`` / ``physx,adr`` on the real task env (OvPhysX on the CPU), in a process of its own:
build, randomize every env at a reset, step, and read each randomized quantity back from the PhysX simulation
(its tensor bindings, not Isaac Lab's cached data). ``python tests/physx/randomization_checks.py randomized`` prints
the JSON that tests/physx/test_physx_randomization.py reads (the last line).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

NUM_ENVS = 4
STEPS = 5

ADR_BOUNDS: dict[str, tuple[float, float]] = {
    "object_mass_scale": (0.6, 1.4),
    "hand_mass_scale": (0.5, 1.5),
    "object_friction_scale": (0.7, 1.3),
    "hand_friction_scale": (0.6, 1.2),
    "actuator_gain_scale_log": (-0.3, 0.3),
    "joint_damping_scale_log": (-0.5, 0.5),
    "joint_limit_offset_std_rad": (0.0, 0.1),
}
"""ADR ranges set before the reset under ``physx,adr`` (ADR starts at the nominal values: nothing to read)."""


def physx_attribute(asset, kind):
    """``kind`` (an ``isaaclab_ov.tensor_types`` name) of ``asset`` as PhysX holds it now, as a torch tensor."""
    import warp as wp

    from isaaclab_ov import tensor_types

    return wp.to_torch(asset.root_view.get_attribute(getattr(tensor_types, kind))).clone().float().cpu()


def value_range(u, term: str, adr_name: str | None):
    """(low, high) of a term's scale: its ADR bounds under ADR (exp for log parameters), else its fixed range."""
    import math

    from dactyl_lab.tasks.randomization import adr_of

    adr = adr_of(u)
    if adr is not None and adr_name is not None:
        i = adr.index(adr_name)
        low, high = float(adr.low[i]), float(adr.high[i])
        return (math.exp(low), math.exp(high)) if adr_name.endswith("_log") else (low, high)
    return tuple(u.event_manager.get_term_cfg(term).params["value"].params)


def ratios(values, default) -> list:
    """``values / default`` where the default is not ~0 (massless frames, frictionless shapes)."""
    keep = default.abs() > 1e-9
    return (values[keep] / default[keep]).reshape(values.shape[0], -1).tolist()


def same_multiset(physx_values, isaaclab_values, rtol: float = 1e-4) -> bool:
    """Per env, PhysX holds the values Isaac Lab wrote (PhysX's joint order differs from the public one)."""
    import torch

    a, _ = physx_values.reshape(physx_values.shape[0], -1).sort(dim=-1)
    b, _ = isaaclab_values.reshape(isaaclab_values.shape[0], -1).float().cpu().sort(dim=-1)
    return bool(torch.allclose(a, b, rtol=rtol, atol=1e-6))


def randomize(env, preset: str) -> None:
    """Every env gets new physics at a reset (ADR widened first under ADR), then a few zero-action steps."""
    import torch

    from tests.helpers.envs import zeros

    from dactyl_lab.tasks.randomization import adr_of

    u = env.unwrapped
    env.reset()
    adr = adr_of(u)
    if adr is not None:
        for name, (low, high) in ADR_BOUNDS.items():
            i = adr.index(name)
            adr.low[i], adr.high[i] = low, high
        u._reset_idx(torch.arange(u.num_envs, device=u.device))
    for _ in range(STEPS):
        env.step(zeros(env))


def read_back(env) -> dict:
    """Each randomized quantity read from PhysX, as ratios to its default, with its range; structure checks."""
    import torch

    from dactyl_lab.tasks.reorient.backends.physx_terms import ShapeMaterials

    u = env.unwrapped
    cube, robot = u.scene["object"], u.scene["robot"]
    term = u.event_manager.get_term_cfg
    out = {"terms": sorted(n for names in u.event_manager.active_terms.values() for n in names)}
    cube_mass = physx_attribute(cube, "RIGID_BODY_MASS").reshape(u.num_envs, -1)
    out["object_mass"] = (ratios(cube_mass, term("object_mass").func.default_mass.cpu()), "object_mass_scale")
    hand_mass = physx_attribute(robot, "BODY_MASS").reshape(u.num_envs, -1)
    out["hand_mass_physx_matches"] = same_multiset(hand_mass, robot.data.body_mass.torch)
    out["hand_mass"] = (
        ratios(robot.data.body_mass.torch.cpu(), term("hand_mass").func.default_mass.cpu()),
        "hand_mass_scale",
    )
    for name, asset in (("object_friction", cube), ("hand_friction", robot)):
        materials = ShapeMaterials(asset).read().float().cpu()  # (N, S, 3) from PhysX
        default = term(name).func.default.float().cpu()
        out[name] = (ratios(materials[..., 0], default[..., 0]), f"{name}_scale")
        out[f"{name}_dynamic_follows"] = bool(
            torch.allclose(materials[..., 1] * default[..., 0], materials[..., 0] * default[..., 1], atol=1e-6)
        )
    gains = term("actuator_gains")
    ids = torch.tensor(gains.params["asset_cfg"].joint_ids)
    k = robot.data.joint_stiffness.torch.cpu()
    out["actuator_gains"] = (
        ratios(k[:, ids], gains.func.default_joint_stiffness.cpu()[:, ids]),
        "actuator_gain_scale_log",
    )
    out["stiffness_physx_matches"] = same_multiset(physx_attribute(robot, "DOF_STIFFNESS"), k)
    d = robot.data.joint_viscous_friction_coeff.torch.cpu()  # the PhysX hand's joint damping
    out["joint_damping"] = (ratios(d, term("joint_damping").func.nominal.cpu()), "joint_damping_scale_log")
    friction = physx_attribute(robot, "DOF_FRICTION_PROPERTIES").reshape(u.num_envs, robot.num_joints, 3)
    out["damping_physx_matches"] = same_multiset(friction[..., 2], d)  # viscous: slot 2
    tendon_k = physx_attribute(robot, "FIXED_TENDON_STIFFNESS").reshape(u.num_envs, -1)
    out["tendon_gains"] = (ratios(tendon_k, term("tendon_gains").func.default.cpu()), "actuator_gain_scale_log")
    limits = robot.data.joint_pos_limits.torch.cpu()
    default_limits = term("joint_limits").func.default_limits.cpu()
    out["joint_limit_offsets_rad"] = (limits - default_limits).reshape(u.num_envs, -1).tolist()
    out["limits_physx_match"] = same_multiset(physx_attribute(robot, "DOF_LIMIT"), limits)
    out["ranges"] = {
        name: value_range(u, name, adr_name)
        for name, (_, adr_name) in ((n, v) for n, v in out.items() if isinstance(v, tuple))
    }
    out["obs_finite"] = bool(all(torch.isfinite(v).all() for v in u.obs_buf.values()))
    return out


def main(preset: str) -> dict:
    from tests.helpers.envs import close_env, make_env

    def edit(cfg):
        if preset == "adr":  # the cohort path too: the envs that reset get their physics every 2 control steps
            cfg.randomization.physics_resample_interval_steps = 2

    env = make_env(num_envs=NUM_ENVS, seed=3, presets=("physx", preset), edit=edit)
    try:
        randomize(env, preset)
        result = {"physics": type(env.unwrapped.cfg.sim.physics).__name__, **read_back(env)}
    finally:
        close_env(env)
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
