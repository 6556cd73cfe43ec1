#!/usr/bin/env python3
"""Physics parity: the Newton task (one env, no randomization) against the MuJoCo stand-in hand (plain MuJoCo).

Both start from the same state (joint positions, cube pose) and receive the same open-loop sequence of absolute
motor targets, one per 8 ms physics step; the script compares the 24 joint trajectories, the 5 fingertip points
and the cube pose (hand-mount frame) over ``--seconds``:

* free hand (cube far away on the floor): ``steps`` (every motor to 70 % then 30 % of its range), ``sines``
  (per-motor sinusoids, 0.5-2 Hz, 40 % of the range), ``random`` (uniform targets held for 80 ms);
* cube: ``rest`` (cube dropped 1 cm onto the open palm, zero targets) and ``push`` (fingers and thumb close
  on it slowly).

``--config after`` runs today's code (one damping, self-collisions, the stand-in with the task's solver settings,
``--standin_physics task``); ``--config before`` reproduces the settings before the parity work (Newton: servo
damping added to the passive damping, no self-collisions; stand-in: MuJoCo's own options with one 8 ms step,
cube condim 4, no self-collisions); ``--config both`` runs both (one process each: Isaac Lab allows one simulation
per process) and writes the table (``--markdown``) and the figure (``--png``).

  python bench/parity.py --config both --png docs/parity.png --markdown docs/parity_table.md
  python bench/parity.py --config after --seconds 1.0 --json /tmp/after.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from dactyl_lab.spec import hand, solver as sim_settings
from dactyl_lab.spec.task import TASK_ID

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling parity_report.py, run as a script or by path
from parity_report import CUBE_SEQUENCES, FREE_SEQUENCES, markdown, plot  # noqa: E402

CUBE_FAR_M = (0.4, 0.0)
"""Where the cube lies on the floor in the free-hand runs, in the mount frame (x, y) [m]."""


# ------------------------------------------------------------------------------------------ target sequences
def motor_ranges() -> tuple[np.ndarray, np.ndarray]:
    limits = np.array([hand.MOTOR_LIMITS_RAD[m] for m in hand.MOTOR_NAMES])
    return limits[:, 0], limits[:, 1]


def target_sequence(kind: str, n_steps: int, dt_s: float = sim_settings.PHYSICS_DT_S, seed: int = 0) -> np.ndarray:
    """Absolute motor targets (n_steps, 20) [rad] in :data:`hand.MOTOR_NAMES` order, one per physics step."""
    low, high = motor_ranges()
    span = high - low
    t = np.arange(n_steps)[:, None] * dt_s
    rng = np.random.default_rng(seed)
    start = np.clip(0.0, low, high)  # the zero pose
    if kind == "steps":
        duration = n_steps * dt_s
        first, second = low + 0.7 * span, low + 0.3 * span
        return np.where(t < 0.1, start, np.where(t < 0.1 + duration / 2, first, second))
    if kind == "sines":
        freq = rng.uniform(0.5, 2.0, len(low))
        mid = np.clip(start, low + 0.4 * span, high - 0.4 * span)
        return np.clip(mid + 0.4 * span * np.sin(2 * np.pi * freq * t), low, high)
    if kind == "random":
        hold = max(1, round(0.08 / dt_s))
        draws = rng.uniform(low + 0.1 * span, high - 0.1 * span, (n_steps // hold + 1, len(low)))
        return np.repeat(draws, hold, axis=0)[:n_steps]
    if kind == "rest":
        return np.broadcast_to(start, (n_steps, len(low))).copy()
    if kind == "push":
        closing = {m: 0.6 for m in ("rh_FFJ3", "rh_MFJ3", "rh_RFJ3", "rh_LFJ3", "rh_THJ5", "rh_THJ4", "rh_THJ1")}
        closing.update({m: 0.5 for m in hand.TENDON_MOTOR_NAMES})
        goal = np.array(
            [
                low[i] + closing.get(m, 0.0) * span[i] if m in closing else start[i]
                for i, m in enumerate(hand.MOTOR_NAMES)
            ]
        )
        ramp = np.clip(t / (n_steps * dt_s), 0.0, 1.0)
        return start + ramp * (goal - start)
    raise ValueError(f"unknown target sequence {kind!r}; choose one of {FREE_SEQUENCES + CUBE_SEQUENCES}")


FF_BODIES = ("rh_ffproximal", "rh_ffmiddle", "rh_ffdistal")
MF_BODIES = ("rh_mfproximal", "rh_mfmiddle", "rh_mfdistal")
TH_BODIES = ("rh_thproximal", "rh_thmiddle", "rh_thdistal")
SELF_COLLISION_PUSHES: dict[str, tuple[dict[str, float], tuple[str, ...], tuple[str, ...]]] = {
    # FFJ4 > 0 swings the index toward the little finger, MFJ4 < 0 the middle finger toward the thumb
    "index_into_middle": ({"rh_FFJ4": 0.349, "rh_MFJ4": -0.349}, FF_BODIES, MF_BODIES),
    # thumb opposition and flexion across the palm into the index, flexed at its base
    "thumb_into_index": (
        {"rh_THJ5": 0.8, "rh_THJ4": 0.67, "rh_THJ2": 0.3, "rh_THJ1": 0.57, "rh_FFJ3": 0.96},
        TH_BODIES,
        FF_BODIES,
    ),
}
"""Motor targets that drive two fingers into each other (their targets lie >= 5 mm inside the other finger),
and the two groups of bodies whose colliders must then stop at contact."""


def push_targets(push: str, n_steps: int) -> np.ndarray:
    """Targets (n_steps, 20): the zero pose with the motors of ``push`` set from the first step."""
    targets = target_sequence("rest", n_steps)
    for motor, value in SELF_COLLISION_PUSHES[push][0].items():
        targets[:, hand.MOTOR_NAMES.index(motor)] = value
    return targets


def min_collider_distance(joint_pos: dict[str, float], bodies_a, bodies_b, model=None) -> float:
    """Smallest signed distance [m] between the colliders of two groups of hand bodies at ``joint_pos``
    (MuJoCo kinematics of the rewritten hand; negative: penetration)."""
    import itertools

    import mujoco

    from dactyl_lab.runtime.backends.mujoco_standin import build_standin_model

    model = build_standin_model() if model is None else model
    data = mujoco.MjData(model)
    for name, value in joint_pos.items():
        data.qpos[model.joint(name).qposadr[0]] = value
    mujoco.mj_kinematics(model, data)
    colliders = [g for g in range(model.ngeom) if model.geom_contype[g]]
    body = {g: model.body(model.geom_bodyid[g]).name for g in colliders}
    ga, gb = [g for g in colliders if body[g] in bodies_a], [g for g in colliders if body[g] in bodies_b]
    fromto = np.zeros(6)
    return min(mujoco.mj_geomDistance(model, data, a, b, 0.05, fromto) for a, b in itertools.product(ga, gb))


def cube_start(kind: str, floor_z_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Cube position (mount frame) [m] and orientation (x, y, z, w) at the start of a run."""
    from dactyl_lab.assets.shadow_mjcf import CUBE_EDGE_M, palm_up_cube_position

    if kind in FREE_SEQUENCES:
        return np.array([*CUBE_FAR_M, floor_z_m + CUBE_EDGE_M / 2 + 0.002]), np.array([0.0, 0.0, 0.0, 1.0])
    home = np.array(palm_up_cube_position()) + [0.0, 0.0, sim_settings.START_CUBE_HEIGHT_M]
    return home, np.array([0.0, 0.0, 0.0, 1.0])


