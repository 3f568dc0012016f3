"""Knowledge-base builders: `kb-build-pgx`, `kb-compile-pgx`, `kb-build-oncology`, `kb-build-clinvar`,
`kb-build-acmg-sf` and `kb-update` (build time only; the runtime reads what they write)."""

from __future__ import annotations

from genotailor.core.paths import GERMLINE_KB, ONCOLOGY_KB, PGX_KB

CLINVAR_RELEASE_URL = "https://ftp.ncbi.nlm.nih.gov/pub/clinvar/vcf_GRCh38/clinvar.vcf.gz"


def register(sub):
    p = sub.add_parser(
        "kb-build-pgx",
        help="refresh the PGx knowledge base from PharmCAT/CPIC release files",
        description="Reads *_translation.json allele definitions and the per-gene phenotype JSON "
        "files of a release (and, for genes without a diplotype table there, the pypgx tables) and "
        "writes the project's own files (genes/*.json, positions.tsv, manifest.json with sources, "
        "versions and checksums).",
    )
    p.add_argument("--definitions", required=True, help="folder of *_translation.json files")
    p.add_argument("--phenotypes", required=True, help="folder of {GENE}.json phenotype files")
    p.add_argument("--pypgx", help="folder of the pypgx tables (allele-table.csv, diplotype-table.csv, "
                   "phenotype-table.csv, equation-table.csv): allele functions and phenotypes of CYP2D6, "
                   "G6PD, IFNL3 and RYR1; without it those genes get no phenotype")
    p.add_argument("--out", default=str(PGX_KB), help="knowledge-base folder (default: %(default)s)")
    p.set_defaults(func=_build_pgx)

    p = sub.add_parser(
        "kb-compile-pgx",
        help="validate the drug-recommendation file and write its JSON mirror",
        description="Checks recommendations.yaml against the gene knowledge base and writes "
        "recommendations.compiled.json beside it (read instead of the YAML while their checksums "
        "agree). Run it after editing the YAML file.",
    )
    p.add_argument("--recommendations", default=str(PGX_KB / "recommendations.yaml"),
                   help="YAML file (default: %(default)s)")
    p.add_argument("--kb", default=str(PGX_KB), help="gene knowledge-base folder (default: %(default)s)")
    p.set_defaults(func=_compile_pgx)

    p = sub.add_parser(
        "kb-build-oncology",
        help="build the oncology actionability knowledge base from CIViC and CGI release files",
        description="Reads a CIViC monthly release (ClinicalEvidenceSummaries.tsv), the CGI biomarkers "
        "per variant table and an OncoTree release table, maps diseases to OncoTree through the "
        "crosswalk, and writes actionability.json, oncotree.json, build_report.json (kept, merged "
        "and dropped rows with reasons, unmapped diseases) and manifest.json (sources, versions, "
        "sha256) into the knowledge-base folder.",
    )
    p.add_argument("--civic", required=True, help="folder of a CIViC release (*ClinicalEvidenceSummaries.tsv)")
    p.add_argument("--civic-release", required=True, help="CIViC release date, e.g. 01-Aug-2024")
    p.add_argument("--cgi", required=True, help="CGI cgi_biomarkers_per_variant.tsv")
    p.add_argument("--cgi-release", required=True, help="CGI release, e.g. 2018-01-17")
    p.add_argument("--oncotree", required=True, help="OncoTree table (code, name, parent, main_type, ...)")
    p.add_argument("--oncotree-release", required=True, help="e.g. oncotree_2025_10_03")
    p.add_argument("--crosswalk", default=str(ONCOLOGY_KB / "disease_oncotree_crosswalk.tsv"),
                   help="curated disease -> OncoTree table (default: %(default)s)")
    p.add_argument("--curated-biomarkers", default=None,
                   help="curated therapy evidence for biomarkers that are not one gene's variants (MSI-H) "
                   "(default: curated_biomarkers.tsv beside the crosswalk, when there is one)")
    p.add_argument("--out", default=str(ONCOLOGY_KB), help="knowledge-base folder (default: %(default)s)")
    p.set_defaults(func=_build_oncology)
    register_germline(sub)


def _build_pgx(args):
    from pathlib import Path

    from genotailor.kb.pgx import build_pgx_kb

    manifest = build_pgx_kb(Path(args.definitions), Path(args.phenotypes), Path(args.out),
                            Path(args.pypgx) if args.pypgx else None)
    print(f"{args.out}: {len(manifest['versions'])} genes, {len(manifest['files'])} files")
    return 0


def _compile_pgx(args):
    from pathlib import Path

    from genotailor.kb.pgx_recommendations import compile_recommendations

    out, drugs = compile_recommendations(Path(args.recommendations), Path(args.kb))
    print(f"{out}: {drugs} drugs")
    return 0


def _build_oncology(args):
    from pathlib import Path

    from genotailor.kb.oncology import build_oncology_kb

    result = build_oncology_kb(Path(args.civic), Path(args.cgi), Path(args.oncotree), Path(args.crosswalk),
                               Path(args.out), args.civic_release, args.cgi_release, args.oncotree_release,
                               curated=Path(args.curated_biomarkers) if args.curated_biomarkers else None)
    r = result["report"]
    dropped = {s: sum(c.values()) for s, c in r["dropped"].items()}
    print(f"{args.out}: {r['entries']} entries; rows read {r['rows_read']}, kept {r['rows_kept']}, "
          f"merged {r['merged_into_existing_entry']}, dropped {dropped}; "
          f"{len(r['unmapped_diseases'])} unmapped disease terms (build_report.json)")
    return 0


