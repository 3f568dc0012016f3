"""The variant-calling hand-off: every VCF, built-in or external, passes this one normalization.

Checks (each failure names the file and the fix): readable VCF, the sample column chosen by
name, contig names harmonised to the reference ('10' -> 'chr10') and header contig lengths checked
against it (`core.contigs`, the rule the stand-alone commands read VCFs by too), REF alleles
checked against the reference (another genome build is an error, not a warning).
Then bcftools keeps the one sample, splits multi-allelic records, left-aligns indels against the
reference, sorts, and writes `results/{patient}/calls/{sample}.vcf.gz` with a tabix index.

Splitting keeps, in each record's FORMAT/AD, the reads of its REF and its one ALT only (AD is
Number=R: one value per allele of the record). The reads of the site's other ALTs would be lost,
and with them the depth an ALT's VAF is taken over (its reads / the reads of every allele at the
site). So before the split each multi-allelic record gets FORMAT/ADSUM (Number=1, copied into every
split record): the sum of its AD over all alleles. Not FORMAT/DP: callers count it over other reads
than AD (GATK's includes uninformative reads), so DP is not the AD depth. Not `bcftools norm
--keep-sum AD` either: it makes a split record's first AD value the reads of every other allele,
which is no longer the REF allele's read depth the VCF specification defines AD to hold.

What the file really is comes from its first bytes (`core.formats`), not its name: a VCF
compressed with plain gzip (not bgzip) is decompressed into the step's scratch folder and read;
SAM, FASTA or binary data named .vcf is rejected by what it is. A record htslib cannot parse is
named by its line, with what is wrong in it (a GT that is not a genotype, missing columns).

gVCFs (GATK/DRAGEN `<NON_REF>`, DeepVariant `<*>`) are read as what they are: a reference block
is a covered homozygous-reference call over its span, with its depth (MIN_DP, else DP). At every
knowledge-base position (`sites`) inside a block the normalized VCF gets an explicit reference
call with that depth, so "reference at 35x" is not mistaken for "no record"; the symbolic
alleles themselves never reach the normalized VCF.
"""

from __future__ import annotations

import bisect
import json
import re
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pysam

from genotailor.core.contigs import header_contigs, match_contigs
from genotailor.core.errors import InputError
from genotailor.core.formats import DESCRIPTIONS, checked_input, gunzip_to, open_maybe_gzip, sniff
from genotailor.core.reference import Reference
from genotailor.core.scratch import scratch_beside
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
    gvcf_reference_blocks: int = 0  # gVCF reference blocks read (0 for a plain VCF)
    gvcf_sites_from_blocks: int = 0  # knowledge-base positions given a reference call from a block
    undeclared_contigs: list = field(default_factory=list)  # used by records, without a ##contig line


GVCF_ALLELES = ("<NON_REF>", "<*>")
SITE_READS = "ADSUM"  # FORMAT tag: reads of every allele at the site, kept through a multi-allelic split
SITE_READS_HEADER = (f'##FORMAT=<ID={SITE_READS},Number=1,Type=Integer,Description="Reads of every allele at '
                     'this site: the sum of AD over all alleles of the record before multi-allelic records '
                     'were split">\n')
_GENOTYPE = re.compile(r"^[|/]?(\.|\d+)([|/](\.|\d+))*$")
SHEET_FIX = "the path in the sample sheet (vcf:)"


def readable_vcf(path, tmp) -> Path:
    """The file htslib reads for the VCF `path`: itself, or (plain gzip) a decompressed copy in `tmp`.

    Anything that is not VCF text or BCF is rejected by what it is."""
    compression, kind = checked_input(path, "VCF", SHEET_FIX)
    if kind not in ("vcf", "bcf"):
        packed = {"gzip": " (gzip-compressed)", "bgzf": " (bgzip-compressed)"}.get(compression, "")
        raise InputError(f"VCF {path}: the file is {DESCRIPTIONS[kind]}{packed}, not a VCF — give the VCF "
                         "(plain, gzip or bgzip text starting with ##fileformat=VCF, or BCF)")
    if compression == "gzip":
        copy = Path(tmp) / "input.vcf"
        gunzip_to(path, copy)
        return copy
    return Path(path)


