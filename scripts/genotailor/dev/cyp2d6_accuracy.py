"""Accuracy of `cyp2d6-cn` on simulated samples the tests never see (other seeds, depths and read
lengths), over the real GRCh38 CYP2D locus (`dev.testdata.cyp2d6`).

Each sample is a pair of chromosomes from the truth set below, simulated and aligned with the
workflow's alignment step, and called. A call is counted:
- correct: the copy number (or, for a hybrid, "hybrid suspected") equals the truth;
- withheld: "uncertain" or "not assessed" (no copy number given, the reason says why);
- false_hybrid: "hybrid suspected — confirm" where there is none (no copy number given either);
- wrong: a copy number that is not the truth (for a hybrid: any copy number).
The figures reported are these counts per depth and in total.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from genotailor.core.paths import REPO

WINDOW = REPO / "tests" / "data" / "grch38" / "cyp2d_locus_window.fa"

# name -> (haplotype specs (copies, hybrid exon), truth: copy number label or "hybrid")
TRUTHS = {
    "*1/*1": (((1, None), (1, None)), "2"),
    "*1/*5": (((1, None), (0, None)), "1"),
    "*5/*5": (((0, None), (0, None)), "0"),
    "*1/*1x2": (((1, None), (2, None)), "3"),
    "*1x2/*1x2": (((2, None), (2, None)), "4+"),
    "*1/*13-like (exons 1-4)": (((1, None), (1, 4)), "hybrid"),
    "*1/*13-like (exons 1-2)": (((1, None), (1, 2)), "hybrid"),
}


def run(out: Path, seeds, depths, read_lengths) -> dict:
    from genotailor.dev.testdata import cyp2d6 as sim
    from genotailor.dev.testdata.simulate import Library
    from genotailor.pgx.cyp2d6_cn import call_copy_number

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    window, locus = sim.load(WINDOW)
    ref = sim.write_reference(window, out / "ref.fa")
    rows = []
    for depth in depths:
        for read_length in read_lengths:
            lib = Library(read_length=read_length, fragment_mean=2.2 * read_length, fragment_sd=0.5 * read_length,
                          duplicate_rate=0.0)
            for seed in seeds:
                for name, (specs, truth) in TRUTHS.items():
                    haps = [sim.StructuralHaplotype(f"h{i}", copies=c, hybrid_exon=h) for i, (c, h) in enumerate(specs)]
                    folder = out / f"{depth}x_{read_length}bp_{seed}"
                    bam = sim.simulate_bam(window, locus, ref, haps, depth, seed, folder, "SIM", lib)
                    cn = call_copy_number(bam, locus)
                    got = "hybrid" if cn["status"] == "hybrid_suspected" else (cn["copy_number_label"] or cn["status"])
                    if got == truth:
                        verdict = "correct"
                    elif cn["status"] in ("uncertain", "not_assessed"):
                        verdict = "withheld"
                    else:
                        verdict = "false_hybrid" if got == "hybrid" else "wrong"
                    rows.append({"sample": name, "depth": depth, "read_length": read_length, "seed": seed,
                                 "truth": truth, "call": got, "estimate": cn["estimate"],
                                 "confidence": cn["confidence"], "verdict": verdict, "reason": cn["reason"]})
                    for f in folder.iterdir():
                        f.unlink()
                    folder.rmdir()
    summary = {"samples": len(rows), **Counter(r["verdict"] for r in rows)}
    by_depth = {}
    for r in rows:
        by_depth.setdefault(str(r["depth"]), Counter())[r["verdict"]] += 1
    doc = {"summary": summary, "by_depth": {k: dict(v) for k, v in sorted(by_depth.items())}, "calls": rows}
    (out / "cyp2d6_accuracy.json").write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return doc
