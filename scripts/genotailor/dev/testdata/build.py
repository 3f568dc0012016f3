"""`genotailor testdata build`: regenerate the demo/test data and the demo sample sheet.

Deterministic: the same --seed and the same project inputs give byte-identical files.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from genotailor.core.checksums import sha256_file as sha256
from genotailor.core.errors import InputError
from genotailor.core.paths import REPO
from genotailor.dev.testdata import reference, scenarios
from genotailor.dev.testdata.scenarios import dump_json, read_stats, site_counts
from genotailor.pgx.definitions import load_gene

DEFAULT_SOURCE = REPO / "test-data" / "reference" / "source" / "grch38_windows.fa.gz"
COMMAND = "genotailor testdata build --out test-data --sheet config/samples.yaml --seed {seed}"


def run_build(out: Path, sheet: Path, seed: int, source: Path | None = None) -> int:
    """`genotailor testdata build`: the source windows default to <out>'s copy, else the project's."""
    t0 = time.time()
    if source is None:
        local = Path(out) / "reference" / "source" / "grch38_windows.fa.gz"
        source = local if local.exists() else DEFAULT_SOURCE
    n = build(Path(out), Path(sheet), seed, Path(source), log=_log)
    _log(f"done in {time.time() - t0:.1f} s: {n} files under {out}, sample sheet {sheet}")
    return 0


def _log(msg: str):
    print(f"[testdata] {msg}", file=sys.stderr, flush=True)


def build(out: Path, sheet: Path, seed: int, source: Path, log=lambda m: None) -> int:
    """Generate everything; return the number of files written under `out`."""
    if not Path(source).exists():
        raise InputError(f"{source}: source windows FASTA not found (use --source)")
    out.mkdir(parents=True, exist_ok=True)
    ref_dir, reads_dir, vcf_dir = out / "reference", out / "reads", out / "vcf"
    truth_dir, panel_dir = out / "truth", out / "panels"
    for d in (reads_dir, vcf_dir, truth_dir, panel_dir):
        if d.exists():
            shutil.rmtree(d)  # regenerate from scratch: no stale files
        d.mkdir(parents=True)

    log("reference: real GRCh38 windows at their true coordinates, N elsewhere")
    genome = reference.write_reference(ref_dir, source, seed)
    pgx_targets = scenarios.pgx_targets(genome)
    cancer_targets = scenarios.cancer_targets(genome)
    write_panels(panel_dir, genome, pgx_targets)

    germline_targets = scenarios.germline_targets(genome)
    write_germline_panel(panel_dir, germline_targets)
    read_patients = [scenarios.patient_pgx001(genome), scenarios.patient_tumor01(genome),
                     scenarios.patient_lowq01(genome), scenarios.patient_germ01(genome),
                     scenarios.patient_germ02(genome)]
    units: dict[str, dict] = {}
    sample_truth: dict[str, dict] = {}
    for patient in read_patients:
        for sample in patient["samples"]:
            log(f"reads: {sample.name}, {sample.total_pairs()} pairs")
            res = scenarios.run_sample(sample, genome, reads_dir, seed)
            units[sample.name] = res["units"]
            sample_truth[sample.name] = _sample_info(patient, sample, res)

    log("VCFs: the outside-lab VCF of VCF001 and the deliberately bad VCFs")
    vcf_path = vcf_dir / "VCF001.outside-lab.vcf.gz"
    vcf = scenarios.vcf001(genome, vcf_path, seed)
    bad = scenarios.bad_vcfs(genome, vcf_dir / "bad")
    log("VCFs: LUNG01's Mutect2-style tumour/normal VCF")
    lung_path = vcf_dir / "LUNG01.mutect2.vcf.gz"
    lung = scenarios.lung01(genome, lung_path, seed)

    log("truth files, demo sample sheet, README, checksums")
    gen = COMMAND.format(seed=seed)
    for patient in read_patients:
        dump_json(_patient_truth(patient, sample_truth, gen), truth_dir / f"{patient['id']}.json")
    dump_json(_vcf001_truth(vcf, vcf_path, gen), truth_dir / "VCF001.json")
    dump_json(_lung01_truth(lung, lung_path, gen), truth_dir / "LUNG01.json")
    dump_json({"generated_by": gen, "files": {f"vcf/bad/{k}": v for k, v in bad.items()}},
              truth_dir / "bad_vcfs.json")
    write_sheet(sheet, read_patients, units, vcf_path, lung_path)
    write_readme(out, genome, pgx_targets, cancer_targets, read_patients, sample_truth, vcf, bad, seed, lung)
    return write_checksums(out)


# --- truth ------------------------------------------------------------------------------------

QC_WHY = {
    "pass": "good library: passes every QC gate of the demo config",
    "fail": "poor library: too few reads, low base quality (Q30 well under 60%) and many errors, "
    "40% duplicates, short inserts with adapter read-through, low locus depth",
}


def _sample_info(patient, sample, res) -> dict:
    stats = read_stats(res["readsets"])
    size = sum(e - s for _, s, e, _ in sample.targets)
    stats["mean_target_depth"] = round(stats["read_pairs"] * sample.library.mean_covered_bases() / size, 1)
    sites = {}
    if sample.panel == "default":
        for g in scenarios.PGX_TARGET_GENES:
            d = load_gene(g)
            for p in d.positions:
                sites.setdefault(d.chrom, set()).add(p.pos)
    if sites:
        depth = np.concatenate([
            sum(rs.coverage(c, sorted(ps), exclude_duplicates=True) for rs in res["readsets"])
            for c, ps in sorted(sites.items())
        ])
        stats["depth_at_kb_positions_without_duplicates"] = {
            "positions": int(depth.size), "min": int(depth.min()),
            "p05": float(np.percentile(depth, 5)), "median": float(np.median(depth)),
            "below_20": int((depth < 20).sum()),
        }
    for p in patient["planted"]:
        if sample.name in p.samples:
            p.samples[sample.name].update(site_counts(res["readsets"], sample.haplotypes, p.variant))
    return {
        "kind": sample.kind,
        **sample.extra,
        "panel": sample.panel,
        "units": {u: {"r1": f"reads/{v['r1'].name}", "r2": f"reads/{v['r2'].name}", "pairs": v["pairs"],
                      "sha256": {"r1": sha256(v["r1"]), "r2": sha256(v["r2"])}}
                  for u, v in res["units"].items()},
        "library": {"fragment_mean": sample.library.fragment_mean, "fragment_sd": sample.library.fragment_sd,
                    "duplicate_rate": sample.library.duplicate_rate},
        "simulated": stats,
    }


def _patient_truth(patient, sample_truth, gen) -> dict:
    pid = patient["id"]
    fail = pid == "LOWQ01"
    truth = {
        "patient": pid,
        "generated_by": gen,
        "sex": patient["sex"],
        **({"tumor_type": patient["tumor_type"]} if "tumor_type" in patient else {}),
        "consent": patient["consent"],
        "samples": {s.name: sample_truth[s.name] for s in patient["samples"]},
        "planted_variants": [p.as_json() for p in patient["planted"]],
        "everything_else": "GRCh38 reference sequence",
        "expected_qc": {s.name: {"status": "fail" if fail else "pass", "why": QC_WHY["fail" if fail else "pass"]}
                        for s in patient["samples"]},
    }
    if pid == "PGX001":
        truth["expected_diplotypes"] = patient["expected_pgx"]
        truth["expected_diplotypes_note"] = (
            "Haplotypes were built from the knowledge-base definitions and called back with an exact "
            "definition matcher (most specific matching allele). The first allele of each diplotype "
            "was planted on haplotype 1, the second on haplotype 2. The phenotypes and activity scores "
            "are CPIC's published ones for the planted diplotypes, not the engine's.")
    elif pid == "TUMOR01":
        truth["purity"] = 0.6
        truth["expected_diplotypes"] = {}
        truth["expected_diplotypes_note"] = ("No pharmacogene position is sequenced for this patient: "
                                             "PGx positions are expected to be reported as not covered.")
    elif pid == "LOWQ01":
        truth["expected_diplotypes"] = {}
        truth["expected_diplotypes_note"] = "QC fails: a pharmacogenomic result must not be reported as valid."
    else:
        truth["expected_diplotypes"] = {}
        truth["expected_diplotypes_note"] = "No consent to pharmacogenomics: no PGx analysis."
    if patient.get("indications"):
        truth["indications"] = patient["indications"]
        sf = patient["consent"]["secondary_findings"]
        truth["expected_germline_findings"] = [
            {"gene": p.gene, "chrom": p.variant.chrom, "pos": p.variant.pos, "ref": p.variant.ref,
             "alt": p.variant.alt, "zygosity": "heterozygous", "classification": "pathogenic",
             "clinvar_variation_id": p.extra["clinvar_variation_id"],
             "category": "diagnostic" if p.gene == "BRCA2" else "secondary"}
            for p in patient["planted"] if p.gene == "BRCA2" or sf]
        if not sf:
            truth["must_not_appear_anywhere"] = [
                {"gene": p.gene, "chrom": p.variant.chrom, "pos": p.variant.pos, "ref": p.variant.ref,
                 "alt": p.variant.alt, "clinvar_variation_id": p.extra["clinvar_variation_id"],
                 "why": "ACMG secondary finding without the patient's consent: not analysed, no trace in any output"}
                for p in patient["planted"] if p.gene != "BRCA2"]
    truth["expected_somatic_calls"] = [
        {"sample": "TUMOR01-T", "normal": "TUMOR01-N", "chrom": p.variant.chrom, "pos": p.variant.pos,
         "ref": p.variant.ref, "alt": p.variant.alt, "gene": p.gene, "protein_change": p.extra["protein_change"],
         "vaf": p.samples["TUMOR01-T"]["vaf"]}
        for p in patient["planted"] if p.origin == "somatic"
    ]
    if pid == "TUMOR01":
        truth["expected_not_somatic"] = [
            {"chrom": p.variant.chrom, "pos": p.variant.pos, "ref": p.variant.ref, "alt": p.variant.alt,
             "gene": p.gene, "why": "germline: heterozygous in the normal too"}
            for p in patient["planted"] if p.origin == "germline"
        ]
    return truth


def _vcf001_truth(vcf, vcf_path, gen) -> dict:
    return {
        "patient": "VCF001",
        "generated_by": gen,
        "sex": "female",
        "consent": {"pharmacogenomics": True, "secondary_findings": False},
        "samples": {"VCF001-dna": {"kind": "germline", "vcf": f"vcf/{vcf_path.name}", "vcf_sample": "VCF001_DNA",
                                   "records": vcf["records"], "sha256": sha256(vcf_path)}},
        "vcf_format": "DeepVariant-style, contigs without 'chr' (GRCh38 lengths), two sample columns "
        "(OTHER_PATIENT first, VCF001_DNA second), bgzip without index; a record at every CYP2C19 "
        "knowledge-base position (0/0 where reference)",
        "planted_variants": [p.as_json(n) for p, n in vcf["planted"]],
        "right_shifted_indel": vcf["indel"],
        "expected_diplotypes": vcf["expected"],
        "outside_calls": {"CYP2D6": scenarios.expected_outside_call("CYP2D6", "*1/*4")},
        "wrong_column_would_give": {"sample": "OTHER_PATIENT", **vcf["other"]},
        "expected_qc": {"VCF001-dna": {"status": "not_assessed", "why": "VCF entry: no reads to judge"}},
        "expected_somatic_calls": [],
    }


LUNG01_CALLER = "GATK Mutect2 + FilterMutectCalls (demo)"


def _lung01_truth(lung, lung_path, gen) -> dict:
    tumour = scenarios.LUNG01_TUMOUR
    return {
        "patient": "LUNG01",
        "generated_by": gen,
        "sex": "female",
        "tumor_type": "LUAD",
        "consent": {"pharmacogenomics": False, "secondary_findings": False},
        "samples": {"LUNG01-T": {"kind": "tumor", "purity": scenarios.LUNG01_PURITY, "panel": "cancer",
                                 "vcf": f"vcf/{lung_path.name}", "vcf_sample": tumour, "caller": LUNG01_CALLER,
                                 "records": lung["records"], "sha256": sha256(lung_path)}},
        "vcf_format": "Mutect2 tumour/normal (after FilterMutectCalls): columns LUNG01_NORMAL, LUNG01_TUMOR; "
        "FORMAT GT:AD:AF:DP:F1R2:F2R1:SB; FILTER PASS or the filter names; bgzip without index. "
        "The sheet names the tumour column; the normal is not a sample of the sheet.",
        "planted_variants": [p.as_json() for p in lung["planted"]],
        "expected_qc": {"LUNG01-T": {"status": "not_assessed", "why": "VCF entry: no reads to judge"}},
        "expected_somatic_calls": [
            {"sample": "LUNG01-T", "chrom": p.variant.chrom, "pos": p.variant.pos, "ref": p.variant.ref,
             "alt": p.variant.alt, "gene": p.gene, "protein_change": p.extra["protein_change"],
             "vaf": p.samples[tumour]["vaf"]}
            for p in lung["planted"] if p.extra["filter"] == "PASS"
        ],
        "expected_tiers": {
            "p.L858R": {"tier": "I", "why": "level A sensitivity evidence for EGFR L858R in lung adenocarcinoma"},
            "p.T790M": {"tier": "I", "resistance_to": ["Erlotinib", "Gefitinib"],
                        "why": "first-generation EGFR inhibitors are listed as resistance for T790M in NSCLC"},
        },
        "expected_not_somatic": [
            {"chrom": p.variant.chrom, "pos": p.variant.pos, "ref": p.variant.ref, "alt": p.variant.alt,
             "gene": p.gene, "why": f"FILTER {p.extra['filter']}"}
            for p in lung["planted"] if p.extra["filter"] != "PASS"
        ],
    }


# --- panels, sample sheet, checksums, README ------------------------------------------------------


def write_panels(panel_dir: Path, genome, pgx_targets):
    with open(panel_dir / "pgx_panel.bed", "w") as fh:
        for c, s, e, name in pgx_targets:
            fh.write(f"{c}\t{s}\t{e}\t{name}\n")
    order = list(reference.GRCH38_LENGTHS)
    with open(panel_dir / "cancer_panel.bed", "w") as fh:
        for w in sorted((w for w in genome.windows if w.is_cancer), key=lambda w: (order.index(w.chrom), w.start)):
            fh.write(f"{w.chrom}\t{w.start - 1}\t{w.end}\t{w.name}\n")


def write_germline_panel(panel_dir: Path, targets):
    """The `germline` panel: the sequenced exons of the demo's inherited-disease genes (no names:
    a coverage file of a patient never names a gene)."""
    with open(panel_dir / "germline_panel.bed", "w") as fh:
        for c, s, e, _ in targets:
            fh.write(f"{c}\t{s}\t{e}\n")


def _rel(path: Path, base: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), base.resolve())).as_posix()


def _consent(c) -> str:
    return (f"{{pharmacogenomics: {str(c['pharmacogenomics']).lower()}, "
            f"secondary_findings: {str(c['secondary_findings']).lower()}}}")


SHEET_HEADER = """\
# Demo sample sheet: the seven demo patients of test-data/ (see test-data/README.md).
# Written by `genotailor testdata build`; regenerate it rather than editing by hand.
#
# patients:  <patient id>:
#   sex:            female | male | unknown
#   tumor_type:     OncoTree code (tumour patients)
#   consent:        {pharmacogenomics: true|false, secondary_findings: true|false}
#   indications:    diagnostic gene panels (workflow/resources/germline/panels.yaml) or gene symbols
#   outside_calls:  optional results from dedicated callers: <gene>: {diplotype, method}
#   samples:  <sample id>:
#     kind:         germline | tumor  (a tumour names its purity and its matched normal)
#     panel:        a panel of the config (default: `default`)
#     specimen:     optional {type, collected, received} for the report's specimen block
#     exactly one entry point:
#       units:      FASTQ pairs per lane: <unit>: {r1, r2, optional sha256: {r1, r2}}
#       vcf:        a VCF from elsewhere (+ vcf_sample: its column, caller, optional sha256)
# Paths are relative to this file's folder.
"""


# the specimen type each demo sample stands for (printed in the report's specimen block)
SPECIMEN = {"germline": "peripheral blood (EDTA)", "tumor": "tumour tissue (FFPE)"}


def write_sheet(sheet: Path, read_patients, units, vcf_path: Path, lung_path: Path):
    sheet.parent.mkdir(parents=True, exist_ok=True)
    base = sheet.parent
    blocks = {}
    for patient in read_patients:
        lines = [f"  {patient['id']}:", f"    sex: {patient['sex']}"]
        if "tumor_type" in patient:
            lines.append(f"    tumor_type: {patient['tumor_type']}")
        lines.append(f"    consent: {_consent(patient['consent'])}")
        if patient.get("indications"):
            lines.append(f"    indications: [{', '.join(patient['indications'])}]")
        lines.append("    samples:")
        for s in patient["samples"]:
            lines += [f"      {s.name}:", f"        kind: {s.kind}"]
            if s.kind == "tumor":
                lines += [f"        purity: {s.extra['purity']}", f"        normal: {s.extra['normal']}"]
            if s.panel != "default":
                lines.append(f"        panel: {s.panel}")
            lines.append(f"        specimen: {{type: {SPECIMEN[s.kind]}}}")
            lines.append("        units:")
            for i, (unit, u) in enumerate(units[s.name].items()):
                r1, r2 = _rel(u["r1"], base), _rel(u["r2"], base)
                if patient["id"] == "PGX001" and i == 0:  # checksums exercise verification
                    lines += [f"          {unit}:", f"            r1: {r1}", f"            r2: {r2}",
                              f"            sha256: {{r1: {sha256(u['r1'])}, r2: {sha256(u['r2'])}}}"]
                else:
                    lines.append(f"          {unit}: {{r1: {r1}, r2: {r2}}}")
        blocks[patient["id"]] = lines
    blocks["VCF001"] = [
        "  VCF001:",
        "    sex: female",
        f"    consent: {_consent({'pharmacogenomics': True, 'secondary_findings': False})}",
        "    outside_calls:",
        '      CYP2D6: {diplotype: "*1/*4", method: "example outside caller (demo)"}',
        "    samples:",
        "      VCF001-dna:",
        "        kind: germline",
        f"        vcf: {_rel(vcf_path, base)}",
        "        vcf_sample: VCF001_DNA",
        "        caller: DeepVariant (demo)",
        f"        sha256: {sha256(vcf_path)}",
    ]
    blocks["LUNG01"] = [
        "  LUNG01:",
        "    sex: female",
        "    tumor_type: LUAD",
        f"    consent: {_consent({'pharmacogenomics': False, 'secondary_findings': False})}",
        "    samples:",
        "      LUNG01-T:",
        "        kind: tumor",
        f"        purity: {scenarios.LUNG01_PURITY}",
        "        panel: cancer",
        f"        vcf: {_rel(lung_path, base)}",
        f"        vcf_sample: {scenarios.LUNG01_TUMOUR}",
        f"        caller: {LUNG01_CALLER}",
        f"        sha256: {sha256(lung_path)}",
    ]
    lines = [SHEET_HEADER, "patients:"]
    for pid in ("PGX001", "TUMOR01", "VCF001", "LOWQ01", "LUNG01", "GERM01", "GERM02"):
        lines += blocks[pid]
    sheet.write_text("\n".join(lines) + "\n")


def write_checksums(out: Path) -> int:
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "SHA256SUMS" and "source" not in p.parts)
    with open(out / "SHA256SUMS", "w") as fh:
        for p in files:
            fh.write(f"{sha256(p)}  {p.relative_to(out).as_posix()}\n")
    return len(files) + 1


def _variant_rows(planted, samples) -> list[str]:
    rows = []
    for p in planted:
        v = p.variant
        cells = []
        for s in samples:
            d = p.samples.get(s)
            if d is None:
                cells.append("")
            elif "genotype" in d:
                cells.append(d["genotype"])
            else:
                cells.append(f"VAF {d['vaf']:.2f}" if d["vaf"] else "absent")
        rows.append(f"| {v.chrom}:{v.pos} | {v.ref} | {v.alt} | {p.gene} | {p.rsid or ''} | "
                    + " | ".join(cells) + f" | {p.meaning} |")
    return rows


def write_readme(out, genome, pgx_targets, cancer_targets, patients, sample_truth, vcf, bad, seed, lung):
    pgx001, tumor01, _, germ01, germ02 = patients
    vcf_cyp2d6 = scenarios.expected_outside_call("CYP2D6", "*1/*4")
    windows = genome.windows
    n_germ = sum(1 for w in windows if w.name in scenarios.GERMLINE_GENES)
    n_pgx = sum(1 for w in windows if not w.is_cancer) - n_germ
    n_cancer = sum(1 for w in windows if w.is_cancer)
    real_bp = sum(w.end - w.start + 1 for w in windows)
    synth_bp = sum(b - a for _, a, b, _ in genome.flanks)

    def st(name, key):
        return sample_truth[name]["simulated"][key]

    L = []
    a = L.append
    a("# Demo and test data")
    a("")
    a("Everything in this folder except `reference/source/` (inputs) is generated, deterministically, by")
    a("")
    a("```sh")
    a(COMMAND.format(seed=seed))
    a("```")
    a("")
    a("run from the repository root (equivalently `PYTHONPATH=scripts python -m genotailor testdata build "
      f"--seed {seed}`); the same command writes the demo sample sheet `config/samples.yaml`. It takes about "
      "half a minute. Running it again gives byte-identical files; `SHA256SUMS` lists them.")
    a("The inputs are project files only: `reference/source/grch38_windows.fa.gz`, the pharmacogene "
      "allele definitions in `workflow/resources/pgx/genes/` and the hotspot list "
      "`workflow/resources/oncology/hotspots.tsv`.")
    a("")
    a("## What is real and what is synthetic")
    a("")
    a(f"- **Real**: the reference sequence inside the {len(windows)} GRCh38 windows "
      f"({n_pgx} pharmacogene regions, {n_cancer} cancer hotspot exon windows and the whole "
      f"{' and '.join(scenarios.GERMLINE_GENES)} genes, {real_bp:,} bp), "
      "at their true GRCh38 coordinates; the allele definitions and hotspots the planted variants come from.")
    a(f"- **Synthetic**: every read, genotype, VCF and patient. The sequence in `reference/synthetic_flanks.bed` "
      f"({len(genome.flanks)} intervals, {synth_bp:,} bp) is seeded random sequence, NOT GRCh38: it pads "
      f"the short cancer windows (up to {reference.FLANK} bp each side, only where the reference would otherwise "
      "be N) so 2x150 bp read pairs can be simulated and aligned across them. Do not interpret variants there.")
    a("- Everything else in the reference is `N`. Patients, sample names, flow cells and barcodes are invented.")
    a("")
    a("## Files")
    a("")
    a("| Path | What it is |")
    a("|---|---|")
    a("| `reference/source/grch38_windows.fa.gz` | Input: real GRCh38 windows, headers `chrom:start-end name` "
      "(1-based, inclusive, plus strand). |")
    a("| `reference/source/msi_locus_windows.fa` | Input of the MSI tests: 120 real GRCh38 windows, each one "
      "microsatellite locus ± 350 bp (headers `chrom:start-end name`), cut from the same staged GRCh38 windows as "
      "`workflow/resources/oncology/msi_loci.tsv`; no synthetic base. The tests simulate tumour/normal reads over "
      "them (`genotailor.dev.testdata.msi`). |")
    a("| `reference/source/msi_loci.tsv` | The 120 rows of `workflow/resources/oncology/msi_loci.tsv` those windows "
      "hold: the six staged markers (BAT-25, BAT-26, T15-1, T15-2, T15-3, T13) and 114 loci spread through the "
      "list. |")
    a(f"| `reference/{reference.REFERENCE_NAME}` (+ `.fai`, `.gzi`) | The demo reference, bgzip: "
      f"{len(reference.GRCH38_LENGTHS)} contigs ({', '.join(reference.GRCH38_LENGTHS)}) at their true GRCh38 "
      "lengths, 60-column lines, `N` except in the windows and the synthetic flanks, so every coordinate "
      "is the GRCh38 coordinate. Index files from `samtools faidx`. |")
    a("| `reference/synthetic_flanks.bed` | The synthetic intervals (0-based, half-open) and the window(s) each flanks. |")
    a(f"| `panels/pgx_panel.bed` | The `default` panel: every knowledge-base position of "
      f"{', '.join(scenarios.PGX_TARGET_GENES)} +-{scenarios.PGX_PAD} bp, merged ({len(pgx_targets)} intervals). |")
    a("| `panels/cancer_panel.bed` | The `cancer` panel: the real cancer hotspot windows. |")
    a(f"| `panels/germline_panel.bed` | The `germline` panel: the MANE Select exons of "
      f"{', '.join(scenarios.GERMLINE_GENES)} +-{scenarios.GERMLINE_PAD} bp, merged (no name column). |")
    a("| `reads/*.fastq.gz` | Simulated Illumina paired-end reads, named `{sample}_S{n}_L00{lane}_R{1,2}_001.fastq.gz`. |")
    a("| `vcf/VCF001.outside-lab.vcf.gz` | VCF001's outside-lab VCF (bgzip, deliberately not indexed). |")
    a("| `vcf/LUNG01.mutect2.vcf.gz` | LUNG01's Mutect2-style tumour/normal VCF (bgzip, not indexed). |")
    a("| `vcf/bad/GRCh37_build.vcf` | Wrong build: GRCh37 contig lengths and GRCh37 coordinates. |")
    a("| `vcf/bad/ref_mismatch.vcf` | GRCh38 header without lengths, but REF disagrees with the reference at "
      "every record (positions shifted a few bp, as from another build). |")
    a("| `truth/{PGX001,TUMOR01,VCF001,LOWQ01,LUNG01,GERM01,GERM02}.json` | Per patient: planted variants (with reads "
      "covering each site and reads carrying the alt, from the simulation), expected diplotypes, expected QC status, "
      "expected somatic calls, simulated library statistics. |")
    a("| `truth/bad_vcfs.json` | What the bad VCFs contain and why they must be rejected. |")
    a("| `SHA256SUMS` | Checksums of every generated file here. |")
    a("")
    a("## Patients")
    a("")
    a("### PGX001: germline pharmacogenomics from reads")
    a("")
    s = "PGX001-blood"
    a(f"Female; sample `{s}`, two lanes (L001, L002; half the fragments each), "
      f"{st(s, 'read_pairs'):,} pairs over the `default` panel, mean target depth {st(s, 'mean_target_depth')}x "
      f"(depth at knowledge-base positions without duplicates: median "
      f"{st(s, 'depth_at_kb_positions_without_duplicates')['median']:.0f}, minimum "
      f"{st(s, 'depth_at_kb_positions_without_duplicates')['min']}). Expected QC: pass.")
    a("Haplotypes are built from the allele definitions; everything else is reference.")
    a("")
    a("| Gene | Planted diplotype | Phenotype (CPIC) | Unphased genotypes also fit |")
    a("|---|---|---|---|")
    for g, e in pgx001["expected_pgx"].items():
        if g in scenarios.PGX001_DIPLOTYPES:
            a(f"| {g} | {e['diplotype']} | {e['phenotype'] or ''} | {', '.join(e['unphased_alternatives'])} |")
    others = [f"{g} {e['diplotype']}" + (f" ({e['phenotype']})" if e["phenotype"] else "")
              for g, e in pgx001["expected_pgx"].items() if g not in scenarios.PGX001_DIPLOTYPES]
    a("")
    a(f"Reference (expected) for the other sequenced genes: {'; '.join(others)}.")
    a("")
    a("TPMT *1/*3A and *3B/*3C give the same unphased genotypes (the classic TPMT ambiguity): a caller "
      "should report *1/*3A first and may list *3B/*3C as the alternative. CYP2C19 *2 lists rs58973490 as "
      "R (A or G); PGX001's *2 carries the non-reference A.")
    a("")
    a("| Position | REF | ALT | Gene | rsID | PGX001-blood | Meaning |")
    a("|---|---|---|---|---|---|---|")
    L += _variant_rows(pgx001["planted"], ["PGX001-blood"])
    a("")
    a("### TUMOR01: melanoma tumour/normal pair")
    a("")
    n, t = "TUMOR01-N", "TUMOR01-T"
    a(f"Male, tumour type MEL. `{n}` (germline normal, {st(n, 'read_pairs'):,} pairs, mean depth "
      f"{st(n, 'mean_target_depth')}x) and `{t}` (tumour, purity 0.6, {st(t, 'read_pairs'):,} pairs, mean depth "
      f"{st(t, 'mean_target_depth')}x), both over the cancer windows and their synthetic flanks "
      f"({sum(e - s_ for _, s_, e, _ in cancer_targets):,} bp) with the `cancer` panel. The normal has more "
      "reads than a normal usually gets so that it passes the demo config's `reads_after_filtering` gate "
      "(20,000 reads). Tumour mixture: BRAF V600E heterozygous in all tumour cells (0.6 x 0.5 = 30% VAF), "
      "PIK3CA H1047R heterozygous in a subclone of 40% of tumour cells (0.6 x 0.4 x 0.5 = 12% VAF). "
      "Expected QC: pass for both.")
    a("")
    a("| Position | REF | ALT | Gene | rsID | TUMOR01-N | TUMOR01-T | Meaning |")
    a("|---|---|---|---|---|---|---|---|")
    L += _variant_rows(tumor01["planted"], ["TUMOR01-N", "TUMOR01-T"])
    a("")
    a("Expected somatic calls: BRAF p.V600E and PIK3CA p.H1047R; the EGFR SNV is germline and must not be one.")
    a("")
    a("### VCF001: outside-lab VCF")
    a("")
    a("Female; sample `VCF001-dna` enters with `vcf/VCF001.outside-lab.vcf.gz`, written like a DeepVariant VCF "
      "from another lab: contigs without the `chr` prefix (GRCh38 lengths in `##contig`), two sample columns "
      "(`OTHER_PATIENT` first, then `VCF001_DNA`; the sheet sets `vcf_sample: VCF001_DNA`), "
      "FORMAT GT:GQ:DP:AD:VAF, bgzip without an index. It has a record at every CYP2C19 knowledge-base "
      "position (0/0 where reference, so the positions are called, not missing), a multi-allelic UGT1A1 "
      "record and an indel that is not left-aligned. The sheet adds an outside CYP2D6 call (*1/*4).")
    a("")
    a(f"Expected: CYP2C19 {vcf['expected']['CYP2C19']['diplotype']} "
      f"({vcf['expected']['CYP2C19']['phenotype']}), UGT1A1 {vcf['expected']['UGT1A1']['diplotype']}, "
      f"CYP2D6 *1/*4 (outside call; {vcf_cyp2d6['phenotype']}, activity score {vcf_cyp2d6['activity_score']}, "
      "from the knowledge base). Reading the wrong column (OTHER_PATIENT) would give CYP2C19 "
      f"{vcf['other']['CYP2C19']} and UGT1A1 {vcf['other']['UGT1A1']}.")
    a("")
    a("| Position | REF | ALT | Gene | rsID | VCF001_DNA | OTHER_PATIENT | Meaning |")
    a("|---|---|---|---|---|---|---|---|")
    L += _variant_rows([p for p, _ in vcf["planted"]], ["VCF001_DNA", "OTHER_PATIENT"])
    w, nm = vcf["indel"]["as_written"], vcf["indel"]["normalized"]
    a("")
    a(f"The indel is written right-shifted as `{w['chrom']}:{w['pos']} {w['ref']}>{w['alt']}` in the "
      f"{vcf['indel']['run']} run; left-aligned (as `bcftools norm -f`) it is "
      f"`{nm['chrom']}:{nm['pos']} {nm['ref']}>{nm['alt']}`. Truth positions use the `chr` names of the "
      "reference.")
    a("")
    a("### LOWQ01: a poor library")
    a("")
    s = "LOWQ01-blood"
    a(f"Male; sample `{s}`, one lane, {st(s, 'read_pairs'):,} pairs over the `default` panel, reference "
      f"genotypes. Q30 fraction {st(s, 'q30_fraction'):.0%}, duplicates {st(s, 'duplicate_fraction'):.0%}, "
      f"median insert {st(s, 'median_insert')} bp ({st(s, 'insert_below_read_length_fraction'):.0%} of inserts "
      "shorter than the read, so reads run into adapter and poly-G), about ten times the good libraries' base error rate"
      ". Expected QC: fail (with the demo config: too few reads after filtering, low Q30 rate, "
      "adapter-trimmed rate, mapped rate and locus depth; duplication and insert size at least warn).")
    a("")
    a("### LUNG01: lung adenocarcinoma, Mutect2 VCF")
    a("")
    a(f"Female, tumour type LUAD (OncoTree), no PGx consent; sample `LUNG01-T` (purity {scenarios.LUNG01_PURITY}, "
      "`cancer` panel) enters with `vcf/LUNG01.mutect2.vcf.gz`, written as GATK Mutect2 and FilterMutectCalls "
      "write a tumour/normal VCF: columns `LUNG01_NORMAL` and `LUNG01_TUMOR` (the sheet sets "
      "`vcf_sample: LUNG01_TUMOR`; the normal is not a sample of the sheet, so the report has no matched "
      "normal), `##tumor_sample`/`##normal_sample`, FORMAT GT:AD:AF:DP:F1R2:F2R1:SB (AF is Mutect2's estimate, "
      "not AD's ratio; DP counts a few reads AD leaves out), FILTER `PASS` or the filter's name, bgzip without "
      "an index. The story: a relapse biopsy after a first-generation EGFR inhibitor, L858R in every tumour "
      "cell and the resistance mutation T790M in a subclone.")
    a("")
    a("| Position | REF | ALT | Gene | FILTER | LUNG01_TUMOR | LUNG01_NORMAL | Meaning |")
    a("|---|---|---|---|---|---|---|---|")
    for p in lung["planted"]:
        v, t, n = p.variant, p.samples[scenarios.LUNG01_TUMOUR], p.samples[scenarios.LUNG01_NORMAL]
        a(f"| {v.chrom}:{v.pos} | {v.ref} | {v.alt} | {p.gene} | {p.extra['filter']} | "
          f"{t['alt_reads']}/{t['depth']} reads (VAF {t['vaf']:.3f}) | {n['alt_reads']}/{n['depth']} | {p.meaning} |")
    a("")
    a("Expected: EGFR p.L858R Tier I (level A for lung adenocarcinoma) and p.T790M with resistance to the "
      "first-generation inhibitors erlotinib and gefitinib; the filtered records are not reported.")
    a("")
    a("### GERM01 and GERM02: inherited disease (hereditary breast and ovarian cancer panel)")
    a("")
    a(f"Both female, indication `hereditary_breast_ovarian`, no PGx consent; one sample each "
      f"(`GERM01-blood`, `GERM02-blood`, {scenarios.GERMLINE_PAIRS:,} pairs over the `germline` panel). Both "
      "carry the same two real ClinVar pathogenic variants, heterozygous, at their true GRCh38 coordinates. "
      "GERM01 consented to secondary findings, GERM02 did not.")
    a("")
    a("| Position | REF | ALT | Gene | ClinVar | Meaning |")
    a("|---|---|---|---|---|---|")
    for p in germ01["planted"]:
        v = p.variant
        a(f"| {v.chrom}:{v.pos} | {v.ref} | {v.alt} | {p.gene} | VariationID {p.extra['clinvar_variation_id']} | "
          f"{p.meaning} |")
    a("")
    a("Expected: GERM01 gets both, the BRCA2 variant as a diagnostic finding and the MLH1 variant as a "
      "secondary finding (accession, stars, zygosity); GERM02 gets the BRCA2 finding and nothing of the MLH1 "
      "variant in any file under results/ or logs/ (its reads over MLH1 are not kept in its BAM).")
    a("")
    a("### Bad VCFs (`vcf/bad/`)")
    a("")
    a("- `GRCh37_build.vcf`: `##contig` lengths of GRCh37 (chr1 249250621, chr2 243199373, chr7 159138663, "
      "chr10 135534747) and records at GRCh37 coordinates of CYP3A5 rs776746, CYP2C19 rs12248560 and rs4244285, "
      "CYP2C9 rs1799853 and rs1057910. Expected: rejected as the wrong genome build.")
    a(f"- `ref_mismatch.vcf`: a GRCh38 header without contig lengths and "
      f"{len(bad['ref_mismatch.vcf']['records'])} records inside the pharmacogene windows whose REF is not the "
      "reference base (knowledge-base SNVs with POS shifted by +3 bp). Expected: rejected for REF mismatches.")
    a("")
    a("## How the reads are simulated")
    a("")
    a("`scripts/genotailor/testdata/simulate.py`, all randomness from `numpy.random.default_rng` seeded from "
      "the build seed (one stream per sample and lane):")
    a("")
    a("- diploid haplotypes carrying the planted SNVs and indels; a tumour is a weighted mixture of "
      "haplotypes, so weights set the allele fractions;")
    g, tl, pl = scenarios.GOOD_LIBRARY, scenarios.TUMOUR_LIBRARY, scenarios.POOR_LIBRARY
    a(f"- fragments drawn uniformly inside the target intervals (never into `N`), length "
      f"normal({g.fragment_mean:.0f}, {g.fragment_sd:.0f}) limited to [{g.fragment_min}, {g.fragment_max}] "
      f"(out-of-range draws are drawn again; TUMOR01-T {tl.fragment_mean:.0f} +- {tl.fragment_sd:.0f}, "
      f"LOWQ01 {pl.fragment_mean:.0f} +- {pl.fragment_sd:.0f}), random strand;")
    a("- 2x150 reads; fragments shorter than 150 bp read into the Illumina adapter "
      "(R1 `AGATCGGAAGAGCACACGTCTGAACTCCAGTCA`, R2 `AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGT`) and then poly-G;")
    a("- NovaSeq-binned qualities (Phred 2/12/23/37), worse towards the 3' end and on R2, with substitution "
      "errors drawn from each base's quality bin (so errors sit on low qualities); some Q2 bases are `N`;")
    a(f"- PCR duplicates: a set fraction of pairs are extra copies of already drawn fragments "
      f"({g.duplicate_rate:.0%} PGX001 and TUMOR01-N, {tl.duplicate_rate:.0%} TUMOR01-T, "
      f"{pl.duplicate_rate:.0%} LOWQ01), with independent sequencing errors;")
    a("- Illumina names `@SIM:1:<flowcell>:<lane>:<tile>:<x>:<y> <read>:N:0:<index>`, R1 and R2 in the same "
      "order; gzip with mtime 0 and no stored name, so files are byte-identical across runs.")
    a("")
    (out / "README.md").write_text("\n".join(L) + "\n")
