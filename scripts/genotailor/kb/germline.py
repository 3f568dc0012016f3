"""`genotailor kb-build-clinvar` and `kb-build-acmg-sf`: the inherited-disease knowledge base.

ClinVar: NCBI's GRCh38 `clinvar.vcf.gz` (or an extract of it) becomes one bgzipped, tabix-indexed
table (`clinvar.tsv.gz`), one row per variant allele: contigs named as the reference names them
(`1` -> `chr1`), multi-allelic records split, and — when a reference FASTA is given — indels
left-aligned and REF checked by `bcftools norm`. CLNSIG becomes a set of terms (so
"Pathogenic/Likely_pathogenic|risk_factor" is three terms), CLNREVSTAT becomes ClinVar's review
stars, and an aggregate "conflicting classifications" record stays a conflict with the
submitters' classifications (CLNSIGCONF) kept beside it. Every record is kept whatever its
classification: the runtime decides what is reported.

ACMG SF: the project's table of ACMG secondary-finding genes (gene, condition, inheritance, which
variants are reportable, source) becomes `acmg_sf.json` with one reportable-variant rule per
gene. Rows whose rule is not confirmed by their source are left out, each with its reason.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import Counter
from pathlib import Path

from genotailor import __version__
from genotailor.core.checksums import sha256_file
from genotailor.core.errors import InputError
from genotailor.core.tools import run
from genotailor.kb.manifest import dump_json

CLINVAR_TABLE = "clinvar.tsv.gz"
CLINVAR_COLUMNS = ("chrom", "pos", "ref", "alt", "variation_id", "gene", "clnsig", "review_status", "stars",
                   "conflict", "conflicting_classifications", "hgvs_g", "molecular_consequence", "condition")
# ClinVar's review status -> stars (https://www.ncbi.nlm.nih.gov/clinvar/docs/review_status/)
STARS = {
    "practice_guideline": 4,
    "reviewed_by_expert_panel": 3,
    "criteria_provided,_multiple_submitters,_no_conflicts": 2,
    "criteria_provided,_multiple_submitters": 2,
    "criteria_provided,_conflicting_classifications": 1,
    "criteria_provided,_conflicting_interpretations": 1,
    "criteria_provided,_single_submitter": 1,
    "no_assertion_criteria_provided": 0,
    "no_classification_provided": 0,
    "no_classification_for_the_single_variant": 0,
    "no_interpretation_for_the_single_variant": 0,
    "no_assertion_provided": 0,
    "no_classifications_from_unflagged_records": 0,
}
_CONFLICT = re.compile(r"^Conflicting_(classifications|interpretations)_of_pathogenicity$")
_TERM_SPLIT = re.compile(r"\||/|,_")


def contig_name(chrom: str) -> str:
    """NCBI's contig names (`1`, `X`, `MT`) as the project's GRCh38 reference names them."""
    if chrom.startswith("chr"):
        return chrom
    return "chrM" if chrom == "MT" else f"chr{chrom}"


def clnsig_terms(value: str) -> list[str]:
    """CLNSIG as a sorted set of terms, ClinVar's underscores read as spaces."""
    return sorted({t.strip("_").replace("_", " ") for t in _TERM_SPLIT.split(value) if t.strip("_")})


def review_stars(revstat: str) -> int:
    if revstat not in STARS:
        raise InputError(f"ClinVar CLNREVSTAT {revstat!r} is not a known review status — add it to "
                         "genotailor.kb.germline.STARS with its star level")
    return STARS[revstat]


def _info(field: str) -> dict:
    out = {}
    for kv in field.split(";"):
        key, _, value = kv.partition("=")
        out[key] = value
    return out


def _records(lines):
    """(chrom, pos, id, ref, alt, info) of every data line, ALTs split."""
    for line in lines:
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) < 8:
            raise InputError(f"ClinVar VCF line {f[:3]} has {len(f)} columns, a VCF needs 8")
        for alt in f[4].split(","):
            yield f[0], int(f[1]), f[2], f[3], alt, f[7]


