"""Drug recommendations when the genotype fits more than one diplotype (the cis rule, TPMT *3A)."""

from test_pgx_genes import TPMT_3B, TPMT_3C, gene_vcf

from genotailor.pgx.cli import call_gene, run_pgx
from genotailor.pgx.recommendations import recommend


def _drug(out, name):
    return next(d for d in out["drugs"] if d["drug"] == name)


def _thiopurines(tmp_path, **kw):
    """TPMT *3B + *3C variants (as given) with NUDT15 reference, through the engine and the rules."""
    tpmt = call_gene("TPMT", gene_vcf(tmp_path, "TPMT", {**TPMT_3B, **TPMT_3C}, {}, **kw), None, None)
    nudt15 = call_gene("NUDT15", gene_vcf(tmp_path, "NUDT15", {}, {}), None, None)
    return tpmt, {"drugs": recommend([tpmt, nudt15])}


def test_unphased_tpmt_3a_follows_the_documented_haplotype_and_names_the_other_reading(tmp_path):
    # c.460G>A and c.719A>G heterozygous, unphased: *1/*3A (both on the *3A haplotype) or *3B/*3C.
    tpmt, out = _thiopurines(tmp_path)
    assert (tpmt["diplotype"], tpmt["status"], tpmt["tie"]["resolved_by"]) == ("*1/*3A", "ambiguous", "cis")
    aza = _drug(out, "azathioprine")
    # The recommendation is that of *1/*3A (TPMT intermediate metabolizer), not "indeterminate" ...
    assert (aza["status"], aza["action"], aza["dose_factor"], aza["strength"]) == (
        "actionable", "reduce_dose", [0.3, 0.8], "strong")
    assert aza["phenotypes"]["TPMT"] == "Intermediate Metabolizer"
    # ... and the split reading, with what it would mean, is part of the result.
    assert aza["alternative_actions"] == [{
        "gene": "TPMT", "diplotype": "*3B/*3C", "phenotype": "Poor Metabolizer", "action": "consider_alternative",
        "dose_factor": 0.1, "strength": "strong"}]
    assert aza["reason"] == (
        "given for the leading diplotype (observed variants together on one documented haplotype); the genotypes "
        "also fit TPMT *3B/*3C (Poor Metabolizer) would mean consider alternative (dose factor 0.1) (variants on "
        "different chromosomes): phased genotypes or family testing would exclude it")


def test_phased_tpmt_3a_has_no_other_reading(tmp_path):
    tpmt, out = _thiopurines(tmp_path, phased=True, ps=3)
    assert (tpmt["diplotype"], tpmt["status"]) == ("*1/*3A", "called")
    aza = _drug(out, "azathioprine")
    assert (aza["status"], aza["action"], aza["dose_factor"]) == ("actionable", "reduce_dose", [0.3, 0.8])
    assert "alternative_actions" not in aza and "reason" not in aza


def test_a_tie_left_to_name_order_keeps_every_reading(tmp_path):
    # CYP2C19 without rs3758581 (the *1-defining position): *1 and *38 cannot be told apart and no
    # cis rule decides, so every tied diplotype is weighed (they agree here: clopidogrel is given).
    from genotailor.pgx.definitions import load_gene

    rs3758581 = 94842866
    star2 = {94775367: "G", 94781859: "A", rs3758581: "G"}
    vcf = gene_vcf(tmp_path, "CYP2C19", star2, {}, skip={rs3758581})  # other haplotype: *1 or *38
    out = run_pgx(vcf, genes=["CYP2C19"])
    g = out["pgx"][0]
    assert g["status"] == "ambiguous" and g["tie"]["resolved_by"] == "name order"
    assert set(g["tie"]["leading"]) == set(g["tie"]["diplotypes"])
    clop = _drug(out, "clopidogrel")
    assert (clop["action"], clop["reason"]) == (
        "use_alternative", "CYP2C19 call is ambiguous; all alternatives lead to the same action")
    assert "alternative_actions" not in clop
    assert load_gene("CYP2C19").positions  # the KB in use has the position we skipped
