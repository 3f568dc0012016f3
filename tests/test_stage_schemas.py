"""The stage contracts: real stage outputs from small inputs follow workflow/schemas/{kind}.schema.json,
and a broken or non-JSON file is rejected with a message naming it."""

import copy
import json
import random

import pysam
import pytest

from conftest import DEMO_REFERENCE, write_vcf
from genotailor.core.contracts import load_stage, validate_stage
from genotailor.core.errors import InputError
from genotailor.core.paths import HOTSPOTS, ONCOLOGY_KB, TRANSCRIPT_MODELS
from genotailor.core.vcf import normalize_vcf
from genotailor.oncology.run import run_somatic
from genotailor.oncology.tmb import TmbSettings
from genotailor.pgx.run import run_pgx
from genotailor.steps.qc import sample_qc
from test_pgx_genes import DPYD_2A, DPYD_13, DPYD_2846, G6PD_A, GENES, SLCO1B1_521, TPMT_3B, TPMT_3C, gene_vcf
from test_qc_and_somatic import GATES, fastp_json


def write_json(path, doc):
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return path


# --- qc -------------------------------------------------------------------------------------------


def qc_outputs(tmp_path):
    """One QC document per sample status, from fastp, flagstat, locus depths or a VCF's summary."""
    settings = {"gates": {**GATES, "mapped_rate": {"warn_below": 0.95, "fail_below": 0.90},
                          "loci_covered_rate": {"warn_below": 0.95, "fail_below": 0.80}},
                "min_locus_depth": 20}
    good = fastp_json(tmp_path / "good.json", reads=40000, q30_bases=950_000, bases=1_000_000)
    flagstat = write_json(tmp_path / "flagstat.json", {"QC-passed reads": {
        "total": 40000, "primary": 40000, "mapped": 39800, "primary mapped": 39800, "duplicates": 2000,
        "primary duplicates": 2000}})
    loci = tmp_path / "loci.regions.bed"
    loci.write_text("chr1\t99\t100\tA\t30.00\nchr1\t199\t200\tB\t25.00\n")
    norm = write_json(tmp_path / "norm.json", {"records_out": 41})
    return {
        "pass": sample_qc("S1", settings, fastp=[good], flagstat=flagstat, loci=loci),
        "warn": sample_qc("S2", settings, fastp=[fastp_json(tmp_path / "w.json", 40000, 800_000, 1_000_000)]),
        "fail": sample_qc("S3", settings, fastp=[fastp_json(tmp_path / "f.json", 4000, 500_000, 600_000)]),
        "not_assessed": sample_qc("S4", settings, norm=norm),
    }


def test_qc_outputs_of_every_status_follow_the_contract(tmp_path):
    docs = qc_outputs(tmp_path)
    assert {status: doc["status"] for status, doc in docs.items()} == {s: s for s in docs}
    for status, doc in docs.items():
        assert load_stage("qc", write_json(tmp_path / f"{status}.qc.json", doc)) == doc


def test_a_broken_qc_document_is_rejected_with_the_file_contract_and_field():
    doc = {"sample": "S1", "status": "maybe", "metrics": {"vcf_records": 3}, "gates": [], "failed_gates": [],
           "warned_gates": []}
    with pytest.raises(InputError) as e:
        validate_stage("qc", doc, "results/P1/qc/S1.qc.json")
    assert str(e.value) == (
        "results/P1/qc/S1.qc.json: not a valid qc stage output (workflow/schemas/qc.schema.json): "
        "status: 'maybe' is not one of ['pass', 'warn', 'fail', 'not_assessed']")


def test_a_status_that_contradicts_the_gates_is_rejected(tmp_path):
    doc = qc_outputs(tmp_path)["fail"]
    doc["status"] = "pass"  # a failed gate cannot leave the sample passing
    with pytest.raises(InputError, match=r"failed_gates: \['reads_after_filtering'\] is expected to be empty"):
        validate_stage("qc", doc, "S3.qc.json")


# --- norm -----------------------------------------------------------------------------------------


def test_normalization_summary_follows_the_contract(tmp_path):
    rng = random.Random(11)
    seq = "".join(rng.choice("ACGT") for _ in range(2000))
    fa = tmp_path / "ref.fa"
    fa.write_text(f">chr10\n{seq}\n")
    pysam.faidx(str(fa))
    records = [
        f"10\t100\t.\t{seq[99]}\t{'A' if seq[99] != 'A' else 'C'}\t50\tPASS\t.\tGT\t0/1",
        f"10\t500\t.\t{seq[499]}\t{'G' if seq[499] != 'G' else 'T'},{'T' if seq[499] != 'T' else 'C'}\t50\tPASS\t.\tGT\t1/2",
        "chrUn_x\t10\t.\tA\tG\t50\tPASS\t.\tGT\t0/1",
    ]
    vcf = write_vcf(tmp_path / "in.vcf", records, samples=("P1_DNA",), contigs=(("10", 2000), ("chrUn_x", 100)))
    summary = tmp_path / "P1-dna.norm.json"
    normalize_vcf(vcf, "P1-dna", None, fa, tmp_path / "P1-dna.vcf.gz", summary)
    doc = load_stage("norm", summary)
    assert (doc["records_in"], doc["records_out"], doc["other_contigs"]) == (3, 3, {"chrUn_x": 1})
    assert doc["contig_renames"] == {"10": "chr10"}