# ------------------------------------------------------------------------------------------ the MuJoCo stand-in
def run_standin(
    kind: str, n_steps: int, physics: str = "task", self_collisions: bool = True, targets=None
) -> dict[str, np.ndarray]:
    """Trajectories of the stand-in (plain MuJoCo) for one sequence (``targets``: other absolute motor targets,
    (n_steps, 20), from the start state of ``kind``); t = 0 is the start state."""
    import mujoco

    from dactyl_lab.runtime.backends.mujoco_standin import build_standin_model

    model = build_standin_model(physics, sim_settings.PHYSICS_DT_S)
    if not self_collisions:  # the hand before the parity work: hand colliders touch only the cube and floor
        for g in range(model.ngeom):
            if mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_GEOM, g).startswith("rh_"):
                model.geom_conaffinity[g] = 0
    data = mujoco.MjData(model)
    floor_z = float(model.geom("floor").pos[2])
    qadr = [int(model.joint(j).qposadr[0]) for j in hand.JOINT_NAMES]
    cube_adr = int(model.joint("object_joint").qposadr[0])
    sites = [model.site(s).id for s in hand.FINGERTIP_SITE_NAMES]
    cube_body = model.body("object").id
    pos, quat = cube_start(kind, floor_z)
    data.qpos[cube_adr : cube_adr + 3] = pos
    data.qpos[cube_adr + 3 : cube_adr + 7] = [quat[3], *quat[:3]]
    mujoco.mj_forward(model, data)
    targets = target_sequence(kind, n_steps) if targets is None else targets
    nstep = max(1, round(sim_settings.PHYSICS_DT_S / model.opt.timestep))
    out = {k: [] for k in ("joint_pos", "tips", "cube_pos", "cube_quat")}

    def record():
        out["joint_pos"].append(data.qpos[qadr].copy())
        out["tips"].append(data.site_xpos[sites].copy())
        out["cube_pos"].append(data.xpos[cube_body].copy())
        w, x, y, z = data.xquat[cube_body]
        out["cube_quat"].append(np.array([x, y, z, w]))

    record()
    for k in range(n_steps):
        data.ctrl[:] = targets[k]  # actuators are in hand.MOTOR_NAMES order (tests/asset)
        mujoco.mj_step(model, data, nstep=nstep)
        mujoco.mj_kinematics(model, data)  # mj_step leaves the poses of the step's start; Newton reports the end's
        record()
    return {k: np.array(v) for k, v in out.items()}


