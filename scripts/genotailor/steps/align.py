"""Alignment of one sequencing unit, streamed: fastp (trim + metrics) | aligner | fixmate | sort.

Streaming saves writing trimmed FASTQs and name-sorted BAMs to disk. Determinism: fastp runs
with one worker so read order is the input order, bwa gets a fixed `-K` (its batch size, which
otherwise depends on the thread count) and minimap2 a fixed `-K`; sort order ties are then
stable across runs.
"""

from __future__ import annotations

import re
from pathlib import Path

from genotailor.core.errors import GenotailorError, InputError
from genotailor.core.scratch import scratch_beside, scratch_path
from genotailor.core.tools import ToolError, pipeline, run

BWA_BATCH = 100_000_000
MINIMAP2_BATCH = "500M"


def unit_name(read_group: str) -> str:
    """The read group's ID (`{sample}.{unit}` in the workflow), which titles the unit's fastp report.
    MultiQC names a fastp row by that title, so two samples' lanes called L001 stay two rows."""
    for field in re.split(r"\\t|\t", read_group):
        if field.startswith("ID:") and len(field) > 3:
            return field[3:]
    raise InputError(f"read group {read_group} has no ID field: give it as @RG\\tID:SAMPLE.UNIT\\tSM:SAMPLE")


def align_commands(r1, r2, aligner, index, read_group, threads, fastp_json, out) -> list[list[str]]:
    """The pipeline for one unit as argv lists (returned so tests can check it without running it)."""
    out = str(out)
    fastp = ["fastp", "--in1", str(r1), "--in2", str(r2), "--stdout", "--detect_adapter_for_pe",
             "--json", str(fastp_json), "--html", "/dev/null", "--thread", "1", "--report_title", unit_name(read_group)]
    if aligner == "bwa":
        align = ["bwa", "mem", "-p", "-t", str(threads), "-K", str(BWA_BATCH), "-R", read_group, str(index), "-"]
    elif aligner == "minimap2":
        align = ["minimap2", "-ax", "sr", "-t", str(threads), "-K", MINIMAP2_BATCH, "-R", read_group, str(index), "-"]
    else:
        raise GenotailorError(f"aligner '{aligner}' is not supported — set aligner to bwa or minimap2")
    fixmate = ["samtools", "fixmate", "-m", "-u", "-", "-"]
    sort = ["samtools", "sort", "-@", str(max(threads - 1, 0)), "-m", "512M", "-T", str(scratch_path(out) / "sort"),
            "-o", out, "-"]
    return [fastp, align, fixmate, sort]


def align_unit(r1, r2, aligner, index, read_group, threads, fastp_json, out):
    """Align one unit. Meanwhile its FASTQ pair is read and checked (steps/fastq.py: fastp
    accepts damaged files quietly), and fastp must have read every read the check counted; a
    failed unit leaves no BAM behind."""
    import json
    import threading

    from genotailor.steps.fastq import check_pair

    checked = {}

    def check():
        try:
            checked["pairs"] = check_pair(r1, r2)
        except Exception as exc:  # noqa: BLE001 - raised below, in preference to the tools' failure
            checked["error"] = exc

    checker = threading.Thread(target=check, daemon=True)
    checker.start()
    try:
        try:
            with scratch_beside(out):  # samtools sort's temporary files
                pipeline(align_commands(r1, r2, aligner, index, read_group, threads, fastp_json, out),
                         f"aligning {r1} + {r2}")
        finally:
            checker.join()
            if "error" in checked:
                raise checked["error"]
        seen = json.loads(Path(fastp_json).read_text())["summary"]["before_filtering"]["total_reads"]
        if seen != 2 * checked["pairs"]:
            raise InputError(f"FASTQ {r1} + {r2}: the files hold {2 * checked['pairs']} reads but fastp read {seen} "
                             f"(see the log) — check the files (e.g. `fastp -i {r1} -I {r2}`) and copy them again")
    except BaseException:
        # The tools may have finished on the reads before the damage: such a BAM must not look complete.
        for partial in (out, fastp_json):
            Path(partial).unlink(missing_ok=True)
        raise