def open_vcf(path: str | Path, name=None) -> pysam.VariantFile:
    """htslib's reader of a file `readable_vcf` returned; messages name `name` (the user's file)."""
    try:
        return pysam.VariantFile(str(path))
    except (OSError, ValueError) as exc:
        if "EOF marker" in str(exc) or "truncated" in str(exc):
            raise InputError(f"VCF {name or path}: the file is cut short (no BGZF end-of-file marker) — copy it "
                             "again from its source, or export it again from the caller") from None
        if "valid header" in str(exc):
            raise InputError(f"VCF {name or path}: its header is incomplete (no '#CHROM' line naming the columns "
                             "after the ## lines) — export the VCF again from the caller") from None
        raise InputError(
            f"VCF {name or path}: cannot be read as VCF/BCF ({exc}) — check that it is a VCF "
            "(plain, gzip or bgzip) with a ##fileformat header line"
        ) from None


def _text_lines(path):
    return open_maybe_gzip(path, "rt", errors="replace")


def _unreadable_record(source, name, index: int, exc) -> InputError:
    """The error for the `index`-th data line (0-based) htslib failed on: the line and what is wrong."""
    line_no, fields = 0, None
    try:
        with _text_lines(source) as fh:
            seen = -1
            for line_no, line in enumerate(fh, 1):
                if line.startswith("#"):
                    continue
                seen += 1
                if seen == index:
                    fields = line.rstrip("\r\n").split("\t")
                    break
    except (OSError, EOFError):
        fields = None
    if fields is None:
        return InputError(f"VCF {name}: record {index + 1} cannot be read ({exc}) — the file is damaged or cut "
                          "short; export it again from the caller")
    at = f"line {line_no} ({':'.join(fields[:2])})"
    what = f"htslib: {exc}"
    if len(fields) < 8:
        what = f"it has {len(fields)} tab-separated columns; a VCF record has at least 8"
    elif len(fields) > 9 and "GT" in fields[8].split(":"):
        i = fields[8].split(":").index("GT")
        bad = [v.split(":")[i] for v in fields[9:] if len(v.split(":")) > i and not _GENOTYPE.match(v.split(":")[i])]
        if bad:
            what = f"GT '{bad[0]}' is not a genotype (e.g. 0/1, 1|0, ./.)"
    return InputError(f"VCF {name}: {at} cannot be read: {what} — correct that record, or export the VCF "
                      "again from the caller")


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


def check_vcf(path, sample_id: str, column: str | None, ref: Reference) -> NormalizationSummary:
    """Validate an input VCF against the reference; return what normalization will do."""
    with tempfile.TemporaryDirectory(prefix="genotailor-check-vcf.") as tmp:
        return _check(path, readable_vcf(path, tmp), sample_id, column, ref)


def _check(path, source, sample_id: str, column: str | None, ref: Reference) -> NormalizationSummary:
    """check_vcf of the file `source` that `readable_vcf` made of the user's `path`."""
    vcf = open_vcf(source, path)
    col = choose_sample_column(vcf, path, sample_id, column)
    contigs = match_contigs(path, header_contigs(vcf.header), ref.lengths, f"the reference {ref.name}")
    summary = NormalizationSummary(vcf=str(path), sample=sample_id, source_column=col)
    others = Counter()
    mismatches = []
    declared = set(vcf.header.contigs)
    records = iter(vcf)
    while True:
        try:
            rec = next(records)
        except StopIteration:
            break
        except (OSError, ValueError) as exc:
            vcf.close()
            raise _unreadable_record(source, path, summary.records_in, exc) from None
        summary.records_in += 1
        if rec.chrom not in declared:
            summary.undeclared_contigs.append(rec.chrom)
            declared.add(rec.chrom)
        if rec.alts and all(a in GVCF_ALLELES for a in rec.alts):
            summary.gvcf_reference_blocks += 1
        target = contigs.reference(rec.chrom)
        if target is None:
            others[rec.chrom] += 1
            continue
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
    summary.contig_renames = contigs.renames()
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


def _declare_contigs(source, out, contigs) -> Path:
    """A copy of the VCF text `source` with a ##contig line for each of `contigs`."""
    with _text_lines(source) as fh, open(out, "w") as dst:
        for line in fh:
            if line.startswith("#CHROM"):
                dst.writelines(f"##contig=<ID={c}>\n" for c in contigs)
            dst.write(line)
    return Path(out)


