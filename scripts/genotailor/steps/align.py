"""Alignment of one sequencing unit, streamed: fastp (trim + metrics) | aligner | fixmate | sort.

Streaming saves writing trimmed FASTQs and name-sorted BAMs to disk. Determinism: fastp runs
with one worker so read order is the input order, bwa gets a fixed `-K` (its batch size, which
otherwise depends on the thread count) and minimap2 a fixed `-K`; sort order ties are then
stable across runs.
"""

from __future__ import annotations

from pathlib import Path

from genotailor.core.errors import GenotailorError, InputError
from genotailor.core.tools import pipeline, run

BWA_BATCH = 100_000_000
MINIMAP2_BATCH = "500M"


def align_commands(r1, r2, aligner, index, read_group, threads, fastp_json, out) -> list[list[str]]:
    """The pipeline for one unit as argv lists (returned so tests can check it without running it)."""
    out = str(out)
    fastp = ["fastp", "--in1", str(r1), "--in2", str(r2), "--stdout", "--detect_adapter_for_pe",
             "--json", str(fastp_json), "--html", "/dev/null", "--thread", "1", "--report_title", Path(out).stem]
    if aligner == "bwa":
        align = ["bwa", "mem", "-p", "-t", str(threads), "-K", str(BWA_BATCH), "-R", read_group, str(index), "-"]
    elif aligner == "minimap2":
        align = ["minimap2", "-ax", "sr", "-t", str(threads), "-K", MINIMAP2_BATCH, "-R", read_group, str(index), "-"]
    else:
        raise GenotailorError(f"aligner '{aligner}' is not supported — set aligner to bwa or minimap2")
    fixmate = ["samtools", "fixmate", "-m", "-u", "-", "-"]
    sort = ["samtools", "sort", "-@", str(max(threads - 1, 0)), "-m", "512M", "-T", f"{out}.sort", "-o", out, "-"]
    return [fastp, align, fixmate, sort]


def align_unit(r1, r2, aligner, index, read_group, threads, fastp_json, out):
    pipeline(align_commands(r1, r2, aligner, index, read_group, threads, fastp_json, out),
             f"aligning {r1} + {r2}")


def index_prefix(index: str, aligner: str) -> str:
    """bwa takes the index prefix; the rules hand over its first file."""
    return index.removesuffix(".amb") if aligner == "bwa" else index


def import_alignment(path, sample, reference, out):
    """Bring an external BAM/CRAM into results/ as an indexed BAM, after checks.

    The input is never modified: a BAM is linked, a CRAM decoded to BAM with the reference.
    """
    import pysam

    from genotailor.core.reference import Reference

    ref = Reference(reference)
    try:
        aln = pysam.AlignmentFile(str(path), reference_filename=str(reference))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as BAM/CRAM ({exc}) — check the file") from None
    header = aln.header.to_dict()
    problems = []
    so = header.get("HD", {}).get("SO")
    if so != "coordinate":
        problems.append(f"it is not coordinate-sorted (SO:{so}) — sort it with `samtools sort`")
    for sq in header.get("SQ", []):
        name = ref.harmonise_contig(sq["SN"])
        if name and name == sq["SN"] and sq["LN"] != ref.lengths[name]:
            problems.append(
                f"contig {sq['SN']} is {sq['LN']} bp but {ref.lengths[name]} bp in {ref.name}: "
                "it was aligned to another genome build — realign to GRCh38"
            )
            break
    names = {rg.get("SM") for rg in header.get("RG", [])}
    if names and sample not in names:
        problems.append(f"its read groups name sample(s) {', '.join(sorted(map(str, names)))}, not {sample} — "
                        "correct the sample id in the sheet or the BAM's @RG SM")
    aln.close()
    if problems:
        raise InputError(f"{path}: " + "; ".join(problems))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if str(path).endswith(".cram"):
        run(["samtools", "view", "-b", "-T", reference, "-o", out, path], f"{path}: decoding the CRAM")
    else:
        if out.exists() or out.is_symlink():
            out.unlink()
        out.symlink_to(Path(path).resolve())
    run(["samtools", "index", "-o", f"{out}.bai", out], f"{path}: indexing the alignment")