def index_prefix(index: str, aligner: str) -> str:
    """bwa takes the index prefix; the rules hand over its first file."""
    return index.removesuffix(".amb") if aligner == "bwa" else index


def check_alignment(path, sample, ref) -> str:
    """Check an external BAM/CRAM before anything reads it; return its real format ('bam' or 'cram').

    The format comes from the file's bytes (SAM text named .bam is named as such), the BGZF
    end-of-file marker is checked (a cut-short upload), and the header against the reference:
    contig names and lengths (another build is named, GRCh37 recognised by its lengths), sort
    order and the read groups' sample.
    """
    import pysam

    from genotailor.core.formats import DESCRIPTIONS, checked_input
    from genotailor.core.reference import GRCH37_LENGTHS

    what = "BAM/CRAM"
    compression, kind = checked_input(path, what, "the path in the sample sheet (bam: or cram:)")
    if kind == "sam":
        raise InputError(f"{what} {path}: the file is SAM text, not a BAM — convert it "
                         f"(samtools sort -o {Path(path).stem}.sorted.bam {path}) and give that file")
    if kind not in ("bam", "cram"):
        raise InputError(f"{what} {path}: the file is {DESCRIPTIONS[kind]}, not a BAM or CRAM — give the "
                         "aligned reads as BAM or CRAM")
    try:
        run(["samtools", "quickcheck", "-u", "-v", path], f"{what} {path}: checking that it is complete")
    except ToolError as exc:
        if exc.returncode is None:  # samtools itself is missing
            raise
        raise InputError(f"{what} {path}: the file is cut short or damaged (samtools quickcheck: no valid "
                         "header or end-of-file marker) — copy it again from its source") from None
    try:
        aln = pysam.AlignmentFile(str(path), reference_filename=str(ref.path), check_sq=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"{what} {path}: cannot be read ({exc}) — check the file") from None
    header = aln.header.to_dict()
    aln.close()
    problems = []
    sqs = header.get("SQ", [])
    if not sqs:
        problems.append("it has no @SQ header lines: the reads are not aligned — give the FASTQs as units instead")
    grch37 = [sq for sq in sqs if GRCH37_LENGTHS.get(sq["SN"].removeprefix("chr")) == sq["LN"]
              and ref.harmonise_contig(sq["SN"]) and sq["LN"] != ref.lengths[ref.harmonise_contig(sq["SN"])]]
    if grch37:
        sq = grch37[0]
        problems.append(f"contig {sq['SN']} is {sq['LN']} bp, its GRCh37 length, but "
                        f"{ref.lengths[ref.harmonise_contig(sq['SN'])]} bp in the reference {ref.name} (GRCh38): "
                        "the reads were aligned to GRCh37 — realign them to GRCh38 (or give the FASTQs as units)")
    else:
        for sq in sqs:
            name = ref.harmonise_contig(sq["SN"])
            if name and sq["LN"] != ref.lengths[name]:
                problems.append(f"contig {sq['SN']} is {sq['LN']} bp but {name} is {ref.lengths[name]} bp in the "
                                f"reference {ref.name}: it was aligned to another genome build — realign to GRCh38")
                break
    if sqs and not problems:
        renamed = [sq["SN"] for sq in sqs if ref.harmonise_contig(sq["SN"]) not in (None, sq["SN"])]
        if renamed:
            problems.append(f"its contigs are named {', '.join(renamed[:3])}... but the reference's "
                            f"{', '.join(ref.harmonise_contig(n) for n in renamed[:3])}... — rename them to the "
                            "reference's names (samtools reheader) or realign")
        elif not any(ref.harmonise_contig(sq["SN"]) for sq in sqs):
            problems.append(f"none of its contigs ({', '.join(sq['SN'] for sq in sqs[:3])}) is in the reference "
                            f"{ref.name} — realign the reads to GRCh38")
    so = header.get("HD", {}).get("SO")
    if so != "coordinate":
        problems.append(f"it is not coordinate-sorted (SO:{so}) — sort it with `samtools sort`")
    names = {rg.get("SM") for rg in header.get("RG", [])}
    if names and sample not in names:
        problems.append(f"its read groups name sample(s) {', '.join(sorted(map(str, names)))}, not {sample} — "
                        "correct the sample id in the sheet or the BAM's @RG SM")
    if problems:
        raise InputError(f"{what} {path}: " + "; ".join(problems))
    return kind


