"""ADR's decisions are unbiased at scale: bench/adr_at_scale.py's simulation of the ADR logic (real ADR objects,
2 simulated ranks, a synthetic success model with a known mean) at a scale where the previous rule (the first
queue_length episodes to finish) is biased to the short, dropped episodes."""

from tests.helpers.scripts import load_bench


def test_cohort_decisions_estimate_the_true_mean_where_first_finishers_do_not():
    bench = load_bench("adr_at_scale")
    out = bench.simulate(ranks=2, envs=1024, params=2, queue=32, steps=1000, seed=1)
    assert out["decisions"] >= 4 and out["ranks_identical"]
    # one decision's std is ~17 / sqrt(32) ~ 3 successes: the mean of >= 4 decisions lies within 6 of the truth
    assert abs(out["decision_mean"] - out["true_mean"]) < 6.0, out
    assert out["first_finishers_mean"] < out["true_mean"] - 10.0, out  # what the previous rule would have seen
    assert out["widened"] >= 1  # true mean 25 >= t_H = 20: the bounds widen
