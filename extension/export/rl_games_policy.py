"""The rl-games (1.6.5) policy of a checkpoint, rebuilt without an env, and an ONNX module for it.

The reference is rl-games' own player (``PpoPlayerContinuous``; ``PpoPlayerDiscrete`` for the paper's discrete
head, whose deterministic action is the argmax bin, mapped to its centre as the training env wrapper does),
created from the agent yaml with an ``env_info`` instead of an env and restored with ``player.restore`` (its
``torch_ext.load_checkpoint``): ``player.get_action(obs, is_deterministic=True)`` is the library's inference
path: it normalizes with the
model's ``running_mean_std`` (``(obs - mean) / sqrt(var + eps)`` clamped to +-5), runs the network, takes
``mu`` and clamps it to [-1, 1] (then rescales to the action space, the identity for Isaac Lab's
``Box(-clip_actions, clip_actions)`` with ``clip_actions`` 1).

Nothing in rl-games or Isaac Lab exports an rl-games policy with its normalizer to ONNX (Isaac Lab 3's
``export_rl_games`` traces a whole env rollout with LEAPP). :class:`RlGamesOnnxPolicy` does: the
normalizer as plain tensor ops (the statistics are float64 buffers of a TorchScript module, used as float32
as rl-games does), then the model's own ``a2c_network`` (MLP, LSTM, its layer norm if configured, ``mu`` or the
logits) with the LSTM state passed in and returned. The exported action is ``mu`` unclipped (or the argmax bin
centre); the contract records the wrappers' ``clip_actions`` (env_clip) and ``clip_observations`` (obs_clip) for
the runtime to apply.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import re
from pathlib import Path
from typing import Any

from dactyl_lab.export import ExportError
from dactyl_lab.training.rl_games_agent import restore_player


def params_of(agent_cfg: dict[str, Any], source: str) -> dict[str, Any]:
    if "params" not in agent_cfg or "network" not in agent_cfg["params"]:
        raise ExportError(f"the agent cfg ({source}) is not an rl-games config (no params.network)")
    return agent_cfg["params"]


def is_discrete(model_state: dict[str, Any]) -> bool:
    """Whether the network has the paper's discrete head (one logits layer per action: ``a2c_network.logits.<i>``)."""
    return "a2c_network.logits.0.weight" in model_state


def checkpoint_dims(model_state: dict[str, Any], params: dict[str, Any]) -> tuple[int, int]:
    """(observation size, number of actions) the network of a checkpoint was built for."""
    rnn = params["network"].get("rnn")
    if "running_mean_std.running_mean" in model_state:
        obs_dim = int(model_state["running_mean_std.running_mean"].shape[0])
    elif rnn and rnn.get("before_mlp", False) and "a2c_network.rnn.rnn.weight_ih_l0" in model_state:
        obs_dim = int(model_state["a2c_network.rnn.rnn.weight_ih_l0"].shape[1])
    else:
        obs_dim = int(model_state["a2c_network.actor_mlp.0.weight"].shape[1])
    if is_discrete(model_state):
        return obs_dim, sum(1 for k in model_state if re.fullmatch(r"a2c_network\.logits\.\d+\.weight", k))
    if "a2c_network.mu.weight" not in model_state:
        raise ExportError(
            "the rl-games checkpoint has neither a2c_network.mu (Gaussian) nor a2c_network.logits "
            "(discrete): not a policy of this repo's rl-games configs"
        )
    return obs_dim, int(model_state["a2c_network.mu.weight"].shape[0])


def wrapper_clips(params: dict[str, Any]) -> tuple[float | None, float | None]:
    """(clip_observations, clip_actions) of Isaac Lab's rl-games wrapper (None = no clipping)."""
    env = params.get("env") or {}
    clips = []
    for key in ("clip_observations", "clip_actions"):
        value = env.get(key)
        clips.append(None if value is None or not math.isfinite(float(value)) else float(value))
    return clips[0], clips[1]


MODELS = {"continuous_a2c_logstd": "PpoPlayerContinuous", "multi_discrete_a2c": "PpoPlayerDiscrete"}
"""rl-games models the export supports (Gaussian; the paper's discrete head) and the player that runs each."""