def import_alignment(path, sample, reference, out, withheld=()):
    """Bring an external BAM/CRAM into results/ as an indexed BAM, after checks.

    The input is never modified: a BAM is linked, a CRAM decoded to BAM with the reference.
    `withheld`: (chrom, start0, end) regions the patient's consent leaves out: the BAM is then a
    copy without the reads overlapping them (never a link to reads that must not be analysed).
    """
    from genotailor.core.reference import Reference

    ref = Reference(reference)
    kind = check_alignment(path, sample, ref)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        if withheld:
            with scratch_beside(out) as tmp:
                bed = tmp / "withheld.bed"
                bed.write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in withheld))
                if out.exists() or out.is_symlink():
                    out.unlink()
                run(["samtools", "view", "--no-PG", "-b", "-T", reference, "-L", str(bed), "-o", "/dev/null",
                     "-U", str(out), path], f"{path}: copying the alignment without the regions the patient's "
                     "consent excludes")
        elif kind == "cram":
            run(["samtools", "view", "-b", "-T", reference, "-o", out, path], f"{path}: decoding the CRAM")
        else:
            if out.exists() or out.is_symlink():
                out.unlink()
            out.symlink_to(Path(path).resolve())
        run(["samtools", "index", "-o", f"{out}.bai", out], f"{path}: indexing the alignment")
    except ToolError as exc:
        if exc.returncode is None:
            raise
        raise InputError(f"BAM/CRAM {path}: cannot be read to its end — the file is damaged or cut short; copy "
                         f"it again from its source ({exc})") from None


def mark_duplicates(unit_bams, out, stats, threads=1, withheld=()):
    """Merge a sample's unit BAMs, mark duplicates and index: the analysis-ready BAM.

    `withheld`: (chrom, start0, end) regions the patient's consent leaves out (core/consent.py);
    reads overlapping them are not kept in the BAM."""
    out = str(out)
    with scratch_beside(out) as tmp:
        marked = str(tmp / "marked.bam") if withheld else out
        pipeline([["samtools", "merge", "-f", "-u", "-p", "-o", "-", *map(str, unit_bams)],
                  ["samtools", "markdup", "-@", str(threads), "-f", str(stats), "-T", str(tmp / "markdup"), "-",
                   marked]],
                 f"{out}: merging the units and marking duplicates")
        if withheld:
            bed = tmp / "withheld.bed"
            bed.write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in withheld))
            run(["samtools", "index", marked], f"{out}: indexing")
            # reads overlapping a withheld region go to the discarded output; all others (unmapped too) to -U
            run(["samtools", "view", "--no-PG", "-b", "-L", str(bed), "-o", "/dev/null", "-U", out, marked],
                f"{out}: leaving out the regions the patient's consent excludes")
    run(["samtools", "index", out], f"{out}: indexing")


def flagstat(bam, out):
    """samtools' read counts of a BAM as JSON (mapped rate for the QC gates)."""
    run(["samtools", "flagstat", "-O", "json", bam], f"{bam}: counting reads", stdout=out)


def index_reference(aligner, fasta, out, threads=1):
    """The aligner's index of the reference: minimap2's .mmi at `out`, or bwa's files at prefix `out`."""
    if aligner == "minimap2":
        run(["minimap2", "-x", "sr", "-t", str(threads), "-d", out, fasta], f"{fasta}: building the minimap2 index")
    elif aligner == "bwa":
        run(["bwa", "index", "-p", out, fasta], f"{fasta}: building the bwa index")
    else:
        raise GenotailorError(f"aligner '{aligner}' is not supported — set aligner to bwa or minimap2")
