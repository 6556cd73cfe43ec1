"""Step response of one finger joint (rh_FFJ3) and the wrist (rh_WRJ1): our task on Newton against the source models
in plain MuJoCo. The target jumps by 0.5 rad after a 0.25 s hold; 1 s of the response is recorded.

Curves:
- ``ours (Newton)``: the task (Isaac Lab env on Newton, CPU, 2 envs), targets written through the env's action term
  (``RelativeMotorTargetActionCfg``'s ``target_rad`` + ``apply_actions``) every 8 ms physics step, the cube moved away;
- ``ours (MuJoCo)``: the same rewritten MJCF (``build_hand_spec``, the runtime's stand-in hand) in plain MuJoCo;
- ``gymnasium-robotics``: its ``manipulate_block.xml`` as published (no gravity compensation);
- ``robogym`` (``--robogym-dir``, optional): OpenAI's calibrated hand (``robogym/assets/xmls/robot/shadowhand``,
  meshes under ``robogym/assets/stls``; contacts off: its thumb at 0 lies in the index finger), its mujoco-py PID
  servo (``gainprm`` = Kp, Ti, iclamp, Td, dsmooth, deadband) computed here each step and applied through a motor;
  mounted like gymnasium-robotics' hand, 8 ms steps (its own timestep).

Per curve: rise time (10-90 % of the jump), overshoot [% of the jump], error after 1 s, peak speed and the RMS
difference from the gymnasium-robotics curve (and from robogym's when given).
Numbers and figure: docs/fidelity.md, "Calibration".

    OMP_NUM_THREADS=1 .venv/bin/python bench/step_response.py [--robogym-dir DIR] [--no-newton]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import mujoco
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers

from dactyl_lab.assets import shadow_mjcf  # noqa: E402
from dactyl_lab.spec import hand  # noqa: E402

JUMP_RAD = 0.5
HOLD_S = 0.25
RECORD_S = 1.0
START_RAD = {"rh_FFJ3": 0.3, "rh_WRJ1": -0.25}
SOURCE_NAMES = {"rh_FFJ3": "FFJ2", "rh_WRJ1": "WRJ0"}  # gymnasium-robotics / robogym joint (and A_ actuator) names
FIGURE = Path(__file__).resolve().parents[1] / "docs" / "images" / "step_response.png"


def gym_model() -> mujoco.MjModel:
    return mujoco.MjModel.from_xml_path(str(shadow_mjcf.gymnasium_hand_dir() / "manipulate_block.xml"))


def ours_model() -> mujoco.MjModel:
    return shadow_mjcf.build_hand_spec().compile()


def robogym_model(robogym_dir: Path) -> mujoco.MjModel:
    """robogym's hand, base fixed, mounted as gymnasium-robotics' (palm up); its PID actuators become motors."""
    import tempfile

    xml_dir = robogym_dir / "robogym" / "assets" / "xmls" / "robot" / "shadowhand"
    with tempfile.TemporaryDirectory() as tmp:  # MuJoCo resolves <include> next to the file: patch a copy
        for name in ("main.xml", "assets.xml", "chain.xml", "joint_position_actuation.xml"):
            text = (xml_dir / name).read_text().replace('apirate="200"', "")  # an attribute MuJoCo 3 rejects
            meshdir = robogym_dir / "robogym" / "assets" / "stls"
            text = (
                text.replace("<mujoco>", f'<mujoco><compiler meshdir="{meshdir}" angle="radian"/>', 1)
                if name == "main.xml"
                else text
            )
            (Path(tmp) / name).write_text(text)
        spec = mujoco.MjSpec.from_file(str(Path(tmp) / "main.xml"))
    mount = spec.body("hand_mount")
    mount.quat = list(_gym_mount_quat())
    for joint in list(mount.joints):
        spec.delete(joint)
    model = spec.compile()
    model.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT  # its thumb at zero lies inside the index finger
    return model


def _gym_mount_quat() -> np.ndarray:
    quat = np.zeros(4)
    mujoco.mju_euler2Quat(quat, np.array([1.5708, 0.0, 3.14159]), "xyz")
    return quat


class RobogymPid:
    """mujoco-py's PID actuator (robogym's ``gaintype="user"``): f = Kp (e + I / Ti + Td d), d smoothed."""

    def __init__(self, model: mujoco.MjModel):
        self.gain = model.actuator_gainprm[:, :6].copy()
        self.force = model.actuator_forcerange.copy()
        self.integral = np.zeros(model.nu)
        self.last_error = np.zeros(model.nu)
        self.derivative = np.zeros(model.nu)
        model.actuator_gaintype[:] = mujoco.mjtGain.mjGAIN_FIXED
        model.actuator_biastype[:] = mujoco.mjtBias.mjBIAS_NONE
        model.actuator_gainprm[:, :] = 0.0
        model.actuator_gainprm[:, 0] = 1.0
        model.actuator_ctrlrange[:] = self.force

    def torque(self, model, data, setpoint) -> np.ndarray:
        kp, ti, iclamp, td, dsmooth, deadband = self.gain.T
        error = setpoint - data.actuator_length
        error = np.where(np.abs(error) < deadband, 0.0, error)
        dt = model.opt.timestep
        self.derivative = (1.0 - dsmooth) * self.derivative + dsmooth * (error - self.last_error) / dt
        self.last_error = error
        self.integral = np.clip(self.integral + error * dt, -iclamp, iclamp)
        return np.clip(kp * (error + self.integral / ti + td * self.derivative), self.force[:, 0], self.force[:, 1])


def mujoco_response(model: mujoco.MjModel, joint: str, actuator: str, pid: RobogymPid | None = None):
    """Time [s] after the jump and the joint angle [rad] of one joint in plain MuJoCo."""
    data = mujoco.MjData(model)
    qadr = model.joint(joint).qposadr[0]
    data.qpos[qadr] = START_RAD_BY_SOURCE[joint]
    mujoco.mj_forward(model, data)
    hold = data.actuator_length.copy()
    setpoint = hold.copy()
    a = model.actuator(actuator).id
    times, angles = [], []
    n_hold, n_rec = round(HOLD_S / model.opt.timestep), round(RECORD_S / model.opt.timestep)
    for k in range(n_hold + n_rec + 1):
        if k == n_hold:
            setpoint[a] = hold[a] + JUMP_RAD
        data.ctrl[:] = pid.torque(model, data, setpoint) if pid else setpoint
        if k >= n_hold:
            times.append((k - n_hold) * model.opt.timestep)
            angles.append(data.qpos[qadr])
        mujoco.mj_step(model, data)
    return np.array(times), np.array(angles)


START_RAD_BY_SOURCE: dict[str, float] = {}


def newton_responses(num_envs: int = 2) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Our task on Newton: each joint's step on its own, targets through the env's action term."""
    import torch

    from tests.helpers.envs import close_env, make_env

    env = make_env(num_envs=num_envs, seed=0)
    env.reset()
    u = env.unwrapped
    robot, cube, term = u.scene["robot"], u.scene["object"], u.action_manager.get_term("motors")
    out = {}
    for joint in START_RAD:
        q = torch.zeros_like(robot.data.joint_pos.torch)
        q[:, robot.joint_names.index(joint)] = START_RAD[joint]
        robot.write_joint_state_to_sim(q, torch.zeros_like(q))
        pose = cube.data.root_pose_w.torch.clone()
        pose[:, 0] += 1.0  # the cube falls far from the hand
        cube.write_root_pose_to_sim(pose)
        u.scene.write_data_to_sim()
        targets = term.motor_positions().clone()
        m = hand.MOTOR_NAMES.index(joint)
        times, angles = [], []
        n_hold, n_rec = round(HOLD_S / u.physics_dt), round(RECORD_S / u.physics_dt)
        for k in range(n_hold + n_rec + 1):
            if k == n_hold:
                targets[:, m] += JUMP_RAD
            term.target_rad[:] = targets
            if k >= n_hold:
                times.append((k - n_hold) * u.physics_dt)
                angles.append(float(robot.data.joint_pos.torch[0, robot.joint_names.index(joint)]))
            term.apply_actions()
            u.scene.write_data_to_sim()
            u.sim.step(render=False)
            u.scene.update(dt=u.physics_dt)
        out[joint] = (np.array(times), np.array(angles))
    close_env(env)
    return out