def _load_sites(path) -> dict[str, list[int]]:
    """Knowledge-base positions (tab-separated CHROM POS, optionally bgzipped), sorted per contig."""
    sites: dict[str, list[int]] = {}
    with _text_lines(path) as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                chrom, pos = line.split("\t")[:2]
                sites.setdefault(chrom, []).append(int(pos))
    return {c: sorted(set(p)) for c, p in sites.items()}


def _expand_gvcf(source, out, ref: Reference, sites, summary: NormalizationSummary):
    """Write `source` as a VCF in which each reference block becomes explicit reference calls
    (GT and depth of the block) at the knowledge-base positions it covers."""
    sites = _load_sites(sites) if sites else {}
    has_dp = False
    with _text_lines(source) as fh, open(out, "w") as dst:
        for line in fh:
            if line.startswith("##"):
                has_dp = has_dp or line.startswith("##FORMAT=<ID=DP,")
                dst.write(line)
                continue
            if line.startswith("#"):
                if not has_dp:
                    dst.write('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">\n')
                dst.write(line)
                continue
            f = line.rstrip("\r\n").split("\t")
            alts = f[4].split(",")
            if not all(a in GVCF_ALLELES for a in alts):
                dst.write(line if line.endswith("\n") else line + "\n")
                continue
            pos = int(f[1])
            end = next((int(kv[4:]) for kv in f[7].split(";") if kv.startswith("END=")), pos)
            target = ref.harmonise_contig(f[0])
            contig_sites = sites.get(target, [])
            keys = f[8].split(":") if len(f) > 8 else []
            calls = []
            for column in f[9:]:
                value = dict(zip(keys, column.split(":")))
                depth = value.get("MIN_DP") or value.get("DP") or "."
                calls.append(f"{value.get('GT', './.')}:{depth}")
            for site in contig_sites[bisect.bisect_left(contig_sites, pos):bisect.bisect_right(contig_sites, end)]:
                base = ref.bases(target, site, 1)
                dst.write("\t".join([f[0], str(site), ".", base, ".", ".", f[6], ".", "GT:DP", *calls]) + "\n")
                summary.gvcf_sites_from_blocks += 1


def _site_reads_value(keys, values, alleles: int, ad_per_allele: bool):
    """FORMAT/ADSUM of one sample column of a record with `alleles` alleles: the sum of its AD when
    AD has a value for every allele, else None."""
    if not ad_per_allele or "AD" not in keys or len(values) <= keys.index("AD"):
        return None
    ad = values[keys.index("AD")].split(",")
    if len(ad) != alleles or not all(v.isdigit() for v in ad):
        return None
    return sum(int(v) for v in ad)


def _record_site_reads(source, out) -> Path:
    """Copy of the one-sample VCF text `source` in which each multi-allelic record whose AD is
    complete carries FORMAT/ADSUM (see the module's docstring); other records are copied unchanged."""
    ad_per_allele, declared = False, False
    with _text_lines(source) as fh, open(out, "w") as dst:
        for line in fh:
            if line.startswith("##"):
                ad_per_allele = ad_per_allele or line.startswith("##FORMAT=<ID=AD,Number=R,")
                if line.startswith(f"##FORMAT=<ID={SITE_READS},"):
                    declared = True
                    line = SITE_READS_HEADER
                dst.write(line)
                continue
            if line.startswith("#"):
                if not declared:
                    dst.write(SITE_READS_HEADER)
                dst.write(line)
                continue
            f = line.rstrip("\r\n").split("\t")
            if "," not in f[4] or len(f) < 10:
                dst.write(line if line.endswith("\n") else line + "\n")
                continue
            keys, values = f[8].split(":"), f[9].split(":")
            total = _site_reads_value(keys, values, 1 + len(f[4].split(",")), ad_per_allele)
            if total is not None:
                if SITE_READS in keys:
                    values += ["."] * (len(keys) - len(values))
                    values[keys.index(SITE_READS)] = str(total)
                else:
                    values += ["."] * (len(keys) - len(values)) + [str(total)]
                    keys.append(SITE_READS)
                f[8], f[9] = ":".join(keys), ":".join(values)
            dst.write("\t".join(f) + "\n")
    return Path(out)


