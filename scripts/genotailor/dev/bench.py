"""Benchmarks (`make bench`): speed goals are measured here, never in timed tests.

`genotailor bench pgx` writes a synthetic whole-genome-sized VCF (about 5 million records over
the GRCh38 chromosomes, every knowledge-base position among them), bgzips and indexes it, then
times `genotailor pgx` against `bcftools view -R` of the knowledge-base positions on the same
file and reports the ratio (goal: at most 1.5).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

from genotailor.core.kbfiles import load_positions
from genotailor.core.paths import PGX_KB as DEFAULT_KB
from genotailor.core.reference import GRCH38_LENGTHS as GRCH38
from genotailor.core.reference import chrom_order
from genotailor.core.tools import run


def synthetic_vcf(out: Path, records: int = 5_000_000, seed: int = 1) -> Path:
    """A single-sample VCF with `records` SNVs spread over GRCh38 plus every KB position."""
    rng = random.Random(seed)
    kb = {}
    for chrom, pos, ref, alts, _gene, _rsid in load_positions(DEFAULT_KB):
        kb.setdefault(chrom, {})[pos] = (ref, alts[0])
    total = sum(GRCH38.values())
    plain = out.with_suffix("")
    with open(plain, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n")
        fh.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        fh.write('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n')
        for c, n in GRCH38.items():
            fh.write(f"##contig=<ID={c},length={n}>\n")
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tBENCH\n")
        for chrom in sorted(GRCH38, key=chrom_order):
            n = round(records * GRCH38[chrom] / total)
            positions = set(rng.sample(range(1, GRCH38[chrom] + 1), n))
            special = kb.get(chrom, {})
            positions.update(special)
            lines = []
            for pos in sorted(positions):
                if pos in special:
                    ref, alt = special[pos]
                else:
                    ref = "ACGT"[pos % 4]
                    alt = "ACGT"[(pos + 1) % 4]
                gt = "0/1" if pos % 3 else "1/1"
                lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT:DP\t{gt}:30\n")
            fh.writelines(lines)
    run(["bgzip", "-f", "-@", "2", plain], "bench: compressing the synthetic VCF")
    run(["tabix", "-f", "-p", "vcf", out], "bench: indexing the synthetic VCF")
    return out


def _run(cmd) -> float:
    start = time.perf_counter()
    run(cmd, f"bench: {cmd[0]}")
    return time.perf_counter() - start


def _genotailor_command() -> list[str]:
    """The `genotailor` console script beside this interpreter (what users run), else `-m`."""
    script = Path(sys.executable).with_name("genotailor")
    return [str(script)] if script.exists() else [sys.executable, "-m", "genotailor"]


def bench_pgx(workdir: Path, records: int, repeats: int) -> dict:
    """Median wall time of each command over `repeats` runs, alternating the two so that load
    from elsewhere on the machine affects both alike (after one unmeasured run of each, which
    brings the files into the page cache)."""
    workdir.mkdir(parents=True, exist_ok=True)
    vcf = workdir / f"synthetic_{records}.vcf.gz"
    if not Path(f"{vcf}.tbi").exists():
        synthetic_vcf(vcf, records)
    bed = workdir / "kb_positions.bed"
    bed.write_text("".join(f"{c}\t{p - 1}\t{p}\n" for c, p, *_ in load_positions(DEFAULT_KB)))
    out_json = workdir / "pgx.json"
    pgx_cmd = [*_genotailor_command(), "pgx", "--vcf", str(vcf), "--json", str(out_json)]
    view_cmd = ["bcftools", "view", "-R", str(bed), "-Oz", "-o", str(workdir / "kb.vcf.gz"), str(vcf)]
    _run(pgx_cmd), _run(view_cmd)
    pgx_runs, view_runs = [], []
    for _ in range(repeats):
        pgx_runs.append(_run(pgx_cmd))
        view_runs.append(_run(view_cmd))
    genes = len(json.loads(out_json.read_text())["pgx"])
    pgx, view = statistics.median(pgx_runs), statistics.median(view_runs)
    return {"records": records, "repeats": repeats, "genes_called": genes,
            "genotailor_pgx_s": round(pgx, 3), "bcftools_view_R_s": round(view, 3),
            "genotailor_pgx_runs_s": [round(t, 3) for t in pgx_runs],
            "bcftools_view_R_runs_s": [round(t, 3) for t in view_runs],
            "ratio": round(pgx / view, 2), "goal": "<= 1.5"}
