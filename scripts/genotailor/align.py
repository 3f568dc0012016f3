"""Alignment of one sequencing unit, streamed: fastp (trim + metrics) | aligner | fixmate | sort.

Streaming saves writing trimmed FASTQs and name-sorted BAMs to disk. Determinism: fastp runs
with one worker so read order is the input order, bwa gets a fixed `-K` (its batch size, which
otherwise depends on the thread count) and minimap2 a fixed `-K`; sort order ties are then
stable across runs.
"""

from __future__ import annotations

import shlex
import sys
import subprocess
from pathlib import Path

from genotailor.errors import GenotailorError, InputError

BWA_BATCH = 100_000_000
MINIMAP2_BATCH = "500M"


def align_command(r1, r2, aligner, index, read_group, threads, fastp_json, out) -> str:
    """The shell pipeline for one unit (returned so tests can check it without running it)."""
    q = shlex.quote
    out = Path(out)
    fastp = (
        f"fastp --in1 {q(str(r1))} --in2 {q(str(r2))} --stdout --detect_adapter_for_pe"
        f" --json {q(str(fastp_json))} --html /dev/null --thread 1 --report_title {q(out.stem)}"
    )
    if aligner == "bwa":
        align = f"bwa mem -p -t {threads} -K {BWA_BATCH} -R {q(read_group)} {q(str(index))} -"
    elif aligner == "minimap2":
        align = f"minimap2 -ax sr -t {threads} -K {MINIMAP2_BATCH} -R {q(read_group)} {q(str(index))} -"
    else:
        raise GenotailorError(f"aligner '{aligner}' is not supported — set aligner to bwa or minimap2")
    fixmate = "samtools fixmate -m -u - -"
    sort = f"samtools sort -@ {max(threads - 1, 0)} -m 512M -T {q(str(out))}.sort -o {q(str(out))} -"
    return f"set -o pipefail; {fastp} | {align} | {fixmate} | {sort}"


def align_unit(r1, r2, aligner, index, read_group, threads, fastp_json, out):
    cmd = align_command(r1, r2, aligner, index, read_group, threads, fastp_json, out)
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
    # Tool messages go to the rule's log whatever the outcome.
    print(proc.stderr, end="", file=sys.stderr)
    if proc.returncode != 0:
        raise InputError(
            f"aligning {r1} + {r2} failed (exit {proc.returncode}) — see the tool messages above; "
            "a truncated or non-FASTQ file is the usual cause"
        )


def index_prefix(index: str, aligner: str) -> str:
    """bwa takes the index prefix; the rules hand over its first file."""
    return index.removesuffix(".amb") if aligner == "bwa" else index


def import_alignment(path, sample, reference, out):
    """Bring an external BAM/CRAM into results/ as an indexed BAM, after checks.

    The input is never modified: a BAM is linked, a CRAM decoded to BAM with the reference.
    """
    import pysam

    from genotailor.reference import Reference

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
        subprocess.run(["samtools", "view", "-b", "-T", str(reference), "-o", str(out), str(path)], check=True)
    else:
        if out.exists() or out.is_symlink():
            out.unlink()
        out.symlink_to(Path(path).resolve())
    subprocess.run(["samtools", "index", "-o", f"{out}.bai", str(out)], check=True)


def register(sub):
    p = sub.add_parser("align", help="fastp | aligner | fixmate | sort for one sequencing unit")
    p.add_argument("--r1", required=True)
    p.add_argument("--r2", required=True)
    p.add_argument("--aligner", choices=["bwa", "minimap2"], required=True)
    p.add_argument("--index", required=True, help="minimap2 .mmi, or any bwa index file (e.g. .amb)")
    p.add_argument("--read-group", required=True, help=r"SAM @RG line with \t separators")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--fastp-json", required=True)
    p.add_argument("--out", required=True, help="coordinate-sorted BAM")
    p.set_defaults(func=_cli_align)
    i = sub.add_parser("import-alignment", help="check an external BAM/CRAM and bring it into results/")
    i.add_argument("--input", required=True)
    i.add_argument("--sample", required=True)
    i.add_argument("--reference", required=True)
    i.add_argument("--out", required=True)
    i.set_defaults(func=_cli_import)


def _cli_align(args):
    align_unit(args.r1, args.r2, args.aligner, index_prefix(args.index, args.aligner), args.read_group,
               args.threads, args.fastp_json, args.out)
    return 0


def _cli_import(args):
    import_alignment(args.input, args.sample, args.reference, args.out)
    return 0