def _normalized_lines(vcf: Path, reference: Path | None):
    """The VCF's lines: plain, or through `bcftools norm` (contigs renamed, split, left-aligned,
    REF checked; mismatching records excluded) when a reference is given."""
    if reference is None:
        with gzip.open(vcf, "rt") if _is_gzip(vcf) else open(vcf) as fh:
            yield from fh
        return
    import tempfile

    fai = [line.split("\t")[:2] for line in Path(f"{reference}.fai").read_text().splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        renamed = Path(tmp) / "renamed.vcf"
        # NCBI's file declares no contigs, which bcftools needs: named and declared as the reference has them
        with gzip.open(vcf, "rt") if _is_gzip(vcf) else open(vcf) as src, open(renamed, "w") as dst:
            for line in src:
                if line.startswith("##"):
                    dst.write(line)
                elif line.startswith("#"):
                    dst.writelines(f"##contig=<ID={name},length={length}>\n" for name, length in fai)
                    dst.write(line)
                else:
                    chrom, rest = line.split("\t", 1)
                    dst.write(f"{contig_name(chrom)}\t{rest}")
        normalized = Path(tmp) / "normalized.vcf"
        run(["bcftools", "norm", "-m", "-any", "-f", str(reference), "--check-ref", "x", "-Ov", "--no-version",
             "-o", str(normalized), str(renamed)], f"ClinVar VCF {vcf}: split, left-align, REF check (bcftools norm)")
        with open(normalized) as fh:  # streamed: NCBI's full file has millions of records
            yield from fh


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _file_date(vcf: Path) -> str | None:
    return next((line.split("=", 1)[1] for line in header_lines(vcf) if line.startswith("##fileDate=")), None)


def header_lines(vcf: Path) -> list[str]:
    """The `##` meta lines of a (gzipped or plain) VCF."""
    out = []
    with gzip.open(vcf, "rt") if _is_gzip(vcf) else open(vcf) as fh:
        for line in fh:
            if not line.startswith("##"):
                break
            out.append(line.rstrip("\n"))
    return out


def _check_build(vcf: Path):
    """A ClinVar file that names another assembly would put every variant at the wrong position."""
    for line in header_lines(vcf):
        if line.startswith("##reference=") and line != "##reference=GRCh38":
            raise InputError(f"{vcf}: header says {line!r}; the project's coordinates are GRCh38 — use NCBI's "
                             "vcf_GRCh38/clinvar.vcf.gz")


class _Coverage:
    """Per gene (GENEINFO; a record naming several genes counts for each) the span and number of the
    table's alleles, gathered row by row."""

    def __init__(self):
        self.spans: dict[str, dict[str, list]] = {}
        self.contigs: set[str] = set()
        self.rows = 0

    def add(self, row):
        chrom, pos, ref = row[0], row[1], row[2]
        self.rows += 1
        self.contigs.add(chrom)
        for gene in row[5].split("|"):
            if gene == ".":
                continue
            span = self.spans.setdefault(gene, {}).setdefault(chrom, [pos, pos + len(ref) - 1, 0])
            span[0] = min(span[0], pos)
            span[1] = max(span[1], pos + len(ref) - 1)
            span[2] += 1

    def by_gene(self) -> dict:
        """{gene: {chrom, start, end, records}} sorted by gene: `start` the first allele's position, `end`
        the last base of any allele's REF (1-based, inclusive); a gene named on more than one contig keeps
        the contig with most records."""
        out = {}
        for gene in sorted(self.spans):
            chrom, (start, end, n) = max(self.spans[gene].items(), key=lambda kv: (kv[1][2], kv[0]))
            out[gene] = {"chrom": chrom, "start": start, "end": end, "records": n}
        return out


_ORDER = {c: i for i, c in enumerate([f"chr{c}" for c in list(range(1, 23)) + ["X", "Y", "M"]])}


def _row_key(row) -> tuple:
    return (_ORDER.get(row[0], len(_ORDER)), row[0], int(row[1]), row[2], row[3], row[4])


def _sort_table(plain: Path):
    with open(plain) as fh:
        header, *lines = fh.readlines()
    lines.sort(key=lambda line: _row_key(line.split("\t", 6)))
    with open(plain, "w") as fh:
        fh.write(header)
        fh.writelines(lines)


def _table_rows(records, counts: Counter):
    """The table's rows of a ClinVar VCF's allele records; records without an ALT allele or a germline
    classification (CLNSIG) are counted and left out."""
    for chrom, pos, vid, ref, alt, info_text in records:
        counts["alleles_read"] += 1
        if alt in (".", "*") or alt.startswith("<"):
            counts["dropped_no_alt_allele"] += 1
            continue
        info = _info(info_text)
        if "CLNSIG" not in info:
            counts["dropped_no_clnsig"] += 1
            continue
        revstat = info.get("CLNREVSTAT", "no_assertion_provided")
        stars = review_stars(revstat)
        terms = clnsig_terms(info["CLNSIG"])
        conflict = any(_CONFLICT.match(t) for t in _TERM_SPLIT.split(info["CLNSIG"]))
        conf = info.get("CLNSIGCONF", "")
        genes = "|".join(g.split(":")[0] for g in info.get("GENEINFO", "").split("|") if g)
        mc = "|".join(sorted({m.split("|")[1] for m in info.get("MC", "").split(",") if "|" in m}))
        condition = "|".join(dict.fromkeys(d.replace("_", " ") for d in info.get("CLNDN", "").split("|")
                                           if d and d != "not_provided"))
        counts[f"stars_{stars}"] += 1
        counts["conflicts"] += conflict
        yield (contig_name(chrom), pos, ref, alt, vid, genes or ".", "|".join(terms), revstat.replace("_", " "),
               stars, "yes" if conflict else "no", conf.replace("_", " ") or ".", info.get("CLNHGVS", "."),
               mc.replace("_", " ") or ".", condition or ".")


def build_clinvar(vcf: Path, out_dir: Path, reference: Path | None = None, release: str | None = None) -> dict:
    """Compile a ClinVar GRCh38 VCF into `out_dir/clinvar.tsv.gz` (+ .tbi) and the manifest's
    `clinvar` entry (with the genes the table holds); returns the build counts."""
    import pysam

    vcf, out_dir = Path(vcf), Path(out_dir)
    if not vcf.is_file():
        raise InputError(f"{vcf}: ClinVar VCF not found — download clinvar.vcf.gz from "
                         "https://ftp.ncbi.nlm.nih.gov/pub/clinvar/vcf_GRCh38/")
    _check_build(vcf)
    release = release or _file_date(vcf)
    if not release:
        raise InputError(f"{vcf}: no ##fileDate header line — give the release with --release YYYY-MM-DD")
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = Counter()
    plain = out_dir / "clinvar.tsv"
    coverage = _Coverage()
    last, in_order = None, True
    # streamed: NCBI's full file has millions of records and is already in genome order, so the table is
    # written as it is read; a file out of order is sorted once at the end
    with open(plain, "w") as fh:
        fh.write("#" + "\t".join(CLINVAR_COLUMNS) + "\n")
        for row in _table_rows(_records(_normalized_lines(vcf, reference)), counts):
            key = _row_key(row)
            in_order = in_order and (last is None or key >= last)
            last = key
            fh.write("\t".join(map(str, row)) + "\n")
            coverage.add(row)
    if not in_order:
        _sort_table(plain)
    table = out_dir / CLINVAR_TABLE
    pysam.tabix_compress(str(plain), str(table), force=True)
    plain.unlink()
    pysam.tabix_index(str(table), seq_col=0, start_col=1, end_col=1, meta_char="#", force=True)
    counts["alleles_kept"] = coverage.rows
    counts["genes"] = len(coverage.spans)
    counts["contigs"] = sorted(coverage.contigs, key=lambda c: _ORDER.get(c, len(_ORDER)))
    entry = {
        "source": "NCBI ClinVar GRCh38 VCF (public domain), https://ftp.ncbi.nlm.nih.gov/pub/clinvar/vcf_GRCh38/",
        "release": release, "input": vcf.name, "input_sha256": sha256_file(vcf),
        "normalization": ("contigs renamed, multi-allelic records split, indels left-aligned and REF checked "
                          f"against {Path(reference).name} (bcftools norm; mismatching records left out)"
                          if reference else
                          "contigs renamed, multi-allelic records split; not left-aligned here (no reference given; "
                          "NCBI's file is left-aligned by NCBI)"),
        "stars": STARS, "counts": dict(sorted(counts.items())),
        "gene_coverage": coverage.by_gene(),
        "files": {CLINVAR_TABLE: sha256_file(table), CLINVAR_TABLE + ".tbi": sha256_file(Path(str(table) + ".tbi"))},
    }
    _update_manifest(out_dir, "clinvar", entry)
    return dict(counts)


# ----------------------------------------------------------------------------- ACMG SF

ACMG_SF = "acmg_sf.json"
RULES = {
    "All P and LP": "any_plp",
    "All hemi, het, homozygous P and LP": "any_plp",
    "P and LP (2 variants)": "biallelic_plp",
    "P and LP (truncating variants only)": "truncating_plp",
    "p.C282Y homozygotes only": "homozygous_p.C282Y",
}


def build_acmg_sf(table: Path, out_dir: Path, version: str = "3.2") -> dict:
    """The ACMG SF genes of list `version` with their reportable-variant rules -> acmg_sf.json."""
    table, out_dir = Path(table), Path(out_dir)
    if not table.is_file():
        raise InputError(f"{table}: ACMG SF table not found")
    column = f"in_sf_v{version.replace('.', '_')}"
    genes, left_out = {}, {}
    with open(table, newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if column not in (reader.fieldnames or []):
            raise InputError(f"{table}: no column {column} — the table lists ACMG SF versions "
                             f"{', '.join(c[7:].replace('_', '.') for c in reader.fieldnames if c.startswith('in_sf_v'))}")
        for row in reader:
            gene = row["gene_symbol"]
            if row[column] != "yes":
                continue
            note = row.get("note", "")
            rule = RULES.get(row["variants_to_report"].strip())
            if rule is None:
                left_out[gene] = f"reportable variants not given ({row['variants_to_report']!r}) in the source row"
                continue
            if "variants_to_report" in note and "verify" in note:
                left_out[gene] = ("reportable-variant rule not confirmed by the row's source (the table marks it "
                                  "'verify'); left out until checked against the ACMG SF publication")
                continue
            if row["inheritance"] == "AR" and rule == "any_plp":
                left_out[gene] = ("recessive (AR) gene whose source row says 'All P and LP'; left out until the "
                                  "rule is checked against the ACMG SF publication")
                continue
            entry = genes.setdefault(gene, {"inheritance": row["inheritance"], "rule": rule, "conditions": [],
                                            "source": row["source"]})
            if entry["rule"] != rule or entry["inheritance"] != row["inheritance"]:
                raise InputError(f"{table}: gene {gene} has rows with different rules or inheritance")
            entry["conditions"].append({"name": row["disease_phenotype"], "mim": row["disorder_mim"],
                                        "category": row["phenotype_category"]})
    for gene in list(left_out):
        if gene in genes:  # a gene kept by one row and left out by another is left out entirely
            del genes[gene]
    doc = {"list": f"ACMG SF v{version}", "genes": dict(sorted(genes.items())),
           "left_out": dict(sorted(left_out.items())),
           "rules": {"any_plp": "any pathogenic or likely pathogenic variant",
                     "biallelic_plp": "two pathogenic or likely pathogenic variants (or one homozygous)",
                     "truncating_plp": "pathogenic or likely pathogenic truncating variants only",
                     "homozygous_p.C282Y": "p.C282Y homozygous only"}}
    out_dir.mkdir(parents=True, exist_ok=True)
    dump_json(doc, out_dir / ACMG_SF)
    _update_manifest(out_dir, "acmg_sf", {"source": table.name, "source_sha256": sha256_file(table),
                                          "list": doc["list"], "genes": len(genes), "left_out": len(left_out),
                                          "files": {ACMG_SF: sha256_file(out_dir / ACMG_SF)}})
    return doc


def _update_manifest(out_dir: Path, key: str, entry: dict):
    import json

    path = out_dir / "manifest.json"
    manifest = json.loads(path.read_text()) if path.exists() else {}
    manifest["builder"] = f"genotailor {__version__}"
    manifest[key] = entry
    dump_json(dict(sorted(manifest.items())), path)
