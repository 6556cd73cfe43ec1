"""The networks each agent config builds, read off the built modules in the order the forward pass runs them:
the paper's recurrent network (dense 1024 ReLU -> LSTM 512 -> output; value network of the same shape) in RSL-RL and
rl-games, and the feed-forward ones. Default (paper) sizes: one forward of a batch of 2 is cheap on the CPU."""

import contextlib
import io

import pytest
import torch
from tensordict import TensorDict

OBS, CRITIC_OBS, ACTIONS, BINS = 46, 104, 20, 11


def forward_order(model, run) -> list[tuple]:
    """(kind, in, out) of every Linear / LSTM / activation / LayerNorm in the order ``run()`` calls them."""
    calls, hooks = [], []

    def record(module, *_):
        if isinstance(module, torch.nn.Linear):
            calls.append(("Linear", module.in_features, module.out_features))
        elif isinstance(module, torch.nn.LSTM):
            calls.append(("LSTM", module.input_size, module.hidden_size))
        else:
            calls.append((type(module).__name__,))

    kinds = (torch.nn.Linear, torch.nn.LSTM, torch.nn.ReLU, torch.nn.ELU, torch.nn.LayerNorm)
    for module in model.modules():
        if isinstance(module, kinds):
            hooks.append(module.register_forward_hook(record))
    try:
        with torch.no_grad():
            run()
    finally:
        for hook in hooks:
            hook.remove()
    return calls


# -- RSL-RL ----------------------------------------------------------------------------------------------------


def rsl_rl_models(cfg_name: str):
    from isaaclab.utils import to_dict
    from isaaclab_rl.rsl_rl import check_rsl_rl_version, handle_deprecated_rsl_rl_cfg
    from rsl_rl.utils import resolve_class

    from dactyl_lab.agents import rsl_rl_cfg

    cfg = to_dict(handle_deprecated_rsl_rl_cfg(getattr(rsl_rl_cfg, cfg_name)(), check_rsl_rl_version()))
    obs = TensorDict({"policy": torch.randn(2, OBS), "critic": torch.randn(2, CRITIC_OBS)}, batch_size=[2])
    built = []
    for name, outputs in (("actor", ACTIONS), ("critic", 1)):
        model_class, model_cfg = resolve_class(cfg[name])  # rsl_rl's own resolver, as PPO.construct_algorithm
        built.append(model_class(obs, cfg["obs_groups"], name, outputs, **model_cfg))
    return obs, built


PAPER_LSTM = [("Linear", None, 1024), ("ReLU",), ("LSTM", 1024, 512)]
MLP_ELU = [("Linear", None, 512), ("ELU",), ("Linear", 512, 512), ("ELU",), ("Linear", 512, 256), ("ELU",)]


def with_inputs(layers, inputs):
    return [(layer[0], inputs, *layer[2:]) if layer[1:2] == (None,) else layer for layer in layers]


@pytest.mark.parametrize(
    "cfg_name, trunk, actor_out, recurrent",
    [
        ("DactylFFPPORunnerCfg", MLP_ELU, ("Linear", 256, ACTIONS), False),
        ("DactylLSTMPPORunnerCfg", PAPER_LSTM, ("Linear", 512, ACTIONS), True),
        ("DactylFFDiscretePPORunnerCfg", MLP_ELU, ("Linear", 256, ACTIONS * BINS), False),
        ("DactylLSTMDiscretePPORunnerCfg", PAPER_LSTM, ("Linear", 512, ACTIONS * BINS), True),
    ],
)
def test_rsl_rl_networks(cfg_name, trunk, actor_out, recurrent):
    obs, (actor, critic) = rsl_rl_models(cfg_name)
    assert actor.is_recurrent == recurrent and critic.is_recurrent == recurrent
    assert forward_order(actor, lambda: actor(obs)) == with_inputs(trunk, OBS) + [actor_out]
    # separate value network of the same shape on the privileged observations
    value_out = (actor_out[0], actor_out[1], 1)
    assert forward_order(critic, lambda: critic(obs)) == with_inputs(trunk, CRITIC_OBS) + [value_out]
    assert not set(map(id, actor.parameters())) & set(map(id, critic.parameters()))
    discrete = actor_out[2] == ACTIONS * BINS
    head = "BinnedCategoricalDistribution" if discrete else "GaussianDistribution"
    assert type(actor.distribution).__name__ == head
    assert actor(obs).shape == (2, ACTIONS)