def register_germline(sub):
    p = sub.add_parser(
        "kb-build-clinvar",
        help="compile NCBI's ClinVar GRCh38 VCF into the inherited-disease knowledge base",
        description="Reads clinvar.vcf.gz (GRCh38; NCBI's full file or an extract), names contigs as the "
        "reference does, splits multi-allelic records (and, with --reference, left-aligns indels and checks "
        "REF), reads CLNSIG as a set of terms and CLNREVSTAT as review stars, keeps conflicts as conflicts, and "
        "writes clinvar.tsv.gz (bgzip + tabix) and its manifest entry (source, release, sha256, counts).",
    )
    p.add_argument("--vcf", required=True, help="ClinVar GRCh38 VCF (clinvar.vcf.gz)")
    p.add_argument("--reference", help="GRCh38 FASTA: left-align and check REF with bcftools norm")
    p.add_argument("--release", help="ClinVar release date (default: the VCF's ##fileDate)")
    p.add_argument("--out", default=str(GERMLINE_KB), help="knowledge-base folder (default: %(default)s)")
    p.set_defaults(func=_build_clinvar)

    p = sub.add_parser(
        "kb-build-acmg-sf",
        help="compile the ACMG secondary-findings gene table into reportable-variant rules",
        description="Reads the project's ACMG SF table (gene, condition, inheritance, variants to report, "
        "source) and writes acmg_sf.json: per gene its inheritance, conditions and rule (any P/LP, two P/LP, "
        "truncating only, HFE p.C282Y homozygous); rows whose rule their source does not confirm are left out "
        "with the reason.",
    )
    p.add_argument("--table", required=True, help="ACMG SF table (TSV)")
    p.add_argument("--version", default="3.2", help="ACMG SF list version (default: %(default)s)")
    p.add_argument("--out", default=str(GERMLINE_KB), help="knowledge-base folder (default: %(default)s)")
    p.set_defaults(func=_build_acmg_sf)

    p = sub.add_parser(
        "kb-update",
        help="bring a knowledge base up to date from its public release file (download, verify, build)",
        description="clinvar: downloads NCBI's GRCh38 clinvar.vcf.gz (--url) or takes a copy (--file), verifies "
        "it — against the MD5 NCBI publishes beside it (URL.md5, or FILE.md5 beside a local copy) or a --sha256 "
        "you give — refuses a file it cannot verify or that is not a gzipped ClinVar GRCh38 VCF, then builds "
        "clinvar.tsv.gz and its manifest entry (release, per-gene coverage, how it was verified) into the "
        "knowledge-base folder; the old table is replaced only by a complete build. civic: rebuilds the "
        "oncology knowledge base from a CIViC ClinicalEvidenceSummaries.tsv (--file) with the CGI table "
        "(--cgi) and the OncoTree release the folder already holds.",
    )
    p.add_argument("kb", choices=["clinvar", "civic"], help="which knowledge base")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--url", help="address of the release file, e.g. " + CLINVAR_RELEASE_URL)
    src.add_argument("--file", help="a release file already on disk (not modified)")
    p.add_argument("--sha256", help="expected SHA-256 of the file (instead of the publisher's .md5)")
    p.add_argument("--kb-dir", help=f"knowledge-base folder to write (default: {GERMLINE_KB} for clinvar, "
                   f"{ONCOLOGY_KB} for civic)")
    p.add_argument("--cgi", help="civic: the CGI biomarkers-per-variant table the oncology knowledge base merges in")
    p.add_argument("--cgi-release", help="civic: CGI release (default: the one in the folder's manifest)")
    p.add_argument("--civic-release", help="civic: CIViC release date (default: from the file name, "
                   "DD-Mon-YYYY-ClinicalEvidenceSummaries.tsv)")
    p.set_defaults(func=_update)


def _build_clinvar(args):
    from pathlib import Path

    from genotailor.kb.germline import build_clinvar

    counts = build_clinvar(Path(args.vcf), Path(args.out), Path(args.reference) if args.reference else None,
                           args.release)
    print(f"{args.out}: {counts['alleles_kept']} ClinVar alleles in {counts['genes']} genes "
          f"({counts.get('conflicts', 0)} conflicts)")
    return 0


def _build_acmg_sf(args):
    from pathlib import Path

    from genotailor.kb.germline import build_acmg_sf

    doc = build_acmg_sf(Path(args.table), Path(args.out), args.version)
    print(f"{args.out}: {doc['list']}: {len(doc['genes'])} genes, {len(doc['left_out'])} left out")
    return 0


def _update(args):
    from pathlib import Path

    if args.kb == "clinvar":
        from genotailor.kb.update import update_clinvar

        kb_dir = Path(args.kb_dir or GERMLINE_KB)
        entry = update_clinvar(kb_dir, url=args.url, file=Path(args.file) if args.file else None, sha256=args.sha256)
        counts = entry["counts"]
        print(f"{kb_dir}: ClinVar release {entry['release']} ({entry['update']['verified_by']}): "
              f"{counts['alleles_kept']} alleles in {len(entry['gene_coverage'])} genes")
        return 0
    from genotailor.kb.update import update_civic

    kb_dir = Path(args.kb_dir or ONCOLOGY_KB)
    report = update_civic(kb_dir, url=args.url, file=Path(args.file) if args.file else None, sha256=args.sha256,
                          cgi=Path(args.cgi) if args.cgi else None, civic_release=args.civic_release,
                          cgi_release=args.cgi_release)
    print(f"{kb_dir}: {report['entries']} entries; rows read {report['rows_read']}, kept {report['rows_kept']}")
    return 0