# ------------------------------------------------------------------------------------------ the Newton task
class NewtonHand:
    """The Newton task's scene (one env, default preset: no randomization), stepped below the env's managers so
    that no termination or reset interferes: absolute motor targets in, trajectories out. ``presets=("ovphysx",)``
    runs the same on PhysX (bench/parity_simulators.py); ``start_steps`` sets the start-state bank's random-action
    steps (None: the task's 100; the bank is not used here)."""

    def __init__(self, legacy: bool = False, device: str = "cpu", presets=(), start_steps: int | None = None):
        import gymnasium as gym
        import torch

        import dactyl_lab.tasks  # noqa: F401  (registers the task)
        from isaaclab_tasks.utils.hydra import resolve_presets
        from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

        task = TASK_ID
        cfg = resolve_presets(load_cfg_from_registry(task, "env_cfg_entry_point"), selected=tuple(presets))
        cfg.sim.device = device
        cfg.scene.num_envs = 1
        if start_steps is not None:
            cfg.events.start_state.params["random_action_steps"] = start_steps
        if legacy:  # before the parity work: servo damping on top of the passive damping, no self-collisions
            cfg.scene.robot.spawn.articulation_props.self_collision_enabled = False
            motors = cfg.scene.robot.actuators["joint_motors"]
            motors.damping = {n: hand.JOINT_DAMPING[n] for n in hand.JOINT_MOTOR_NAMES}
        self.torch = torch
        self.env = gym.make(task, cfg=cfg)
        self.env.reset()
        u = self.env.unwrapped
        self.u, self.robot, self.cube = u, u.scene["robot"], u.scene["object"]
        self.term = u.action_manager.get_term("motors")
        names = list(self.robot.joint_names)
        self.joint_order = [names.index(j) for j in hand.JOINT_NAMES]  # Newton order -> MJCF order
        self.tip_ids, _ = self.robot.find_bodies(list(hand.FINGERTIP_BODY_NAMES), preserve_order=True)
        from dactyl_lab.assets.scene import HAND_BASE_POS_M

        self.base = u.scene.env_origins[0] + torch.tensor(HAND_BASE_POS_M, device=u.device)
        self.floor_z = -HAND_BASE_POS_M[2]  # the ground's top is at z = 0

    def close(self) -> None:
        from isaaclab.sim import SimulationContext

        self.env.close()
        SimulationContext.clear_instance()

    def _state(self) -> tuple[np.ndarray, ...]:
        import isaaclab.utils.math as math_utils

        torch, r = self.torch, self.robot
        q = r.data.joint_pos.torch[0, self.joint_order]
        pos, rot = r.data.body_pos_w.torch[0, self.tip_ids], r.data.body_quat_w.torch[0, self.tip_ids]
        offsets = torch.tensor(hand.FINGERTIP_OFFSETS_M, device=self.u.device)
        tips = pos + math_utils.quat_apply(rot, offsets) - self.base
        cube_pos = self.cube.data.root_pos_w.torch[0] - self.base
        cube_quat = self.cube.data.root_quat_w.torch[0]
        return tuple(x.detach().cpu().numpy().astype(np.float64) for x in (q, tips, cube_pos, cube_quat))

    def run(self, kind: str, n_steps: int) -> dict[str, np.ndarray]:
        """One of the named sequences (:func:`target_sequence`) from the zero pose and :func:`cube_start`."""
        return self.run_targets(target_sequence(kind, n_steps), *cube_start(kind, self.floor_z))

    def run_targets(self, targets_rad: np.ndarray, cube_pos_m, cube_quat_xyzw) -> dict[str, np.ndarray]:
        """Absolute motor targets (n_steps, 20) from the zero pose, the cube at the given pose (mount frame)."""
        torch, u, r = self.torch, self.u, self.robot
        dev = u.device
        ids = torch.tensor([0], device=dev)
        zeros = torch.zeros(1, r.num_joints, device=dev)
        r.write_joint_state_to_sim_index(position=zeros, velocity=zeros, env_ids=ids)
        pose = torch.tensor(np.concatenate([cube_pos_m, cube_quat_xyzw]), dtype=torch.float32, device=dev)[None]
        pose[:, :3] += self.base
        self.cube.write_root_pose_to_sim_index(root_pose=pose, env_ids=ids)
        self.cube.write_root_velocity_to_sim_index(root_velocity=torch.zeros(1, 6, device=dev), env_ids=ids)
        targets = torch.tensor(targets_rad, dtype=torch.float32, device=dev)
        n_steps = targets.shape[0]
        self._set_targets(targets[0])
        u.scene.write_data_to_sim()
        u.scene.update(dt=0.0)
        out = {k: [] for k in ("joint_pos", "tips", "cube_pos", "cube_quat")}

        def record():
            for key, value in zip(out, self._state()):
                out[key].append(value)

        record()
        for k in range(n_steps):
            self._set_targets(targets[k])
            u.scene.write_data_to_sim()
            u.sim.step(render=False)
            u.scene.update(dt=u.physics_dt)
            record()
        return {k: np.array(v) for k, v in out.items()}

    def _set_targets(self, targets) -> None:
        """Absolute motor targets as the task sends them: the action term's targets, sent by the term (on PhysX
        with its tendon force limit, ``tendon_force_limit_by_target``)."""
        self.term.target_rad[:] = targets
        self.term.apply_actions()