def test_rsl_rl_paper_lstm_exports_in_the_same_order():
    """The ONNX module (rsl_rl's wrapper around DenseLSTMModel) runs normalizer -> dense -> LSTM -> output too."""
    obs, (actor, _) = rsl_rl_models("DactylLSTMDiscretePPORunnerCfg")
    module = actor.as_onnx(verbose=False).eval()
    state = (torch.zeros(1, 2, 512), torch.zeros(1, 2, 512))
    order = forward_order(module, lambda: module(obs["policy"], *state))
    assert order == with_inputs(PAPER_LSTM, OBS) + [("Linear", 512, ACTIONS * BINS)]
    actor.reset()
    assert torch.equal(module(obs["policy"], *state)[0], actor(obs))
    # Isaac Lab's play exports TorchScript too (runner.export_policy_to_jit: torch.jit.script(as_jit()), batch 1)
    scripted = torch.jit.script(actor.as_jit().eval())
    actor.reset()
    assert torch.equal(scripted(obs["policy"][:1]), actor(obs[:1]))


# -- rl-games ----------------------------------------------------------------------------------------------------


def rl_games_model(params: dict, central_value: bool = False):
    from rl_games.algos_torch.model_builder import ModelBuilder

    builder = ModelBuilder()
    if central_value:  # as rl_games.algos_torch.central_value.CentralValueTrain builds the privileged critic
        network = builder.get_network_builder().load(params["config"]["central_value_config"]["network"])
        config = {"actions_num": ACTIONS, "input_shape": (CRITIC_OBS,), "value_size": 1, "num_seqs": 2}
        return network.build("cvalue", **config)
    model = builder.load(params)
    actions = [BINS] * ACTIONS if params["model"]["name"] == "multi_discrete_a2c" else ACTIONS
    config = {
        "actions_num": actions,
        "input_shape": (OBS,),
        "num_seqs": 2,
        "value_size": 1,
        "normalize_value": True,
        "normalize_input": True,
    }
    return model.build(config).a2c_network


def rl_games_params(variant: str) -> dict:
    import yaml

    from dactyl_lab.agents import rl_games_discrete

    loaders = {"ff_discrete": rl_games_discrete.ff_discrete_cfg, "lstm_discrete": rl_games_discrete.lstm_discrete_cfg}
    if variant in loaders:
        return loaders[variant]()["params"]
    from importlib.resources import files

    return yaml.safe_load(files("dactyl_lab.agents").joinpath(f"rl_games_{variant}.yaml").read_text())["params"]


def run_rl_games(network, inputs: int, recurrent: bool):
    obs = {"obs": torch.randn(2, inputs)}
    if recurrent:
        obs["rnn_states"] = network.get_default_rnn_state()
    return lambda: network(obs)


RLG_MLP = [("Linear", None, 512), ("ReLU",), ("Linear", 512, 512), ("ReLU",), ("Linear", 512, 256), ("ReLU",)]


@pytest.mark.parametrize("variant", ["ff", "lstm", "ff_discrete", "lstm_discrete"])
def test_rl_games_networks(variant):
    pytest.importorskip("rl_games")
    with contextlib.redirect_stdout(io.StringIO()):
        params = rl_games_params(variant)
        actor, critic = rl_games_model(params), rl_games_model(params, central_value=True)
    recurrent, discrete = variant.startswith("lstm"), variant.endswith("_discrete")
    trunk, width = (PAPER_LSTM, 512) if recurrent else (RLG_MLP, 256)
    order = forward_order(actor, run_rl_games(actor, OBS, recurrent))
    # rl-games also runs its (unused: the central value net is the critic) shared value head, first
    heads = [("Linear", width, 1)] + ([("Linear", width, BINS)] * ACTIONS if discrete else [("Linear", width, ACTIONS)])
    assert order == with_inputs(trunk, OBS) + heads
    assert forward_order(critic, run_rl_games(critic, CRITIC_OBS, recurrent)) == with_inputs(trunk, CRITIC_OBS) + [
        ("Linear", width, 1)
    ]