def build_player(params: dict[str, Any], checkpoint: Path, obs_dim: int, num_actions: int, source: str):
    """rl-games' player for the checkpoint, on the CPU, deterministic (``PpoPlayerContinuous``; for the discrete
    head ``PpoPlayerDiscrete`` with the ``Tuple(Discrete(11) x 20)`` space of the training env wrapper)."""
    import numpy as np

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import gym  # rl-games' spaces; prints a deprecation banner on import
        from rl_games.algos_torch import players

    network = params["network"]
    if network.get("separate", False) and network.get("rnn"):
        raise ExportError("separate actor/critic networks with an RNN are not supported (the actor state is 4 tensors)")
    if network.get("rnn") and network["rnn"].get("name", "lstm") != "lstm":
        raise ExportError(f"the network's RNN is {network['rnn'].get('name')!r}; the runtime contract supports an LSTM")
    model_name = params.get("model", {}).get("name")
    if model_name not in MODELS:
        raise ExportError(f"rl-games model {params.get('model')} is not supported; export one of {sorted(MODELS)}")
    obs_clip, act_clip = wrapper_clips(params)
    if act_clip not in (None, 1.0):
        raise ExportError(
            f"clip_actions {act_clip}: rl-games' player rescales clamp(mu, -1, 1) onto +-{act_clip}, which the "
            "runtime contract cannot express; train with clip_actions 1.0"
        )
    params = copy.deepcopy(params)
    config = params["config"]
    config.update(device="cpu", device_name="cpu")
    low = -obs_clip if obs_clip else -np.inf
    if model_name == "multi_discrete_a2c":
        from dactyl_lab.agents.discrete import NUM_BINS

        action_space = gym.spaces.Tuple([gym.spaces.Discrete(NUM_BINS) for _ in range(num_actions)])
    else:
        action_space = gym.spaces.Box(-(act_clip or 1.0), act_clip or 1.0, (num_actions,), dtype=np.float32)
    config["env_info"] = {
        "observation_space": gym.spaces.Box(low, -low, (obs_dim,), dtype=np.float32),
        "action_space": action_space,
        "agents": 1,
        "value_size": 1,
    }
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # rl-games prints every layer it builds
            player = getattr(players, MODELS[model_name])(params)
            restore_player(player, checkpoint, map_location="cpu")
    except RuntimeError as error:
        first = " ".join(str(error).splitlines()[0:3])
        raise ExportError(
            f"the checkpoint's network does not fit the agent config ({source}): {first}; export with the config it "
            "was trained with (its run folder's params/agent.yaml, or the right --variant)"
        ) from error
    player.model.eval()
    return player


def player_is_discrete(player) -> bool:
    return bool(getattr(player, "is_multi_discrete", False))


def argmax_bin_centres(logits, centres):
    """Centre of the most probable bin per action: ``logits`` a list of (batch, bins) tensors, one per action."""
    import torch

    return centres[torch.argmax(torch.stack(list(logits), dim=-2), dim=-1)]


def reference_actions(player, obs, states=None):
    """``(action, new states)`` of ``player.model`` (the library's forward, normalizer included) for a batch ``obs``:
    ``mu`` (Gaussian), or the centre of the argmax bin of the logits (discrete head)."""
    import torch

    from dactyl_lab.agents.discrete import bin_centres

    with torch.no_grad():
        result = player.model({"is_train": False, "prev_actions": None, "obs": obs, "rnn_states": states})
    if player_is_discrete(player):
        return argmax_bin_centres(result["logits"], bin_centres(result["logits"][0].shape[-1])), result["rnn_states"]
    return result["mus"], result["rnn_states"]


def onnx_module(player, obs_dim: int):
    """(module, dummy inputs, num_layers, hidden) for the ONNX export of the player's model."""
    import torch

    from dactyl_lab.agents.discrete import bin_centres

    class RlGamesOnnxPolicy(torch.nn.Module):
        """``obs[, h_in, c_in] -> action[, h_out, c_out]`` with rl-games' input normalization folded in; the action
        is ``mu`` (Gaussian) or the centre of the most probable bin (discrete head: ArgMax + Gather)."""

        def __init__(self, model, discrete: bool):
            super().__init__()
            self.discrete = discrete
            if discrete:
                self.register_buffer("bin_centres", bin_centres(model.a2c_network.logits[0].out_features))
            self.a2c_network = copy.deepcopy(model.a2c_network).cpu().eval()
            self.normalize_input = bool(model.normalize_input)
            if self.normalize_input:
                rms = model.running_mean_std
                if bool(rms.per_channel):
                    raise ExportError("per-channel input normalization (image observations) is not supported")
                self.norm_only = bool(rms.norm_only)
                self.eps = float(rms.epsilon)
                self.register_buffer("obs_mean", rms.running_mean.detach().float().cpu().clone())
                self.register_buffer("obs_var", rms.running_var.detach().float().cpu().clone())
            self.recurrent = bool(model.is_rnn())

        def normalize(self, obs):
            if not self.normalize_input:
                return obs
            if self.norm_only:
                return obs / torch.sqrt(self.obs_var + self.eps)
            return torch.clamp((obs - self.obs_mean) / torch.sqrt(self.obs_var + self.eps), min=-5.0, max=5.0)

        def forward(self, obs, h_in=None, c_in=None):
            x = self.normalize(obs)
            inputs = {"obs": x, "rnn_states": (h_in, c_in)} if self.recurrent else {"obs": x}
            outputs = self.a2c_network(inputs)  # (mu, sigma, value, states), discrete: (logits, value, states)
            action = argmax_bin_centres(outputs[0], self.bin_centres) if self.discrete else outputs[0]
            if self.recurrent:
                return action, outputs[-1][0], outputs[-1][1]
            return action

    model = player.model
    module = RlGamesOnnxPolicy(model, player_is_discrete(player)).eval()
    obs = torch.zeros(1, obs_dim)
    if module.recurrent:
        lstm = model.a2c_network.rnn.rnn
        num_layers, hidden = lstm.num_layers, lstm.hidden_size
        return module, (obs, torch.zeros(num_layers, 1, hidden), torch.zeros(num_layers, 1, hidden)), num_layers, hidden
    return module, (obs,), 0, 0