# ------------------------------------------------------------------------------------------ comparison
def quat_angle(q1: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Rotation angle between (x, y, z, w) quaternions [rad], broadcast over leading axes."""
    dot = np.abs(np.sum(q1 * q2, axis=-1)) / (np.linalg.norm(q1, axis=-1) * np.linalg.norm(q2, axis=-1))
    return 2.0 * np.arccos(np.clip(dot, -1.0, 1.0))


def compare(newton: dict[str, np.ndarray], standin: dict[str, np.ndarray]) -> dict:
    """Errors Newton - stand-in: per joint (RMS, max) [rad], fingertips [mm], cube position [mm] / angle [rad]."""
    joint_err = newton["joint_pos"] - standin["joint_pos"]  # (T+1, 24)
    tip_err_mm = 1e3 * np.linalg.norm(newton["tips"] - standin["tips"], axis=-1)  # (T+1, 5)
    cube_pos_mm = 1e3 * np.linalg.norm(newton["cube_pos"] - standin["cube_pos"], axis=-1)
    cube_rad = quat_angle(newton["cube_quat"], standin["cube_quat"])
    return {
        "joint_rms_rad": dict(zip(hand.JOINT_NAMES, np.sqrt(np.mean(joint_err**2, axis=0)).tolist())),
        "joint_max_rad": dict(zip(hand.JOINT_NAMES, np.abs(joint_err).max(axis=0).tolist())),
        "joint_max_over_time_rad": np.abs(joint_err).max(axis=1).tolist(),
        "tip_max_over_time_mm": tip_err_mm.max(axis=1).tolist(),
        "tip_mean_mm": float(tip_err_mm.mean()),
        "tip_max_mm": float(tip_err_mm.max()),
        "start_tip_max_mm": float(tip_err_mm[0].max()),
        "cube_pos_over_time_mm": cube_pos_mm.tolist(),
        "cube_angle_over_time_rad": cube_rad.tolist(),
        "cube_z_newton_m": newton["cube_pos"][:, 2].tolist(),
        "cube_z_standin_m": standin["cube_pos"][:, 2].tolist(),
    }


def run_config(config: str, seconds: float, sequences: tuple[str, ...]) -> dict:
    legacy = config == "before"
    n_steps = int(round(seconds / sim_settings.PHYSICS_DT_S))
    start = time.perf_counter()
    print(f"[parity] {config}: building the Newton task (1 env) ...", flush=True)
    newton = NewtonHand(legacy=legacy)
    results = {}
    for kind in sequences:
        print(f"[parity] {config}: {kind} ({n_steps} steps of {sim_settings.PHYSICS_DT_S * 1e3:g} ms)", flush=True)
        a = newton.run(kind, n_steps)
        b = run_standin(kind, n_steps, physics="mujoco-default" if legacy else "task", self_collisions=not legacy)
        results[kind] = compare(a, b)
    pushes = {}
    for push, (targets, bodies_a, bodies_b) in SELF_COLLISION_PUSHES.items():
        print(f"[parity] {config}: self-collision push {push} (1 s)", flush=True)
        traj = newton.run_targets(push_targets(push, 125), *cube_start("steps", newton.floor_z))
        final = dict(zip(hand.JOINT_NAMES, traj["joint_pos"][-1]))
        pushes[push] = {
            "newton_min_distance_m": min_collider_distance(final, bodies_a, bodies_b),
            "target_min_distance_m": min_collider_distance(targets, bodies_a, bodies_b),
        }
    newton.close()
    return {
        "config": config,
        "seconds": seconds,
        "dt_s": sim_settings.PHYSICS_DT_S,
        "n_steps": n_steps,
        "wall_s": time.perf_counter() - start,
        "results": results,
        "self_collision_pushes": pushes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--config",
        choices=("after", "before", "both"),
        default="after",
        help="after: today's settings; before: the settings before the parity work; both (default after)",
    )
    parser.add_argument("--seconds", type=float, default=1.5, help="length of every run [s] (default 1.5)")
    parser.add_argument(
        "--sequences",
        nargs="+",
        default=list(FREE_SEQUENCES + CUBE_SEQUENCES),
        choices=FREE_SEQUENCES + CUBE_SEQUENCES,
        help="which runs (default: all five)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the full results here (one config)")
    parser.add_argument("--png", type=Path, default=None, help="write the figure here")
    parser.add_argument("--markdown", type=Path, default=None, help="write the tables here")
    parser.add_argument(
        "--reports",
        type=Path,
        nargs="+",
        default=None,
        help="only merge these --json results into the table and figure (no simulation)",
    )
    args = parser.parse_args(argv)
    if not args.seconds > 0:
        print("error: --seconds must be > 0", file=sys.stderr)
        return 2
    if args.reports is not None:
        reports = [json.loads(path.read_text()) for path in args.reports]
    elif args.config == "both":
        reports = []
        for config in ("before", "after"):
            out = (
                Path(f"/tmp/dactyl_parity_{config}.json")
                if args.json is None
                else args.json.with_suffix(f".{config}.json")
            )
            cmd = [
                sys.executable,
                __file__,
                "--config",
                config,
                "--seconds",
                str(args.seconds),
                "--json",
                str(out),
                "--sequences",
                *args.sequences,
            ]
            if subprocess.call(cmd) != 0:
                print(f"error: the {config} run failed (see above)", file=sys.stderr)
                return 1
            reports.append(json.loads(out.read_text()))
    else:
        reports = [run_config(args.config, args.seconds, tuple(args.sequences))]
        if args.json is not None:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(reports[0]))
    table = markdown(reports)
    print(table)
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table)
    if args.png is not None:
        plot(reports, args.png)
        print(f"figure: {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
