"""Drug recommendations when the genotype fits more than one diplotype (the cis rule, TPMT *3A)."""

from genotailor.pgx.recommendations import recommend
from genotailor.pgx.run import call_gene, run_pgx
from test_pgx_genes import TPMT_3B, TPMT_3C, gene_vcf


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
    # The gene result says which recommendations its other reading would change.
    assert tpmt["alternatives_change_recommendations"] == []  # set when the drugs are attached
    from genotailor.pgx.recommendations import attach_to_genes

    attach_to_genes([tpmt], out["drugs"])
    assert tpmt["alternatives_change_recommendations"] == ["azathioprine", "mercaptopurine", "thioguanine"]
    assert aza["reason"] == (
        "given for the leading diplotype (the observed variants together on one documented haplotype); the "
        "genotypes also fit TPMT *3B/*3C (Poor Metabolizer: consider an alternative drug, if used at 10% of the usual "
        "dose), with the variants on different chromosomes, which phased genotypes or family testing would rule out")


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
    assert g["alternatives_change_recommendations"] == []
    assert load_gene("CYP2C19").positions  # the KB in use has the position we skipped


# --- what the cis exception must not do -------------------------------------------------------

def _engine_result(gene_name, a, b):
    """The engine's result for two named alleles rendered as unphased genotypes."""
    from genotailor.dev.accuracy import _Renderer
    from genotailor.pgx.definitions import cached_gene
    from genotailor.pgx.matcher import gene_index
    from genotailor.pgx.rules import interpret

    gene = cached_gene(gene_name)
    ix = gene_index(gene)
    hap = {n: ix.render(i) for i, n in enumerate(ix.names)}
    return interpret(gene, _Renderer(gene).calls(hap[a], hap[b], False), "unknown", detail=False)


def _warfarin(results):
    return next(d for d in recommend(results) if d["drug"] == "warfarin")


def test_warfarin_still_needs_one_genotype_when_the_cis_rule_picked_the_cyp2c9_call():
    cyp2c9 = _engine_result("CYP2C9", "*1", "*36")  # ties with *5/*36 (variants split), cis first
    assert cyp2c9["status"] == "ambiguous" and cyp2c9["tie"]["resolved_by"] == "cis"
    vkorc1 = _engine_result("VKORC1", "rs9923231 reference (C)", "rs9923231 reference (C)")
    cyp4f2 = _engine_result("CYP4F2", "*1", "*1")
    w = _warfarin([cyp2c9, vkorc1, cyp4f2])
    assert (w["status"], w["reason"]) == (
        "indeterminate", "CYP2C9 call is ambiguous; the dosing algorithm needs a single genotype")


def test_the_cis_exception_is_only_the_documented_tpmt_reading():
    # CYP2B6 *1/*13 (cis) ties with *6/*8 (split) and the two differ in phenotype: no guideline
    # reads that genotype one way, so efavirenz weighs both (both lower the dose, by different
    # amounts: no dose factor is given).
    cyp2b6 = _engine_result("CYP2B6", "*1", "*13")
    assert cyp2b6["tie"]["resolved_by"] == "cis"
    efavirenz = next(d for d in recommend([cyp2b6]) if d["drug"] == "efavirenz")
    assert (efavirenz["status"], efavirenz["action"], efavirenz["dose_factor"]) == ("actionable", "reduce_dose", None)
    assert efavirenz["phenotypes"] == {"CYP2B6": "Intermediate Metabolizer or Poor Metabolizer"}
    assert efavirenz["reason"] == ("CYP2B6 call is ambiguous; all alternatives lead to the same action; the "
                                   "alternatives differ in dose, so no dose factor is given")
    assert "alternative_actions" not in efavirenz


def test_a_cyp4f2_star4_carrier_gets_the_rs2108622_adjustment():
    cyp2c9 = _engine_result("CYP2C9", "*1", "*1")
    vkorc1 = _engine_result("VKORC1", "rs9923231 reference (C)", "rs9923231 reference (C)")
    for other in ("*3", "*4", "*22"):
        cyp4f2 = _engine_result("CYP4F2", "*1", other)
        w = _warfarin([cyp2c9, vkorc1, cyp4f2])
        assert "rs2108622 T" in w["note"], (other, cyp4f2["diplotype"], w["note"])
