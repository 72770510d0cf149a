"""The metrics' compiled kernels equal the NumPy expressions they replace, bit for bit.

Each kernel of :mod:`cosim.outputs.kernels` is run against the NumPy code it
replaced (kept here as the reference) on random inputs with edge values (0, 1,
empty groups and arrays, NaN); ``model_outcomes`` and the collector's frame
are checked against ``outcomes(model.timeseries())`` and Mesa's frame.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from conftest import SCENARIOS

from cosim import load_scenario
from cosim.model.model import CoProductionModel
from cosim.outputs import kernels
from cosim.outputs import metrics as M

# ----------------------------------------------------------------- NumPy references

_CHANNEL, _ONLINE, _ADOPTED, _RECENT, _TRUSTING, _N_CODES = 1, 5, 10, 20, 40, 80


def _indicators(level_of_channel):
    code = np.arange(_N_CODES)
    channel = code // _CHANNEL % 5
    level = level_of_channel[channel]
    ind = np.zeros((_N_CODES, M.LV0 + 6))
    ind[:, M.ONLINE] = code // _ONLINE % 2
    ind[:, M.ADOPTED] = code // _ADOPTED % 2
    ind[:, M.PART] = channel > 0
    ind[:, M.E_PART] = (channel > 0) & (channel < 4)
    ind[:, M.RECENT] = code // _RECENT % 2
    ind[:, M.TRUSTING] = code // _TRUSTING
    ind[code, M.CH0 + channel] = 1.0
    ind[code, M.LV0 + level] = 1.0
    return ind


def group_tally_numpy(G, group, channel, online, adopted, last_participation, recent_after, trust, threshold,
                      literacy, awareness, privacy, window_comments, level_of_channel):
    """The tally as metrics._tally computed it with NumPy and a sparse matrix (before the kernel)."""
    u16 = np.uint16
    members = sp.csr_matrix((np.ones(group.size), (group, np.arange(group.size))), shape=(G, group.size))
    code = np.asarray(channel, np.int8).astype(u16)
    code += np.multiply(online, _ONLINE, dtype=u16)
    code += np.multiply(adopted, _ADOPTED, dtype=u16)
    code += np.multiply(last_participation > recent_after, _RECENT, dtype=u16)
    code += np.multiply(trust > threshold, _TRUSTING, dtype=u16)
    counts = np.bincount(group * _N_CODES + code, minlength=G * _N_CODES).reshape(G, _N_CODES)
    out = np.empty((G, M._N_COLS))
    np.matmul(counts.astype(float), _indicators(level_of_channel), out=out[:, :M.TRUST])
    for col, attribute in enumerate((trust, literacy, awareness, privacy, (window_comments > 0).astype(float),
                                     window_comments.astype(float)), M.TRUST):
        out[:, col] = members @ attribute
    return out


def inequality_rows_numpy(counts):
    values = np.arange(counts.shape[-1])
    n = np.add.reduce(counts, axis=-1)
    total = np.add.reduce(values * counts, axis=-1).astype(float)
    ok = (n > 0) & (total > 0)
    safe_n = np.maximum(n, 1)
    safe_total = np.where(ok, total, 1.0)
    before = np.cumsum(counts, axis=-1) - counts
    rank_sum = np.add.reduce(values * (counts * before + counts * (counts + 1) / 2.0), axis=-1)
    gini = np.where(ok, 2.0 * rank_sum / (safe_n * safe_total) - (safe_n + 1.0) / safe_n, 0.0)
    above = n[..., None] - before - counts
    tops = []
    for share in (0.01, 0.10):
        k = np.maximum(1, np.ceil(share * n).astype(np.int64))[..., None]
        take = np.minimum(counts, np.maximum(0, k - above))
        tops.append(np.where(ok, np.add.reduce(values * take, axis=-1) / safe_total, 0.0))
    return gini, tops[0], tops[1]


def _count(x, slices):
    if x.dtype == bool:
        return np.array([np.count_nonzero(x[s]) for s in slices], dtype=float)
    return np.array([x[s].sum() for s in slices], dtype=float)


def municipality_block_numpy(a):
    """per_muni, own, weight and the histogram as metrics.week_tally built them with NumPy (before the kernel)."""
    Mn = a["n_muni"]
    muni = a["muni"]
    slices = [slice(*np.flatnonzero(muni == m)[[0, -1]] + [0, 1]) if (muni == m).any() else slice(0, 0)
              for m in range(Mn)]
    top = int(a["contributions"].max()) + 1 if a["contributions"].size else 1
    stride = a["stride"]
    if top > stride:
        stride = 1 << max(4, (top - 1).bit_length())
    hist = np.bincount(muni * stride + a["contributions"], minlength=Mn * stride).reshape(Mn, stride)
    act = a["active"]
    per_muni = np.array([
        a["requests"], a["resolved"], a["dropped"],
        np.bincount(muni[a["waiting"]], minlength=Mn),
        a["trained"], a["breaches"], a["spend"], a["spend_total"],
        np.bincount(a["official_muni"], weights=act, minlength=Mn),
        np.bincount(a["official_muni"], weights=a["skill"] * act, minlength=Mn),
        np.bincount(a["official_muni"], weights=a["ict_skill"] * act, minlength=Mn),
        a["posts"],
        np.bincount(a["hotspot_muni"], minlength=Mn),
        np.bincount(a["node_muni"], weights=a["up"], minlength=Mn),
        np.bincount(a["node_muni"], minlength=Mn),
        a["cum_resolved"], a["cum_dropped"],
        np.bincount(a["ward_muni"], weights=a["quality"] * a["n_ward"], minlength=Mn),
        a["scale"] * _count(a["window_attended"], slices),
        a["window_meetings"], *a["window_comments"].T,
        _count(a["hotspot_used"], slices), _count(a["hotspot_ever"], slices), _count(a["hotspot_capped"], slices),
        np.bincount(muni, weights=a["hotspot_days"], minlength=Mn) * a["scale"] / 7.0,
        _count(a["last_online"] >= a["online_since"], slices),
    ], dtype=float)
    own = np.array([a["median_wait"], a["outcome"], a["open_data_value"], a["posture"]])
    weight = np.array([np.maximum(a["resolved"], 1e-9), a["resolved"], a["n_citizens"], a["n_citizens"]])
    return np.concatenate([per_muni, own, weight]), hist


def _special(rng, n, extra=(0.0, 1.0, -0.0, 1e-300, 0.5)):
    """Uniform floats with edge values sprinkled in."""
    x = rng.random(n)
    if n:
        k = rng.integers(0, n, size=min(n, 5))
        x[k] = rng.choice(np.array(extra), size=k.size)
    return x


# ----------------------------------------------------------------- kernels


@pytest.mark.parametrize("n", [0, 1, 2, 7, 500, 3000])
@pytest.mark.parametrize("n_muni", [1, 3])
def test_group_tally_equals_numpy(n, n_muni):
    rng = np.random.default_rng(n * 10 + n_muni)
    G = 9 * n_muni
    group = np.sort(rng.integers(0, G, size=n)).astype(np.intp)
    rng.shuffle(group[: n // 2])  # not sorted throughout
    channel = rng.integers(0, 5, size=n).astype(np.int8)
    online, adopted = rng.random(n) < 0.5, rng.random(n) < 0.3
    last_participation = rng.integers(-10_000, 60, size=n)
    trust = _special(rng, n)
    threshold = 0.5
    trust[: min(n, 3)] = threshold  # ties: not trusting
    literacy, awareness, privacy = _special(rng, n), _special(rng, n), rng.normal(size=n) * 1e6
    window_comments = rng.integers(0, 4, size=n) * (rng.random(n) < 0.2)
    for level_of_channel in (np.zeros(5, np.int8), np.array([0, 2, 2, 3, 4], np.int8), np.arange(5, dtype=np.int8)):
        args = (group, channel, online, adopted, last_participation, 6, trust, threshold, literacy, awareness,
                privacy, window_comments, level_of_channel)
        got = np.full((G, M._N_COLS), np.nan)
        kernels.group_tally(got, *args)
        want = group_tally_numpy(G, *args)
        assert got.dtype == want.dtype and np.array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("n", [0, 1, 5, 2000])
@pytest.mark.parametrize("n_muni", [1, 2])
def test_municipality_block_equals_numpy(n, n_muni):
    rng = np.random.default_rng(100 + n + n_muni)
    Mn = n_muni
    muni = np.sort(rng.integers(0, Mn, size=n))
    n_off, n_nodes, n_wards, n_hot = 3 * n, n // 3, 7, n // 50
    a = {
        "n_muni": Mn, "muni": muni, "stride": int(rng.choice([0, 16, 64])),
        "contributions": rng.integers(0, 40, size=n) * (rng.random(n) < 0.3),
        "window_attended": rng.integers(0, 3, size=n) * (rng.random(n) < 0.2),
        "hotspot_used": rng.random(n) < 0.2, "hotspot_ever": rng.random(n) < 0.3, "hotspot_capped": rng.random(n) < 0.1,
        "hotspot_days": rng.integers(0, 8, size=n) * rng.random(n), "last_online": rng.integers(-10_000, 30, size=n),
        "online_since": 20, "waiting": rng.integers(0, max(n, 1), size=n // 4) if n else np.zeros(0, np.int64),
        **{k: _special(rng, Mn) * 100 for k in ("requests", "dropped", "trained", "breaches", "spend", "spend_total",
                                                  "cum_resolved", "cum_dropped", "window_meetings", "median_wait",
                                                  "outcome", "open_data_value", "posture", "scale", "n_citizens",
                                                  "posts")},
        "resolved": np.array([0.0, 1e-10, 3.0, np.nan][:Mn]) if Mn > 1 else np.array([0.0]),
        "official_muni": np.sort(rng.integers(0, Mn, size=n_off)), "active": rng.random(n_off) < 0.8,
        "skill": _special(rng, n_off), "ict_skill": -_special(rng, n_off),
        "hotspot_muni": rng.integers(0, Mn, size=n_hot), "node_muni": rng.integers(0, Mn, size=n_nodes),
        "up": rng.random(n_nodes) < 0.9, "ward_muni": np.sort(rng.integers(0, Mn, size=n_wards)),
        "quality": _special(rng, n_wards), "n_ward": rng.integers(0, 50, size=n_wards).astype(float),
        "window_comments": rng.integers(0, 9, size=(Mn, 4)).astype(float),
    }
    want, want_hist = municipality_block_numpy(a)
    got = np.full(want.shape, np.nan)
    hist = kernels.municipality_block(
        got, a["muni"], a["contributions"], a["stride"], a["window_attended"], a["hotspot_used"], a["hotspot_ever"],
        a["hotspot_capped"], a["hotspot_days"], a["last_online"], a["online_since"], a["waiting"],
        a["requests"], a["resolved"], a["dropped"], a["trained"], a["breaches"], a["spend"], a["spend_total"],
        a["cum_resolved"], a["cum_dropped"], a["official_muni"], a["active"], a["skill"], a["ict_skill"], a["posts"],
        a["hotspot_muni"], a["node_muni"], a["up"], a["ward_muni"], a["quality"], a["n_ward"], a["scale"],
        a["window_meetings"], a["window_comments"], a["median_wait"], a["outcome"], a["open_data_value"],
        a["posture"], a["n_citizens"])
    assert got.dtype == want.dtype and np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want))
    assert hist.dtype == want_hist.dtype and np.array_equal(hist, want_hist)
    assert got.shape[0] == len(M.PER_MUNI) + 2 * len(M.WEIGHTED_METRICS)


@pytest.mark.parametrize("rows", [0, 1, 5, 40])
@pytest.mark.parametrize("width", [1, 16, 300])
def test_inequality_rows_equals_numpy(rows, width):
    rng = np.random.default_rng(rows * 1000 + width)
    hist = rng.integers(0, 50, size=(rows, width)) * (rng.random((rows, width)) < 0.4)
    if rows > 2:
        hist[0] = 0  # nobody
        hist[1, :] = 0
        hist[1, 0] = 7  # people, no contributions
        hist[2, :] = 0
        hist[2, -1] = 1  # one contributor
    got = M._inequality_rows(hist)
    want = inequality_rows_numpy(hist)
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and np.array_equal(g, w)


# ----------------------------------------------------------------- the table and the outcomes

_RUNS = [("baseline", 60, 1), ("all_levers", 120, 2), ("baseline_2010_2030", 80, 3), ("dual_municipality", 60, 4),
         ("wifi_phased", 110, 5), ("security_breach", 70, 6)]


def _run(name: str, steps: int, seed: int) -> CoProductionModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = load_scenario(SCENARIOS / f"{name}.toml", {"run.n_citizens": 300, "run.steps": steps})
    model = CoProductionModel(sc, rng=seed)
    model.run()
    return model


def outcomes_pandas(timeseries, municipality="region"):
    """metrics.outcomes as it aggregated with pandas (before its NumPy path)."""
    df = timeseries[timeseries["municipality"] == municipality]
    df = df[df["step"] > 0]
    last_year = df[df["step"] > df["step"].max() - 52]
    result = {}
    for name, (metric, how) in M.OUTCOMES.items():
        if how == "final":
            result[name] = float(df[metric].iloc[-1])
        elif how == "year":
            result[name] = float(last_year[metric].mean())
        else:
            result[name] = float(df[metric].sum())
    return result


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    return list(a) == list(b) and all(
        type(a[k]) is type(b[k]) and ((np.isnan(a[k]) and np.isnan(b[k])) or np.float64(a[k]).tobytes()
                                      == np.float64(b[k]).tobytes()) for k in a)


@pytest.mark.parametrize(("name", "steps", "seed"), _RUNS)
def test_model_outcomes_equal_outcomes_of_the_table(name, steps, seed):
    model = _run(name, steps, seed)
    fast = M.model_outcomes(model)  # before the table is built
    df = model.timeseries()
    assert _same(fast, M.outcomes(df))
    assert _same(fast, outcomes_pandas(df))
    assert _same(M.model_outcomes(model), fast)  # and after
    for place in M.row_names(model.n_muni):
        assert _same(M.outcomes(df, place), outcomes_pandas(df, place))
    # a table whose metrics are not all float64 (read back from a file, say): pandas' arithmetic
    as_int = df.assign(requests=df["requests"].round().astype(np.int64))
    assert _same(M.outcomes(as_int), outcomes_pandas(as_int))


def test_model_outcomes_nan_and_errors():
    model = _run("baseline", 60, 7)
    _, values = model.datacollector.arrays()
    values[5:9, -1, :] = np.nan  # gaps skipped by the mean, 0 in the sum
    values[-1, -1, M.ROW["sgi"]] = np.nan  # a final NaN
    values[-60:, -1, M.ROW["mean_trust"]] = np.nan  # a year of NaN: NaN mean
    df = model.timeseries()
    assert _same(M.model_outcomes(model), M.outcomes(df))
    assert _same(M.model_outcomes(model), outcomes_pandas(df))
    result = M.model_outcomes(model)
    assert np.isnan(result["sgi"]) and np.isnan(result["mean_trust_year"]) and not np.isnan(result["share_online"])
    empty = CoProductionModel(load_scenario(SCENARIOS / "baseline.toml", {"run.n_citizens": 100}), rng=1,
                              collect=False)
    with pytest.raises(M.UsageError):
        M.model_outcomes(empty)
    week0 = CoProductionModel(load_scenario(SCENARIOS / "baseline.toml", {"run.n_citizens": 100}), rng=1)
    with pytest.raises(M.UsageError, match="after week 0"):
        M.model_outcomes(week0)


@pytest.mark.parametrize(("name", "steps", "seed"), _RUNS[:2])
def test_timeseries_frame_is_mesas_frame(name, steps, seed):
    model = _run(name, steps, seed)
    collector = model.datacollector
    fast = collector.timeseries_frame()  # from the arrays
    mesa_frame = collector.get_table_dataframe("timeseries")  # from the lists
    pd.testing.assert_frame_equal(fast, mesa_frame, check_exact=True)
    assert [b.dtype for b in fast._mgr.blocks if b.dtype == float] == [np.dtype(float)]
    block = next(b for b in fast._mgr.blocks if b.dtype == float).values
    assert block.shape == (len(M.METRICS), len(fast)) and block.flags.c_contiguous
    # weeks recorded after the lists were read: still every week, once
    model.run(3)
    assert collector.timeseries_frame()["step"].tolist()[-3 * len(M.row_names(model.n_muni)):][::len(
        M.row_names(model.n_muni))] == [steps + 1, steps + 2, steps + 3]
    assert len(collector.model_vars["sgi"]) == len(collector._collection_steps) == steps + 4
