"""Benchmarks (`make bench`): speed goals are measured here, never in timed tests.

`genotailor bench pgx` writes a synthetic whole-genome-sized VCF (about 5 million records over
the GRCh38 chromosomes, every knowledge-base position among them), bgzips and indexes it, then
times `genotailor pgx` against `bcftools view -R` of the knowledge-base positions on the same
file and reports the ratio (goal: at most 1.5).

`genotailor bench somatic` (`somatic_vs_bcftools_scan`) writes a synthetic 100,000-record
Mutect2-style tumour/normal VCF on the demo reference's real GRCh38 windows (REF from the
reference; a third of the records in the coding sequence of the shipped transcript models, some
indels, a few filtered), then times `genotailor somatic` against `bcftools view` of the same file
(a full scan, written bgzipped) and reports the ratio (goal: at most 3).

`genotailor bench cohort` writes a synthetic 10,000-sample joint VCF (`dev cohort`) and times
`genotailor pgx-cohort` on it (every sample's JSON, the tables) in one process and as two chunk
processes side by side plus the merge (what `snakemake cohort --cores 2` runs), against
`bcftools query` of the knowledge-base positions and every sample's genotype from the same file;
it also measures peak memory for chunks of 1,000, 2,000 and all samples.

Every bench also records its figures in WORKDIR/bench.json (`record`), one key per figure, so
`make bench` leaves one file with all of them.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

from genotailor.core.coverage import in_regions, regions_by_chrom
from genotailor.core.kbfiles import load_positions
from genotailor.core.paths import PGX_KB as DEFAULT_KB
from genotailor.core.paths import REPO, TRANSCRIPT_MODELS
from genotailor.core.reference import GRCH38_LENGTHS as GRCH38
from genotailor.core.reference import chrom_order
from genotailor.core.tools import run
from genotailor.oncology.tmb import coding_territory, merge
from genotailor.oncology.tmb import size as territory_size


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


def record(workdir: Path, figures: dict) -> dict:
    """Merge `figures` into WORKDIR/bench.json (each bench writes its own keys); the whole file."""
    path = Path(workdir) / "bench.json"
    doc = json.loads(path.read_text()) if path.exists() else {}
    doc.update(figures)
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return doc


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


# --- CYP2D6 copy number ---------------------------------------------------------------------------


def bench_cyp2d6(workdir: Path, repeats: int, depth: float = 30.0) -> dict:
    """`cyp2d6_vs_mosdepth`: median wall time of `genotailor cyp2d6-cn` over median `mosdepth` of the
    region it reads (flanks, CYP2D6, CYP2D7, CYP2D8P) on the same simulated 30x BAM of the real
    GRCh38 CYP2D locus (a *1/*1x2 sample), run alternately (goal <= 3)."""
    from genotailor.dev.cyp2d6_accuracy import WINDOW
    from genotailor.dev.testdata import cyp2d6 as sim
    from genotailor.pgx.cyp2d6_cn import baseline_regions

    folder = Path(workdir) / "cyp2d6"
    folder.mkdir(parents=True, exist_ok=True)
    window, locus = sim.load(WINDOW)
    bam = folder / "SIM.bam"
    if not Path(f"{bam}.bai").exists():
        ref = sim.write_reference(window, folder / "ref.fa")
        haps = [sim.StructuralHaplotype("*1"), sim.StructuralHaplotype("*1x2", 2)]
        sim.simulate_bam(window, locus, ref, haps, depth, 1, folder, "SIM")
    base = baseline_regions(locus)
    bed = folder / "region.bed"
    bed.write_text(f"{locus.chrom}\t{base[0][1].start - 1}\t{base[-1][1].end}\n")
    cn_cmd = [*_genotailor_command(), "cyp2d6-cn", "--bam", str(bam), "--out", str(folder / "cn.json")]
    md_cmd = ["mosdepth", "--no-per-base", "--by", str(bed), str(folder / "md"), str(bam)]
    _run(cn_cmd), _run(md_cmd)
    cn_runs, md_runs = [], []
    for _ in range(repeats):
        cn_runs.append(_run(cn_cmd))
        md_runs.append(_run(md_cmd))
    cn, md = statistics.median(cn_runs), statistics.median(md_runs)
    return {"depth": depth, "repeats": repeats, "cyp2d6_cn_s": round(cn, 3), "mosdepth_s": round(md, 3),
            "cyp2d6_cn_runs_s": [round(t, 3) for t in cn_runs], "mosdepth_runs_s": [round(t, 3) for t in md_runs],
            "ratio": round(cn / md, 2), "goal": "<= 3"}


# --- somatic -------------------------------------------------------------------------------------

DEMO_REFERENCE = REPO / "test-data" / "reference" / "GRCh38_demo.fa.gz"
DEMO_WINDOWS = REPO / "test-data" / "reference" / "source" / "grch38_windows.fa.gz"


def _demo_windows(path: Path) -> list[tuple[str, int, int]]:
    """Real GRCh38 windows of the demo reference: (chrom, start, end), 1-based inclusive."""
    import gzip

    out = []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            if line.startswith(">"):
                chrom, span = line[1:].split()[0].split(":")
                start, end = span.split("-")
                out.append((chrom, int(start), int(end)))
    return out


CODING_DENSE = 1 / 3
# The coding share of a human genome's bases (~1.5%): the genome-like file holds its records to it.
GENOME_CODING_SHARE = 0.015


def synthetic_tumour_vcf(out: Path, records: int = 100_000, seed: int = 1, reference=DEMO_REFERENCE,
                         windows=DEMO_WINDOWS, models=TRANSCRIPT_MODELS, coding_share: float = 0.0) -> Path:
    """A tumour/normal VCF (FORMAT GT:AD:AF:DP, as Mutect2 writes it) of `records` variants inside
    the demo reference's real windows, REF taken from the reference, 5% short indels, 2% filtered.
    Positions are drawn evenly over the windows; the windows are gene-rich (about 2.2% of their
    bases are coding, against about 1.5% of a genome's), so a coding position drawn is kept with
    the probability that brings the records to a genome's share (GENOME_CODING_SHARE): the
    composition of a whole-genome tumour. `coding_share` first places that share of the records at
    coding positions of the transcript models (CODING_DENSE: a worst case, every third record
    listed in full with its HGVS and knowledge-base matches)."""
    import pysam

    from genotailor.core.transcripts import load_models

    rng = random.Random(seed)
    wins = _demo_windows(Path(windows))
    coding = []
    for t in load_models(str(models)).values():
        for s, e in t.cds:
            if any(c == t.chrom and a <= s and e <= b for c, a, b in wins):
                coding.append((t.chrom, s, e))
    total = sum(b - a + 1 for _, a, b in wins)
    in_windows = merge((c, s - 1, e) for c, s, e in coding)
    coding_regions = regions_by_chrom(in_windows)
    keep_coding = min(1.0, GENOME_CODING_SHARE * total / max(1, territory_size(in_windows)))
    chosen: set[tuple[str, int]] = set()
    n_coding = round(records * coding_share)
    coding_bases = sum(e - s + 1 for _, s, e in coding)
    while len(chosen) < min(n_coding, coding_bases // 2):
        c, s, e = rng.choices(coding, weights=[e - s + 1 for _, s, e in coding])[0]
        chosen.add((c, rng.randint(s, e)))
    while len(chosen) < records + records // 20:  # spare positions: some are skipped below
        k = rng.randrange(total)
        for c, a, b in wins:
            if k <= b - a:
                if not in_regions(coding_regions, c, a + k) or rng.random() < keep_coding:
                    chosen.add((c, a + k))
                break
            k -= b - a + 1
    order = {c: i for i, c in enumerate(GRCH38)}
    plain = out.with_suffix("")
    with pysam.FastaFile(str(reference)) as fa, open(plain, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n")
        fh.write('##FILTER=<ID=PASS,Description="All filters passed">\n')
        fh.write('##FILTER=<ID=weak_evidence,Description="Below the likelihood threshold">\n')
        for key, number, kind in (("GT", "1", "String"), ("AD", "R", "Integer"), ("AF", "A", "Float"),
                                  ("DP", "1", "Integer")):
            fh.write(f'##FORMAT=<ID={key},Number={number},Type={kind},Description="{key}">\n')
        for c in sorted({c for c, _ in chosen}, key=order.get):
            fh.write(f"##contig=<ID={c},length={GRCH38[c]}>\n")
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\n")
        last, written = {}, 0
        # every k-th spare position is dropped, so the records stay spread over all windows
        spare = sorted(chosen, key=lambda x: (order[x[0]], x[1]))
        keep = set(rng.sample(range(len(spare)), records + records // 50))
        for i, (c, pos) in enumerate(spare):
            if i not in keep or written == records or pos <= last.get(c, 0):
                continue  # the previous record's deletion covers this base
            seq = fa.fetch(c, pos - 1, pos + 3).upper()
            if len(seq) < 4 or "N" in seq:
                continue
            r = rng.random()
            if r < 0.025:  # deletion of 1-3 bases
                n = rng.randint(1, 3)
                ref, alt = seq[: n + 1], seq[0]
            elif r < 0.05:  # insertion of 1-3 bases
                ref, alt = seq[0], seq[0] + "".join(rng.choice("ACGT") for _ in range(rng.randint(1, 3)))
            else:
                ref, alt = seq[0], rng.choice([b for b in "ACGT" if b != seq[0]])
            last[c] = pos + len(ref) - 1
            written += 1
            depth = rng.randint(80, 400)
            alt_reads = max(1, round(depth * rng.uniform(0.03, 0.5)))
            n_depth = rng.randint(40, 150)
            filt = "weak_evidence" if rng.random() < 0.02 else "PASS"
            fh.write(f"{c}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\t.\tGT:AD:AF:DP\t0/0:{n_depth},0:"
                     f"{1 / (n_depth + 2):.3g}:{n_depth}\t0/1:{depth - alt_reads},{alt_reads}:"
                     f"{(alt_reads + 1) / (depth + 2):.3g}:{depth}\n")
    if written < records:
        raise ValueError(f"synthetic tumour VCF: only {written} of {records} records fit the windows")
    run(["bgzip", "-f", plain], "bench: compressing the synthetic tumour VCF")
    run(["tabix", "-f", "-p", "vcf", out], "bench: indexing the synthetic tumour VCF")
    return out


def coding_share_of_records(vcf: Path, models=TRANSCRIPT_MODELS) -> float:
    """The share of a VCF's records whose position is coding in the transcript models."""
    import pysam

    from genotailor.core.transcripts import load_models

    regions = regions_by_chrom(coding_territory(load_models(str(models))))
    with pysam.VariantFile(str(vcf)) as vf:
        flags = [in_regions(regions, r.chrom, r.pos) for r in vf]
    return sum(flags) / max(1, len(flags))


def _somatic_run(workdir: Path, records: int, repeats: int, coding_share: float, tag: str) -> dict:
    """Median wall time of `genotailor somatic` and of `bcftools view` of the same VCF over `repeats`
    alternating runs (after one unmeasured run of each)."""
    vcf = workdir / f"synthetic_tumour_{tag}{records}.vcf.gz"
    if not Path(f"{vcf}.tbi").exists():
        synthetic_tumour_vcf(vcf, records, coding_share=coding_share)
    out_json = workdir / f"somatic{'_' + tag.strip('_') if tag else ''}.json"
    somatic_cmd = [*_genotailor_command(), "somatic", "--vcf", str(vcf), "--tumor", "TUMOR", "--normal", "NORMAL",
                   "--tumor-type", "LUAD", "--reference", str(DEMO_REFERENCE), "--json", str(out_json)]
    view_cmd = ["bcftools", "view", "-Oz", "-o", str(workdir / "scan.vcf.gz"), str(vcf)]
    _run(somatic_cmd), _run(view_cmd)
    somatic_runs, view_runs = [], []
    for _ in range(repeats):
        somatic_runs.append(_run(somatic_cmd))
        view_runs.append(_run(view_cmd))
    doc = json.loads(out_json.read_text())
    somatic, view = statistics.median(somatic_runs), statistics.median(view_runs)
    return {"records": records, "repeats": repeats, "vcf": vcf.name,
            "coding_share_of_records": round(coding_share_of_records(vcf), 4),
            "variants_reported": len(doc["somatic"]), "variants_counted": doc["other_variants"]["count"],
            "filtered_records": doc["filtered_records"],
            "protein_changes": sum(1 for v in doc["somatic"] if v["protein_change"]),
            "genotailor_somatic_s": round(somatic, 3), "bcftools_view_s": round(view, 3),
            "genotailor_somatic_runs_s": [round(t, 6) for t in somatic_runs],
            "bcftools_view_runs_s": [round(t, 6) for t in view_runs],
            "ratio": round(somatic / view, 2)}


def bench_somatic(workdir: Path, records: int, repeats: int) -> dict:
    """`somatic_vs_bcftools_scan` on a whole-genome tumour's composition (goal <= 3), and the same
    on a coding-dense file (a third of the records coding: `coding_dense`, no goal: its cost is the
    per-variant annotation and matching of every listed variant)."""
    workdir.mkdir(parents=True, exist_ok=True)
    genome = _somatic_run(workdir, records, repeats, 0.0, "")
    dense = _somatic_run(workdir, records, repeats, CODING_DENSE, "coding_dense_")
    return {"name": "somatic_vs_bcftools_scan", "composition": "positions drawn evenly over the demo's real "
            f"windows, coding positions kept to a genome's share ({GENOME_CODING_SHARE:.1%})", **genome, "goal": "<= 3",
            "coding_dense": {"composition": "a third of the records at coding positions", **dense}}


# --- cohort --------------------------------------------------------------------------------------

def bench_cohort(workdir: Path, samples: int = 10_000, repeats: int = 3) -> dict:
    """`cohort_10k_s`, `cohort_per_sample_ms`, `cohort_vs_bcftools_query` and peak memory: medians of
    `repeats` alternating runs (after one unmeasured run of each, which fills the page cache)."""
    import shlex

    from genotailor.core.tools import run_measured
    workdir = Path(workdir)
    data = workdir / f"cohort_{samples}"
    vcf = data / "cohort.vcf.gz"
    gt = [*_genotailor_command()]
    if not Path(f"{vcf}.tbi").exists():
        # in a child process: a child's peak memory (wait4) starts from its parent's size at fork
        run([*gt, "dev", "cohort", "--samples", str(samples), "--seed", "1", "--out", str(data)],
            "bench cohort: writing the synthetic cohort")
    positions = workdir / "kb_positions.tsv"
    positions.write_text("".join(f"{c}\t{p}\n" for c, p, *_ in load_positions(DEFAULT_KB)))
    out = workdir / "cohort_out"
    one = [*gt, "pgx-cohort", "--vcf", str(vcf), "--sex", str(data / "sex.tsv"), "--out", str(out / "one")]
    half = -(-samples // 2)
    parts = " ".join(
        f"{shlex.join([*gt, 'pgx-cohort', '--vcf', str(vcf), '--sex', str(data / 'sex.tsv'), '--chunk', str(i), '--chunk-size', str(half), '--out', str(out / f'chunk{i}')])} & p{i}=$!;"  # noqa: E501
        for i in (0, 1))
    merge = shlex.join([*gt, "pgx-cohort-merge", "--tables", str(out / "chunk0" / "table.tsv"),
                        str(out / "chunk1" / "table.tsv"), "--out", str(out / "two")])
    two = ["bash", "-c", f"set -e; {parts} wait $p0; wait $p1; {merge}"]
    query = ["bcftools", "query", "-R", str(positions), "-f", "%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n",
             "-o", str(workdir / "cohort_query.txt"), str(vcf)]
    query_dp = ["bcftools", "query", "-R", str(positions), "-f", "%CHROM\t%POS\t%REF\t%ALT[\t%GT:%DP]\n",
                "-o", str(workdir / "cohort_query_dp.txt"), str(vcf)]
    tables = [*one[:-1], str(out / "tables_only"), "--no-sample-json"]
    for cmd in (one, two, query):
        run_measured(cmd, f"bench cohort: {cmd[0]}")
    runs: dict = {"one": [], "two": [], "tables_only": [], "query": [], "query_dp": []}
    peaks: dict = {"one": [], "two": []}
    for _ in range(repeats):
        for name, cmd in (("one", one), ("two", two), ("tables_only", tables), ("query", query),
                          ("query_dp", query_dp)):
            seconds, peak = run_measured(cmd, f"bench cohort: {name}")
            runs[name].append(seconds)
            if name in peaks:
                peaks[name].append(peak)
    chunk_peaks = {}
    for size in (s for s in (1000, 2000) if s < samples):
        _, peak = run_measured([*gt, "pgx-cohort", "--vcf", str(vcf), "--sex", str(data / "sex.tsv"), "--chunk", "0",
                                "--chunk-size", str(size), "--out", str(out / f"size{size}")], "bench cohort: chunk")
        chunk_peaks[str(size)] = round(peak, 1)
    chunk_peaks[str(samples)] = round(max(peaks["one"]), 1)
    med = {k: statistics.median(v) for k, v in runs.items()}
    best = min(med["one"], med["two"])
    return {
        "cohort_samples": samples,
        "cohort_genes": 20,
        "cohort_repeats": repeats,
        "cohort_10k_s": round(best, 2),
        "cohort_10k_one_process_s": round(med["one"], 2),
        "cohort_10k_two_chunks_s": round(med["two"], 2),
        "cohort_per_sample_ms": round(1000 * best / samples, 3),
        "cohort_bcftools_query_gt_s": round(med["query"], 2),
        "cohort_bcftools_query_gt_dp_s": round(med["query_dp"], 2),
        "cohort_vs_bcftools_query": round(best / med["query"], 2),
        "cohort_vs_bcftools_query_gt_dp": round(best / med["query_dp"], 2),
        "cohort_10k_tables_only_s": round(med["tables_only"], 2),
        "cohort_fastest_runs_s": {k: round(min(v), 2) for k, v in runs.items()},
        "cohort_runs_s": {k: [round(t, 3) for t in v] for k, v in runs.items()},
        "cohort_peak_mb_by_chunk_size": chunk_peaks,
        "cohort_peak_mb_two_chunks": round(max(peaks["two"]), 1),
        "cohort_goals": {"cohort_10k_s": "< 60 on 2 cores", "cohort_vs_bcftools_query": "<= 3",
                         "memory": "linear in the samples of a chunk; the workflow bounds it with cohort.chunk_size"},
    }


def _report_command(results: Path, patient: str, out: Path) -> list[str]:
    """`genotailor report` for one patient of a finished demo run, from its stage files."""
    cmd = [*_genotailor_command(), "report", "--sheet", str(REPO / "config" / "samples.yaml"), "--patient", patient,
           "--date", "2026-11-28", "--provenance", str(results / "provenance" / "provenance.json")]
    for f in sorted((results / patient / "qc").glob("*.qc.json")):
        cmd += ["--qc", str(f)]
    for f in sorted((results / patient / "calls").glob("*.norm.json")):
        cmd += ["--calls", str(f)]
    for f in sorted((results / patient / "somatic").glob("*.json")):
        cmd += ["--stage", f"somatic={f}"]
    for f in sorted((results / patient / "cnv").glob("*.json")):
        cmd += ["--stage", f"copy_number={f}"]
    if (results / patient / "pgx" / f"{patient}.pgx.json").exists():
        cmd += ["--stage", f"pgx={results / patient / 'pgx' / f'{patient}.pgx.json'}"]
    for f in sorted((results / patient / "germline").glob("*.json")):
        cmd += ["--stage", f"germline_findings={f}"]
    if (results / patient / "ledger" / f"{patient}.ledger.json").exists():
        cmd += ["--stage", f"examined={results / patient / 'ledger' / f'{patient}.ledger.json'}"]
    return cmd + ["--json", str(out / f"{patient}.json"), "--html", str(out / f"{patient}.html"),
                  "--pdf", str(out / f"{patient}.pdf"), "--fhir", str(out / f"{patient}.fhir.json")]


def _ledger_command(results: Path, patient: str, out: Path) -> list[str]:
    """`genotailor ledger` for one patient of a finished demo run, as the workflow runs it."""
    import yaml

    from genotailor.core.samplesheet import load_sheet

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    p = load_sheet(REPO / "config" / "samples.yaml", check_files=False).patient(patient)
    kb = config["knowledge_base"]
    a = config["assessment"]
    cmd = [*_genotailor_command(), "ledger", "--sheet", str(REPO / "config" / "samples.yaml"), "--patient", patient,
           "--reference", str(REPO / config["reference"]["fasta"]), "--models", str(REPO / kb["transcript_models"]),
           "--germline-kb", str(REPO / kb["germline"]), "--oncology-kb", str(REPO / kb["oncology"]),
           "--pgx-kb", str(REPO / kb["pgx"]), "--germline-min-depth", str(a["germline_min_depth"]),
           "--tumor-min-depth", str(a["tumor_min_depth"]), "--min-callable-fraction", str(a["min_callable_fraction"]),
           "--splice-margin", str(a["splice_margin"]), "--out", str(out / f"{patient}.ledger.json")]
    for s in p.samples:
        cmd += ["--qc", str(results / patient / "qc" / f"{s.id}.qc.json"),
                "--panel", f"{s.id}={REPO / config['panels'][s.panel or 'default']}"]
        if s.entry != "vcf":
            cmd += ["--bam", f"{s.id}={results / patient / 'align' / f'{s.id}.bam'}"]
    pgx = results / patient / "pgx" / f"{patient}.pgx.json"
    if pgx.exists():
        cmd += ["--pgx", str(pgx), "--pgx-genes", ",".join(config["pgx"]["genes"])]
    return cmd


def _timed_per_patient(results: Path, patients, needs: str, out: Path, command, what: str, repeats: int) -> dict:
    """patient -> {median_s, peak_rss_mb, runs_s} of `command(results, patient, out)`, run once
    unmeasured and then `repeats` times; the demo's `results/{patient}/{needs}` must exist."""
    from genotailor.core.tools import run_measured

    missing = [p for p in patients if not (results / p / needs).exists()]
    if missing:
        raise SystemExit(f"no demo results for {', '.join(missing)} in {results}: run `make demo` first")
    out.mkdir(parents=True, exist_ok=True)
    per_patient = {}
    for patient in patients:
        cmd = command(results, patient, out)
        run_measured(cmd, f"{what} of {patient}")
        runs = [run_measured(cmd, f"{what} of {patient}") for _ in range(repeats)]
        per_patient[patient] = {"median_s": round(statistics.median(t for t, _ in runs), 3),
                                "peak_rss_mb": round(max(m for _, m in runs), 1), "runs_s": [round(t, 4) for t, _ in runs]}
    return per_patient


def bench_ledger(workdir: Path, results: Path, repeats: int, patients=("GERM01", "TUMOR01", "PGX001")) -> dict:
    """`ledger_per_patient_s`: median wall time of one `genotailor ledger` run (mosdepth over the
    requested genes' coding exons in each sample with reads, Python start-up included): what the
    ledger adds to a patient's run, beside `report_per_patient_s`."""
    per_patient = _timed_per_patient(results, patients, "align", workdir / "ledger", _ledger_command, "ledger", repeats)
    for patient, r in per_patient.items():
        r["genes"] = len(json.loads((workdir / "ledger" / f"{patient}.ledger.json").read_text())["genes"])
    worst = max(per_patient.values(), key=lambda r: r["median_s"])
    return {"name": "ledger_per_patient", "repeats": repeats, "patients": per_patient,
            "ledger_per_patient_s": worst["median_s"],
            "ledger_peak_rss_mb": max(r["peak_rss_mb"] for r in per_patient.values())}


def _tumour_with_normal(patient: str):
    from genotailor.core.samplesheet import load_sheet

    p = load_sheet(REPO / "config" / "samples.yaml", check_files=False).patient(patient)
    tumour = next(s for s in p.samples if s.kind == "tumor" and s.entry != "vcf")
    return p, tumour


def _cnv_command(results: Path, patient: str, out: Path) -> list[str]:
    """`genotailor cnv` of a demo patient's tumour against its matched normal, as the workflow runs it."""
    import yaml

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    p, t = _tumour_with_normal(patient)
    align = results / patient / "align"
    cmd = [*_genotailor_command(), "cnv", "--tumor-bam", str(align / f"{t.id}.bam"), "--tumor", t.id,
           "--targets", str(REPO / config["panels"][t.panel or "default"]), "--tumor-type", p.tumor_type,
           "--json", str(out / f"{t.id}.cnv.json")]
    if t.normal:
        cmd += ["--normal-bam", str(align / f"{t.normal}.bam"), "--normal", t.normal]
    return cmd + (["--purity", str(t.purity)] if t.purity is not None else [])


def _mosdepth_command(results: Path, patient: str, out: Path) -> list[str]:
    """mosdepth over the same panel on the same tumour BAM (the coverage step's tool)."""
    import yaml

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    _, t = _tumour_with_normal(patient)
    return ["mosdepth", "-n", "-t", "1", "--by", str(REPO / config["panels"][t.panel or "default"]),
            str(out / f"{t.id}.mosdepth"), str(results / patient / "align" / f"{t.id}.bam")]


def bench_cnv(workdir: Path, results: Path, repeats: int, patients=("TUMOR01",)) -> dict:
    """`cnv_vs_mosdepth`: median wall time of `genotailor cnv` (CNVkit coverage of tumour and
    normal, reference, correction, segmentation; Python start-up included) over that of mosdepth
    over the same panel on the same tumour BAM; with the peak memory of each."""
    cnv = _timed_per_patient(results, patients, "align", workdir / "cnv", _cnv_command, "cnv", repeats)
    depth = _timed_per_patient(results, patients, "align", workdir / "cnv", _mosdepth_command, "mosdepth", repeats)
    per_patient = {p: {"cnv": cnv[p], "mosdepth": depth[p],
                       "ratio": round(cnv[p]["median_s"] / max(depth[p]["median_s"], 1e-9), 1)} for p in patients}
    worst = max(per_patient.values(), key=lambda r: r["cnv"]["median_s"])
    return {"name": "cnv_vs_mosdepth", "repeats": repeats, "patients": per_patient, "cnv_vs_mosdepth": worst["ratio"],
            "cnv_per_sample_s": worst["cnv"]["median_s"],
            "cnv_peak_rss_mb": max(r["cnv"]["peak_rss_mb"] for r in per_patient.values()),
            "mosdepth_peak_rss_mb": max(r["mosdepth"]["peak_rss_mb"] for r in per_patient.values())}


def _pdf_pages(path: Path) -> int | None:
    try:
        from pypdf import PdfReader  # a test dependency; the count is informative only
    except ImportError:
        return None
    return len(PdfReader(path).pages)


def bench_report(workdir: Path, results: Path, repeats: int, patients=("PGX001", "TUMOR01")) -> dict:
    """`report_per_patient_s`: median wall time of one `genotailor report` run (JSON, HTML with
    figures, PDF and FHIR of one patient, Python start-up included) over `repeats` runs after one
    unmeasured run, for the demo patients with the most content; and the peak memory of a run."""
    out = workdir / "report"
    per_patient = _timed_per_patient(results, patients, "report", out, _report_command, "report", repeats)
    for patient, r in per_patient.items():
        r["pdf_pages"] = _pdf_pages(out / f"{patient}.pdf")
    worst = max(per_patient.values(), key=lambda r: r["median_s"])
    return {"name": "report_per_patient", "repeats": repeats, "patients": per_patient,
            "report_per_patient_s": worst["median_s"], "report_peak_rss_mb": max(r["peak_rss_mb"] for r in per_patient.values()),
            "outputs": "JSON + HTML (3 figures) + PDF + FHIR", "goal": "< 2 s"}


def bench_msi(workdir: Path, repeats: int, depth: float = 150.0) -> dict:
    """`msi_vs_mosdepth`: median wall time of `genotailor msi` (tumour vs normal over the shipped
    loci list) over that of mosdepth on the same tumour BAM (per-region depth over the same
    windows), on a simulated MSI-H pair over the 120 test windows; peak memory of each."""
    from genotailor.core.paths import MSI_LOCI, REPO
    from genotailor.core.tools import run_measured

    source = REPO / "test-data" / "reference" / "source"
    data = Path(workdir) / "msi"
    if not (data / "tumour.bam").exists():
        # in a child process: Linux counts a forked child's pre-exec memory in its peak, so this
        # process must stay small for the peaks measured below
        run([*_genotailor_command(), "dev", "msi-simulate", "--out", str(data), "--purity", "0.5",
             "--unstable-fraction", "0.4", "--seed", "7", "--depth", str(depth)], "bench msi: simulated reads")
    bed = data / "windows.bed"  # the windows the reads cover, 0-based (headers >chrom:start-end name)
    spans = [re.match(r">(\S+):(\d+)-(\d+)", h).groups()
             for h in (source / "msi_locus_windows.fa").read_text().splitlines() if h.startswith(">")]
    bed.write_text("".join(f"{c}\t{int(a) - 1}\t{b}\n" for c, a, b in spans))
    msi = [*_genotailor_command(), "msi", "--tumor-bam", str(data / "tumour.bam"), "--tumor", "T",
           "--normal-bam", str(data / "normal.bam"), "--normal", "N", "--loci", str(MSI_LOCI),
           "--json", str(data / "msi.json")]
    mosdepth = ["mosdepth", "--no-per-base", "--by", str(bed), "-t", "1", str(data / "tumour"), str(data / "tumour.bam")]
    figures = {}
    for name, cmd in (("msi", msi), ("mosdepth", mosdepth)):
        run_measured(cmd, f"bench msi: {name}")
        runs = [run_measured(cmd, f"bench msi: {name}") for _ in range(repeats)]
        figures[name] = {"median_s": round(statistics.median(t for t, _ in runs), 3),
                         "peak_rss_mb": round(max(m for _, m in runs), 1), "runs_s": [round(t, 4) for t, _ in runs]}
    return {"name": "msi_vs_mosdepth", "repeats": repeats, "depth": depth, "windows": 120,
            "loci_in_list": sum(1 for _ in open(MSI_LOCI)) - 1, **figures,
            "msi_vs_mosdepth": round(figures["msi"]["median_s"] / figures["mosdepth"]["median_s"], 2),
            "msi_peak_rss_mb": figures["msi"]["peak_rss_mb"]}
