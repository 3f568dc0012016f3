"""The variant-calling hand-off: every VCF, built-in or external, passes this one normalization.

Checks (each failure names the file and the fix): readable VCF, the sample column chosen by
name, contig names harmonised to the reference ('10' -> 'chr10'), header contig lengths and
REF alleles checked against the reference (another genome build is an error, not a warning).
Then bcftools keeps the one sample, splits multi-allelic records, left-aligns indels against the
reference, sorts, and writes `results/{patient}/calls/{sample}.vcf.gz` with a tabix index.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pysam

from genotailor.core.errors import InputError
from genotailor.core.reference import GRCH37_LENGTHS, Reference
from genotailor.core.tools import run

# Above this many REF mismatches (or this fraction of the checked records) the message says the
# VCF was made against another build; below it, the few records are named.
BUILD_MISMATCH_MIN = 3
BUILD_MISMATCH_FRACTION = 0.05


@dataclass
class NormalizationSummary:
    vcf: str
    sample: str
    source_column: str
    records_in: int = 0
    records_checked: int = 0
    records_on_other_contigs: int = 0
    ref_unverifiable: int = 0  # REF over reference N (the demo reference is N outside its windows)
    other_contigs: dict = field(default_factory=dict)
    contig_renames: dict = field(default_factory=dict)
    records_out: int = 0


def open_vcf(path: str | Path) -> pysam.VariantFile:
    try:
        return pysam.VariantFile(str(path))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"VCF {path}: cannot be read as VCF/BCF ({exc}) — check that it is a VCF "
            "(plain, gzip or bgzip) with a ##fileformat header line"
        ) from None


def choose_sample_column(vcf: pysam.VariantFile, path, sample_id: str, column: str | None) -> str:
    """The sample column to use: the one named in the sheet, else the only one, else the sample id."""
    samples = list(vcf.header.samples)
    if column:
        if column not in samples:
            raise InputError(
                f"VCF {path}: no sample column '{column}' (columns: {', '.join(samples) or 'none'}) "
                "— set vcf_sample in the sample sheet to one of the columns"
            )
        return column
    if len(samples) == 1:
        return samples[0]
    if sample_id in samples:
        return sample_id
    raise InputError(
        f"VCF {path}: {len(samples)} sample columns ({', '.join(samples) or 'none'}) and none is "
        f"named '{sample_id}' — set vcf_sample in the sample sheet to the column of this sample"
    )


def _check_contig_lengths(vcf, path, ref: Reference, renames: dict):
    for name, contig in vcf.header.contigs.items():
        target = renames.get(name)
        if target is None or contig.length is None:
            continue
        if contig.length != ref.lengths[target]:
            build = ""
            if GRCH37_LENGTHS.get(name.removeprefix("chr")) == contig.length:
                build = " (that is its GRCh37 length)"
            raise InputError(
                f"VCF {path}: contig {name} is {contig.length} bp in the VCF header{build} but "
                f"{ref.lengths[target]} bp in the reference {ref.name}: the VCF was made against "
                "another genome build — call the variants against GRCh38 (or lift them over) and "
                "give that VCF"
            )


def check_vcf(path, sample_id: str, column: str | None, ref: Reference) -> NormalizationSummary:
    """Validate an input VCF against the reference; return what normalization will do."""
    vcf = open_vcf(path)
    col = choose_sample_column(vcf, path, sample_id, column)
    renames = {}
    for name in vcf.header.contigs:
        target = ref.harmonise_contig(name)
        if target is not None:
            renames[name] = target
    _check_contig_lengths(vcf, path, ref, renames)
    summary = NormalizationSummary(vcf=str(path), sample=sample_id, source_column=col)
    others = Counter()
    mismatches = []
    for rec in vcf.fetch():
        summary.records_in += 1
        target = renames.get(rec.chrom)
        if target is None:
            target = ref.harmonise_contig(rec.chrom)
            if target is None:
                others[rec.chrom] += 1
                continue
            renames[rec.chrom] = target
        expected = ref.bases(target, rec.pos, len(rec.ref))
        if "N" in expected:
            summary.ref_unverifiable += 1
            continue
        summary.records_checked += 1
        if rec.ref.upper() != expected:
            mismatches.append((rec.chrom, rec.pos, rec.ref, expected))
    vcf.close()
    summary.records_on_other_contigs = sum(others.values())
    summary.other_contigs = dict(sorted(others.items()))
    summary.contig_renames = {k: v for k, v in sorted(renames.items()) if k != v}
    if summary.records_in and summary.records_on_other_contigs == summary.records_in:
        raise InputError(
            f"VCF {path}: none of its contigs ({', '.join(list(others)[:5])}) is in the reference "
            f"{ref.name} — check that the VCF is from a human GRCh38 alignment"
        )
    if mismatches:
        examples = "; ".join(f"{c}:{p} REF {r} but reference has {e}" for c, p, r, e in mismatches[:3])
        n, m = len(mismatches), summary.records_checked
        if n >= BUILD_MISMATCH_MIN and n >= BUILD_MISMATCH_FRACTION * m:
            raise InputError(
                f"VCF {path}: {n} of {m} REF alleles differ from the reference {ref.name} ({examples}): "
                "the VCF was made against another genome build — call the variants against GRCh38 "
                "(or lift them over) and give that VCF"
            )
        raise InputError(
            f"VCF {path}: {n} of {m} REF alleles differ from the reference {ref.name} ({examples}) "
            "— the file is damaged or was edited; re-export it from the caller"
        )
    return summary


def _run(cmd, what, path):
    run(cmd, f"VCF {path}: {what}")


def normalize_vcf(path, sample_id: str, column: str | None, reference, out, summary_json=None) -> NormalizationSummary:
    """Check `path`, then write the normalized single-sample VCF `out` (bgzip + .tbi)."""
    ref = Reference(reference)
    summary = check_vcf(path, sample_id, column, ref)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".normalize.") as tmp:
        tmp = Path(tmp)
        renames = tmp / "contigs.tsv"
        renames.write_text("".join(f"{a}\t{b}\n" for a, b in summary.contig_renames.items()))
        new_name = tmp / "sample.txt"
        new_name.write_text(f"{summary.source_column} {sample_id}\n")
        keep = ",".join(ref.lengths)
        stage = tmp / "renamed.vcf"
        _run(["bcftools", "view", "--no-version", "--no-update", "-s", summary.source_column, "-Ov",
              "-o", str(tmp / "one.vcf"), str(path)], "selecting the sample column", path)
        _run(["bcftools", "annotate", "--no-version", "--rename-chrs", str(renames), "-Ov",
              "-o", str(stage), str(tmp / "one.vcf")], "renaming contigs", path)
        _run(["bcftools", "reheader", "--fai", f"{ref.path}.fai", "-s", str(new_name), "-o",
              str(tmp / "reheaded.vcf"), str(stage)], "setting the header", path)
        _run(["bcftools", "view", "--no-version", "-t", keep, "-Ov", "-o", str(tmp / "kept.vcf"),
              str(tmp / "reheaded.vcf")], "keeping reference contigs", path)
        _run(["bcftools", "norm", "--no-version", "-m", "-any", "-f", str(ref.path), "--check-ref", "e",
              "-Ov", "-o", str(tmp / "norm.vcf"), str(tmp / "kept.vcf")], "normalization", path)
        _run(["bcftools", "sort", "-T", str(tmp), "-Oz", "-o", str(out), str(tmp / "norm.vcf")], "sorting", path)
    _run(["tabix", "-f", "-p", "vcf", str(out)], "indexing", out)
    with pysam.VariantFile(str(out)) as vf:
        summary.records_out = sum(1 for _ in vf.fetch())
    if summary_json:
        Path(summary_json).write_text(json.dumps(asdict(summary), indent=1, sort_keys=True) + "\n")
    return summary