def test_more_than_five_problems_are_counted_not_listed():
    with pytest.raises(InputError) as e:
        validate_stage("norm", {}, "S1.norm.json")
    assert str(e.value) == (
        "S1.norm.json: not a valid norm stage output (workflow/schemas/norm.schema.json): "
        "top level: 'contig_renames' is a required property; top level: 'gvcf_reference_blocks' is a required "
        "property; top level: 'gvcf_sites_from_blocks' is a required property; top level: 'other_contigs' is a "
        "required property; top level: 'records_checked' is a required property; and 8 more")


# --- pgx ------------------------------------------------------------------------------------------


def genes_vcf(path, haplotypes):
    """One VCF over several genes: {gene: (hap1, hap2)} as in `gene_vcf`, reference where not given."""
    records, contigs = [], []
    for gene, (hap1, hap2) in haplotypes.items():
        g = GENES[gene]
        contigs.append((g.chrom, None))
        for p in sorted(g.positions, key=lambda p: p.pos):
            a1, a2 = hap1.get(p.pos, p.ref), hap2.get(p.pos, p.ref)
            alts = [a for a in dict.fromkeys([a1, a2]) if a != p.ref] or list(p.alts[:1])
            alleles = [p.ref, *alts]
            records.append((g.chrom, p.pos, p.ref, ",".join(alts), f"{alleles.index(a1)}/{alleles.index(a2)}"))
    return write_vcf(path, records, contigs=contigs)


def pgx_outputs(tmp_path):
    """PGx documents that between them hold every gene status, both sources and every drug status."""
    outside = tmp_path / "outside.tsv"
    outside.write_text("gene\tdiplotype\tmethod\tphenotype\nCYP2D6\t*1/*4\tlong-read assay\t\n"
                       "HLA-B\t*57:01 positive\tHLA typing\t\n")
    # TPMT c.460G>A + c.719A>G unphased: *1/*3A by the cis rule, tied with *3B/*3C.
    mixed = genes_vcf(tmp_path / "mixed.vcf.gz", {"TPMT": (TPMT_3B, TPMT_3C), "NUDT15": ({}, {}),
                                                   "CYP2C9": ({}, {})})
    return {
        "mixed": run_pgx(mixed, outside_calls=outside, genes=["CYP2C9", "CYP2D6", "NUDT15", "TPMT", "CACNA1S"]),
        "dpyd": run_pgx(gene_vcf(tmp_path, "DPYD", {DPYD_2A: "T", DPYD_2846: "A"}, {DPYD_13: "C"}), genes=["DPYD"]),
        "g6pd_male": run_pgx(gene_vcf(tmp_path, "G6PD", {G6PD_A: "C"}, {}), genes=["G6PD"], sex="male"),
        "slco1b1": run_pgx(gene_vcf(tmp_path, "SLCO1B1", {SLCO1B1_521: "C", 21172782: "C"}, {21176879: "A"}),
                           genes=["SLCO1B1"]),
    }


def test_pgx_outputs_follow_the_contract(tmp_path):
    docs = pgx_outputs(tmp_path)
    for name, doc in docs.items():
        assert load_stage("pgx", write_json(tmp_path / f"{name}.pgx.json", doc)) == doc
    genes = [g for d in docs.values() for g in d["pgx"]]
    drugs = [d for doc in docs.values() for d in doc["drugs"]]
    # The conditional parts of the contract were exercised by real results, not only the plain ones.
    assert {g["status"] for g in genes} == {"called", "ambiguous", "not_called", "not_assessed"}
    assert {g["source"] for g in genes} == {"vcf", "outside_call"}
    assert {g.get("call_method") for g in genes} >= {"DPYD lowest-activity variants", "rs4149056 genotype"}
    assert {d["status"] for d in drugs} == {"actionable", "standard", "not_assessed", "indeterminate"}
    assert {d["source"] for d in drugs} == {"CPIC guideline", "FDA drug label"}
    assert any(d.get("alternative_actions") for d in drugs)
    assert any(isinstance(d["dose_factor"], list) for d in drugs)


def test_an_outside_call_with_engine_only_fields_is_rejected(tmp_path):
    doc = copy.deepcopy(pgx_outputs(tmp_path)["mixed"])
    (hla,) = [g for g in doc["pgx"] if g["gene"] == "HLA-B"]
    hla["tie"] = {"diplotypes": [], "count": 2, "resolved_by": "cis", "leading": []}
    i = doc["pgx"].index(hla)
    with pytest.raises(InputError, match=rf"pgx\[{i}\]\.tie: not expected here"):
        validate_stage("pgx", doc, "P1.pgx.json")


