"""The RSL-RL (rsl-rl-lib 5.5.1) actor of a checkpoint, rebuilt without an env, and its ONNX module.

The actor is built exactly as ``PPO.construct_algorithm`` builds it (``resolve_class(cfg["actor"])`` called with
the observation groups and the number of actions) and loaded strictly from ``actor_state_dict``: its
``forward`` is the library's inference path (``runner.get_inference_policy()`` returns this module).

Export reuses rsl-rl's own ``model.as_onnx()`` (``_OnnxMLPModel`` / ``_OnnxRNNModel``; dactyl_lab's
``DenseLSTMModel`` puts its dense layer after the normalizer in the same wrapper): a copy of the
``EmpiricalNormalization``, the MLP (and the LSTM) and the distribution's deterministic output (the Gaussian mean;
for the discrete head the centre of the most probable of the 11 bins: ArgMax + Gather), with inputs
``obs[, h_in, c_in]`` and outputs ``actions[, h_out, c_out]``. What ``OnPolicyRunner.export_policy_to_onnx`` adds is
not what the runtime needs: it exports with torch's default exporter (dynamo in torch 2.11), opset 18, a batch fixed
at 1 and no metadata; :mod:`.onnx_io` exports the same module with the TorchScript exporter, a dynamic batch axis, a
stated opset and the contract.
"""

from __future__ import annotations

from typing import Any

from dactyl_lab.export import ExportError


def checkpoint_dims(state: dict[str, Any]) -> tuple[int, int]:
    """(observation size, number of actions) the actor of a checkpoint was built for."""
    if "obs_normalizer._mean" in state:
        obs_dim = int(state["obs_normalizer._mean"].shape[-1])
    elif "encoder.0.weight" in state:  # dactyl_lab's DenseLSTMModel: dense layer(s) before the LSTM
        obs_dim = int(state["encoder.0.weight"].shape[1])
    elif "rnn.rnn.weight_ih_l0" in state:
        obs_dim = int(state["rnn.rnn.weight_ih_l0"].shape[1])
    else:
        obs_dim = int(state["mlp.0.weight"].shape[1])
    for key in ("distribution.std_param", "distribution.log_std_param"):
        if key in state:
            return obs_dim, int(state[key].shape[-1])
    last = max((k for k in state if k.startswith("mlp.") and k.endswith(".weight")), key=lambda k: int(k.split(".")[1]))
    outputs = int(state[last].shape[0])
    if DISCRETE_KEY in state:  # the 11-bin head: the last layer gives num_actions x num_bins logits
        return obs_dim, outputs // int(state[DISCRETE_KEY].shape[0])
    return obs_dim, outputs


DISCRETE_KEY = "distribution.bin_centres"
"""State-dict key of the discrete head (dactyl_lab.agents.discrete.BinnedCategoricalDistribution)."""


def is_discrete(state: dict[str, Any]) -> bool:
    """Whether an actor state dict has the paper's discrete (binned categorical) head."""
    return DISCRETE_KEY in state


def build_actor(agent_cfg: dict[str, Any], state: dict[str, Any], obs_dim: int, num_actions: int, source: str):
    """The actor model in eval mode with the checkpoint's weights (normalizer statistics included)."""
    import torch
    from rsl_rl.utils import resolve_class
    from tensordict import TensorDict

    if "actor" not in agent_cfg:
        raise ExportError(
            f"the agent cfg ({source}) has no 'actor' model: it predates rsl-rl-lib 5 (policy = ActorCritic). "
            "Export with the agent config of this repo (agents/rsl_rl_cfg.py) or retrain with it"
        )
    groups = list((agent_cfg.get("obs_groups") or {}).get("actor", ["policy"]))
    if len(groups) != 1:
        raise ExportError(f"the actor reads the observation groups {groups}; the runtime builds one ('policy') only")
    actor_class, actor_cfg = resolve_class(agent_cfg["actor"])
    obs = TensorDict({groups[0]: torch.zeros(1, obs_dim)}, batch_size=[1])
    actor = actor_class(obs, {"actor": groups}, "actor", num_actions, **actor_cfg)
    try:
        actor.load_state_dict(state, strict=True)
    except RuntimeError as error:
        first = str(error).splitlines()[0:3]
        raise ExportError(
            f"the checkpoint's actor does not fit the agent config ({source}): {' '.join(first)}; export with the "
            "config it was trained with (its run folder's params/agent.yaml, or the right --variant)"
        ) from error
    return actor.eval()


def onnx_module(actor):
    """rsl-rl's own ONNX wrapper of the actor: normalizer + network + deterministic output (the mean, or the
    argmax bin centre of the discrete head)."""
    import torch

    module = actor.as_onnx(verbose=False).to("cpu").eval()
    if getattr(module, "is_recurrent", False) and getattr(module, "rnn_type", None) != "lstm":
        raise ExportError(f"the actor's RNN is {module.rnn_type!r}; the runtime contract supports an LSTM only")
    if getattr(module, "is_recurrent", False):
        num_layers, hidden = module.num_layers, module.hidden_size
        dummy = (
            torch.zeros(1, module.input_size),
            torch.zeros(num_layers, 1, hidden),
            torch.zeros(num_layers, 1, hidden),
        )
    else:
        num_layers, hidden = 0, 0
        dummy = (torch.zeros(1, module.input_size),)
    return module, dummy, num_layers, hidden


def actor_obs(actor, obs):
    """The TensorDict the actor takes for a (batch, obs_dim) tensor."""
    from tensordict import TensorDict

    return TensorDict({actor.obs_groups[0]: obs}, batch_size=[obs.shape[0]])