def metrics(t: np.ndarray, q: np.ndarray) -> dict[str, float]:
    """Rise time 10-90 % [s], overshoot [% of the jump], error after 1 s [rad], peak speed [rad/s] of the step."""
    y = (q - q[0]) / JUMP_RAD
    t10 = t[np.argmax(y >= 0.1)] if (y >= 0.1).any() else math.nan
    t90 = t[np.argmax(y >= 0.9)] if (y >= 0.9).any() else math.nan
    return {
        "rise_s": t90 - t10,
        "overshoot_pct": max(0.0, 100 * (y.max() - 1.0)),
        "error_1s_rad": JUMP_RAD - (q[-1] - q[0]),
        "peak_speed_rad_s": float(np.max(np.abs(np.diff(q) / np.diff(t)))),
    }


def rms_between(a, b) -> float:
    """RMS difference [rad] of two responses (motion from the jump), the second resampled on the first's times."""
    (ta, qa), (tb, qb) = a, b
    return float(np.sqrt(np.mean(((qa - qa[0]) - np.interp(ta, tb, qb - qb[0])) ** 2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--robogym-dir", type=Path, help="checkout of github.com/openai/robogym (optional)")
    parser.add_argument("--no-newton", action="store_true", help="plain MuJoCo curves only (no Isaac Lab env)")
    parser.add_argument("--figure", type=Path, default=FIGURE)
    args = parser.parse_args()

    curves: dict[str, dict[str, tuple]] = {joint: {} for joint in START_RAD}
    sources = {"gymnasium-robotics": (gym_model, "robot0:", None), "ours (MuJoCo)": (ours_model, "", None)}
    if args.robogym_dir:
        sources["robogym"] = (lambda: robogym_model(args.robogym_dir), "", "pid")
    for label, (build, prefix, servo) in sources.items():
        for joint in START_RAD:
            name = joint if label.startswith("ours") else prefix + SOURCE_NAMES[joint]
            START_RAD_BY_SOURCE[name] = START_RAD[joint]
            model = build()
            actuator = name if label.startswith("ours") else prefix + "A_" + SOURCE_NAMES[joint]
            pid = RobogymPid(model) if servo else None
            curves[joint][label] = mujoco_response(model, name, actuator, pid)
    if not args.no_newton:
        for joint, curve in newton_responses().items():
            curves[joint]["ours (Newton)"] = curve
    report(curves)
    plot(curves, args.figure)


def report(curves) -> None:
    for joint, by_label in curves.items():
        print(f"\n{joint}: +{JUMP_RAD} rad step")
        print(
            "| model | rise 10-90 % [s] | overshoot [%] | error after 1 s [rad] | peak speed [rad/s] | "
            "RMS vs gymnasium-robotics [rad] | RMS vs robogym [rad] |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, curve in by_label.items():
            m = metrics(*curve)
            vs_gym = rms_between(curve, by_label["gymnasium-robotics"])
            vs_rg = f"{rms_between(curve, by_label['robogym']):.3f}" if "robogym" in by_label else "-"
            print(
                f"| {label} | {m['rise_s']:.3f} | {m['overshoot_pct']:.1f} | {m['error_1s_rad']:.3f} | "
                f"{m['peak_speed_rad_s']:.2f} | "
                f"{vs_gym:.3f} | {vs_rg} |"
            )


def plot(curves, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(11, 4), sharey=True)
    for ax, (joint, by_label) in zip(axes, curves.items()):
        for label, (t, q) in by_label.items():
            ax.plot(t, q - q[0], label=label, lw=2 if "Newton" in label else 1.2)
        ax.axhline(JUMP_RAD, color="k", lw=0.6, ls="--")
        ax.set_title(f"{joint}: target +{JUMP_RAD} rad at t = 0")
        ax.set_xlabel("time after the jump [s]")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("joint motion since the jump [rad]")
    axes[-1].legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"\nfigure: {path}")


if __name__ == "__main__":
    main()
