"""The README's speed figures are those of the committed benchmark results (docs/results/).

Each table is computed from a result file by ``experiments.benchmarks.readme``; the
README must hold it as computed, and the prose's verdicts must follow from the numbers.
"""

from pathlib import Path

import pytest

from experiments.benchmarks import readme

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name, table",
    [
        ("cross_validation", readme.cross_validation_table),
        ("chunk_sweep", readme.chunk_sweep_table),
        ("cost_curves", readme.cost_curves_table),
    ],
)
def test_the_readme_holds_each_table_as_computed_from_its_results(name, table):
    assert table(readme.load(name)) in README


def test_the_prose_follows_from_the_cross_validation_results():
    v = readme.verdicts(readme.load("cross_validation"))
    met = f"None of the {v['targets']} is met" if v["met"] == 0 else f"{v['met']} of the {v['targets']} are met"
    assert met in README
    assert f"**{v['peak_percent']} % of the matmul peak**" in README
    assert f"{v['matmul_gflops']} GFLOP/s float32 matmul, {v['copy_gbs']} GB/s memory copy" in README


def test_the_cost_model_claim_follows_from_the_chunk_sweep():
    cases = readme.load("chunk_sweep")["cases"].values()
    assert all(case["summary"]["within_tolerance"] for case in cases)
    assert "within 10 % of the best chunk on every case" in README
    loocv = [c["summary"] for c in cases if c["n_folds"] > 100]
    speedups = sorted(s["no_chunking_s"] / s["auto_s"] for s in loocv)
    assert f"{speedups[0]:.1f}–{speedups[-1]:.1f}× faster\nthan one chunk on the LOOCVs" in README


def test_the_cost_curves_prose_quotes_the_run():
    results = readme.load("cost_curves")
    rows, folds = results["sweeps"]["rows"], results["sweeps"]["folds"]
    point = {alt: {p["n"]: p for p in entry["points"]} for alt, entry in rows.items()}
    fnn, loop, sk = point["fnn"], point["loop"], point["sklearn"]
    useful = 6 * 1025 * 4000 * 3999 * results["epochs"]  # 6 x params x training rows x epochs, summed over folds
    rate = useful / fnn[4000]["cv_s"] / 1e9
    assert f"{rate:.0f} GFLOP/s of useful work at n = 4000: {fnn[4000]['cv_s']:.1f} s" in README
    assert f"{loop[100]['cv_s']:.1f} s at n = 100, {loop[4000]['cv_s']:.1f} s at n = 4000, still " in README
    assert f"still {loop[4000]['cv_s'] / fnn[4000]['cv_s']:.1f}×\nfnn there" in README
    assert f"({sk[100]['cv_s']:.1f} s at n = 100, {sk[1000]['cv_s']:.1f} s at n = 1000)" in README
    assert f"extrapolate to {rows['sklearn']['extrapolated_cv_s']['4000']:.0f} s" in README
    added = f"adds {fnn[100]['added_rss_mb']:.0f} MB at n = 100 and {fnn[4000]['added_rss_mb']:.0f} MB at n = 4000"
    assert added in README
    k = {p["K"]: p["cv_s"] for p in folds["fnn"]["points"]}
    assert f"{k[5]:.2f} s at K = 5 and {k[1000]:.2f} s at K = 1000" in README