def test_an_undetermined_drug_with_an_action_is_rejected(tmp_path):
    doc = pgx_outputs(tmp_path)["g6pd_male"]
    doc["drugs"][0]["action"] = "avoid"
    with pytest.raises(InputError, match=r"drugs\[0\]\.action: 'undetermined' was expected"):
        validate_stage("pgx", doc, "P1.pgx.json")


# --- somatic --------------------------------------------------------------------------------------


def test_somatic_stage_output_follows_the_contract(tmp_path):
    header = ('##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">\n'
              '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">')
    records = [
        "chr7\t140753250\t.\tG\tA\t50\tPASS\t.\tGT:AF:DP\t0/1:0.25:100",  # BRAF intronic, AF only
        "chr7\t140753274\t.\tC\tG,T\t50\tPASS\t.\tGT\t1/2",  # no AD, AF or DP: vaf and depth unknown
        "chr7\t140753300\t.\tT\tG\t50\tLowQual\t.\tGT:DP\t0/1:80",  # filtered: not reported
        "chr7\t140753336\t.\tA\tT\t50\tPASS\t.\tGT:AD:DP\t0/1:170,66:236",  # BRAF p.V600E
    ]
    vcf = write_vcf(tmp_path / "T.vcf", records, samples=("P1-T",), extra_header=header, contigs=(("chr7", 159345973),))
    doc = run_somatic(vcf, "P1-T", "MEL", DEMO_REFERENCE, TRANSCRIPT_MODELS, ONCOLOGY_KB, HOTSPOTS, TmbSettings())
    assert load_stage("somatic", write_json(tmp_path / "P1-T.json", doc)) == doc
    assert [(v["pos"], v["gene"], v["vaf"], v["vaf_source"], v["tier"]) for v in doc["somatic"]] == [
        (140753336, "BRAF", 0.2797, "FORMAT/AD", "I"),
        # splice donor: matches BRAF gene-level "mutation" evidence only, not a hotspot -> Tier II
        (140753274, "BRAF", None, "none", "II"), (140753274, "BRAF", None, "none", "II")]
    # the intronic record (VAF from FORMAT/AF only) is counted, not listed
    assert doc["other_variants"]["by_consequence"] == {"intron_variant": 1}
    doc["somatic"][0]["tier"] = "IV"  # AMP Tier IV (benign) is never claimed
    with pytest.raises(InputError, match=r"somatic\[0\]\.tier: 'IV' is not one of"):
        validate_stage("somatic", doc, "P1-T.json")


def test_the_fast_check_rejects_what_jsonschema_rejects(tmp_path):
    """validate_stage trusts fastjsonschema's pass: it must reject every kind of break jsonschema does
    (enum, type, required, closed objects, $ref'd definitions, if/then, `absent` keys)."""
    from genotailor.core.contracts import _fast_check, _validator

    pgx = pgx_outputs(tmp_path)
    breaks = [
        ("qc", qc_outputs(tmp_path)["pass"], lambda d: d.update(status="great")),
        ("qc", qc_outputs(tmp_path)["pass"], lambda d: d.pop("metrics")),
        ("pgx", pgx["g6pd_male"], lambda d: d["drugs"][0].update(action="avoid")),
        ("pgx", pgx["mixed"], lambda d: [g.update(tie={"diplotypes": [], "count": 2, "resolved_by": "cis",
                                                         "leading": []}) for g in d["pgx"] if g["gene"] == "HLA-B"]),
        ("pgx", pgx["mixed"], lambda d: d["pgx"][0].update(unexpected=1)),
        ("pgx", pgx["mixed"], lambda d: d["drugs"][0].update(dose_factor=-1)),
    ]
    for kind, doc, brk in breaks:
        doc = copy.deepcopy(doc)
        assert list(_validator(kind).iter_errors(doc)) == []
        _fast_check(kind)(doc)
        brk(doc)
        assert list(_validator(kind).iter_errors(doc)), kind
        with pytest.raises(Exception, match="must"):
            _fast_check(kind)(doc)


# --- reading --------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b'{"sample": "S1", "status":', b"\xff\xfe not text"])
def test_a_file_that_is_not_json_is_rejected_by_name(tmp_path, content):
    path = tmp_path / "S1.qc.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as e:
        load_stage("qc", path)
    assert str(e.value).startswith(f"{path}: not JSON (")
    assert "expected the qc stage output" in str(e.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="cannot read the somatic stage output"):
        load_stage("somatic", tmp_path / "absent.json")


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="stage kind must be one of qc, norm, pgx, somatic"):
        validate_stage("report", {}, "x.json")


def test_every_stage_schema_is_a_valid_json_schema():
    """validate_stage builds jsonschema's validator (and its meta-schema check) only for a rejected
    document, so the schemas themselves are checked here."""
    import jsonschema

    from genotailor.core.contracts import KINDS, schema_path

    for kind in KINDS:
        jsonschema.Draft202012Validator.check_schema(json.loads(schema_path(kind).read_text()))