def normalize_vcf(path, sample_id: str, column: str | None, reference, out, summary_json=None,
                  sites=None, withheld=()) -> NormalizationSummary:
    """Check `path`, then write the normalized single-sample VCF `out` (bgzip + .tbi).

    `sites`: the knowledge-base positions (CHROM POS) a gVCF's reference blocks are read at.
    `withheld`: (chrom, start0, end) regions the patient's consent leaves out: no record there is kept."""
    ref = Reference(reference)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with scratch_beside(out) as tmp:
        source = readable_vcf(path, tmp)
        summary = _check(path, source, sample_id, column, ref)
        if summary.undeclared_contigs:
            # bcftools refuses records on contigs the header does not declare (htslib only warns)
            source = _declare_contigs(source, tmp / "declared.vcf", summary.undeclared_contigs)
        if summary.gvcf_reference_blocks:
            if sniff(source)[1] == "bcf":
                _run(["bcftools", "view", "--no-version", "-Ov", "-o", str(tmp / "gvcf.vcf"), str(source)],
                     "reading the gVCF", path)
                source = tmp / "gvcf.vcf"
            _expand_gvcf(source, tmp / "blocks.vcf", ref, sites, summary)
            source = tmp / "blocks.vcf"
        renames = tmp / "contigs.tsv"
        renames.write_text("".join(f"{a}\t{b}\n" for a, b in summary.contig_renames.items()))
        new_name = tmp / "sample.txt"
        new_name.write_text(f"{summary.source_column} {sample_id}\n")
        keep = ",".join(ref.lengths)
        stage = tmp / "renamed.vcf"
        _run(["bcftools", "view", "--no-version", "--no-update", "-s", summary.source_column, "-Ov",
              "-o", str(tmp / "one.vcf"), str(source)], "selecting the sample column", path)
        _run(["bcftools", "annotate", "--no-version", "--rename-chrs", str(renames), "-Ov",
              "-o", str(stage), str(tmp / "one.vcf")], "renaming contigs", path)
        _run(["bcftools", "reheader", "--fai", f"{ref.path}.fai", "-s", str(new_name), "-o",
              str(tmp / "reheaded.vcf"), str(stage)], "setting the header", path)
        _run(["bcftools", "view", "--no-version", "-t", keep, "-Ov", "-o", str(tmp / "kept.vcf"),
              str(tmp / "reheaded.vcf")], "keeping reference contigs", path)
        summed = _record_site_reads(tmp / "kept.vcf", tmp / "summed.vcf")
        _run(["bcftools", "norm", "--no-version", "-m", "-any", "-f", str(ref.path), "--check-ref", "e",
              "-Ov", "-o", str(tmp / "norm.vcf"), str(summed)], "normalization", path)
        normalized = tmp / "norm.vcf"
        if summary.gvcf_reference_blocks:
            # a split <NON_REF> allele is the gVCF's "anything else", not a variant
            _run(["bcftools", "view", "--no-version", "-e", 'ALT="<NON_REF>" || ALT="<*>"', "-Ov",
                  "-o", str(tmp / "variants.vcf"), str(normalized)], "dropping gVCF symbolic alleles", path)
            normalized = tmp / "variants.vcf"
        if withheld:
            bed = tmp / "withheld.bed"
            bed.write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in withheld))
            _run(["bcftools", "view", "--no-version", "-T", f"^{bed}", "-Ov", "-o", str(tmp / "consented.vcf"),
                  str(normalized)], "leaving out the regions the patient's consent excludes", path)
            normalized = tmp / "consented.vcf"
        # -T is a prefix bcftools adds XXXXXX to: `{tmp}/sort.` keeps its folder inside the scratch one
        _run(["bcftools", "sort", "-T", f"{tmp}/sort.", "-Oz", "-o", str(out), str(normalized)], "sorting", path)
    _run(["tabix", "-f", "-p", "vcf", str(out)], "indexing", out)
    with pysam.VariantFile(str(out)) as vf:
        summary.records_out = sum(1 for _ in vf.fetch())
    if summary_json:
        Path(summary_json).write_text(json.dumps(asdict(summary), indent=1, sort_keys=True) + "\n")
    return summary
