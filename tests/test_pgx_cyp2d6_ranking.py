"""CYP2D6 star alleles from SNV genotypes: IUPAC codes in definitions and untested positions.

Genotypes are built here from PharmVar's CYP2D6 definitions (GRCh38 positions of the dbSNP
variants; the gene is on the minus strand), never through the engine:

- *2: rs16947 c.886C>T (R296C, g.42127941G>A) and rs1135840 c.1457G>C (S486T, g.42126611C>G),
  the core; *2.001 also carries rs1058164 (g.42129130C>G).
- *4: rs3892097 c.506-1G>A (splice defect, g.42128945C>T), the core; *4.001 also carries
  rs1065852 c.100C>T (P34S, g.42130692G>A).
- *34: rs16947 (R296C) only. *7: rs5030867 (g.42127856T>G) only. *10: rs1065852 and rs1135840.

The compiled definitions follow PharmCAT: *1 allows either base (IUPAC R, S) at 42128813 and
42129130, *4 at twenty positions besides rs3892097. An ambiguity code means "either base": it
must never count against an allele. Activity values and phenotypes are CPIC's (*1, *2, *34,
*39: 1; *10: 0.25; *4, *7: 0; 0.25 <= score <= 1 Intermediate Metabolizer).
"""

import pytest

from genotailor.pgx.definitions import load_gene
from genotailor.pgx.run import call_gene
from test_pgx_genes import gene_vcf  # unphased genotypes at every defining position but `skip`

CYP2D6 = load_gene("CYP2D6")

RS16947, RS1135840, RS1058164 = 42127941, 42126611, 42129130
RS3892097, RS1065852 = 42128945, 42130692
RS5030867 = 42127856  # *7
RS150163869 = 42128813  # IUPAC R in *1's definition

STAR2 = {RS16947: "A", RS1135840: "G", RS1058164: "G"}  # *2.001
STAR4_CORE = {RS3892097: "T"}
STAR4_P34S = {RS3892097: "T", RS1065852: "A"}


def candidates(r):
    return [r["diplotype"]] + [a["diplotype"] for a in r["alternatives"]]


def test_definitions_carry_the_iupac_codes_these_tests_are_about():
    star1 = CYP2D6.reference_allele
    assert (star1.name, star1.definition[RS150163869], star1.definition[RS1058164]) == ("*1", "R", "S")
    assert CYP2D6.allele("*7").definition == {RS5030867: "G"}
    assert CYP2D6.allele("*4").definition[RS3892097] == "T"
    assert CYP2D6.allele("*4").definition[RS16947] == "R"  # *4 allows R296C: it can absorb *2's variant


@pytest.mark.parametrize("untested", [
    (RS5030867,),
    (RS150163869, RS1058164, RS5030867)],
                         ids=["iupac-sites-genotyped", "iupac-sites-untested"])
def test_star1_star1_with_untested_positions_never_becomes_a_non_reference_call(tmp_path, untested):
    # A *1/*1 sample whose only *7 position (and possibly the two IUPAC-coded *1 positions) has no
    # genotype: stretches identical to CYP2D7 lose their uniquely placed reads.
    vcf = gene_vcf(tmp_path, "CYP2D6", {}, {}, skip=set(untested))
    r = call_gene("CYP2D6", vcf, None, None)
    assert r["diplotype"] == "*1/*1"
    assert sorted(m["position"] for m in r["missing_positions"]) == sorted(untested)
    # the untested *7 position leaves *7 possible: said, not called
    assert r["status"] == "ambiguous" and {"*1/*7", "*7/*7"} <= set(candidates(r))
    assert r["tie"]["resolved_by"] == "untested positions" and r["phenotype"] is None
    assert candidates(r).index("*1/*1") < candidates(r).index("*1/*7") < candidates(r).index("*7/*7")


def test_star1_star1_fully_genotyped_is_called_with_its_phenotype(tmp_path):
    r = call_gene("CYP2D6", gene_vcf(tmp_path, "CYP2D6", {}, {}), None, None)
    assert (r["status"], r["diplotype"], r["activity_score"], r["phenotype"]) == (
        "called", "*1/*1", "2.0", "Normal Metabolizer")


def test_star2_star4_core_is_called_star2_star4(tmp_path):
    r = call_gene("CYP2D6", gene_vcf(tmp_path, "CYP2D6", STAR2, STAR4_CORE), None, None)
    assert r["diplotype"] == "*2/*4"
    assert (r["activity_score"], r["phenotype"]) == ("1.0", "Intermediate Metabolizer")
    # *4's IUPAC codes also let *4 carry *2's variants (*1/*4, *4/*34): listed, never first
    assert candidates(r).index("*2/*4") < candidates(r).index("*4/*34")


def test_star2_star4_with_p34s_lists_every_reading(tmp_path):
    # *2 + *4.001-like (rs3892097 and rs1065852) gives the same unphased genotypes as *10 + a *4
    # carrying R296C (allowed by *4's IUPAC R), or *65 (P34S, R296C, S486T stated together) + *4
    # core: a tie, every reading listed, *4/*34 (R296C taken by *4's code) after *2/*4.
    r = call_gene("CYP2D6", gene_vcf(tmp_path, "CYP2D6", STAR2, STAR4_P34S), None, None)
    assert r["status"] == "ambiguous"
    assert {"*2/*4", "*4/*10", "*4/*65"} <= set(r["tie"]["diplotypes"])
    assert candidates(r).index("*2/*4") < candidates(r).index("*4/*34")
    # the readings with a CPIC activity value are all Intermediate (*2/*4 1.0, *4/*10 0.25)
    readings = {a["diplotype"]: a["phenotype"] for a in r["alternatives"]}
    assert (readings["*2/*4"], readings["*4/*10"]) == ("Intermediate Metabolizer", "Intermediate Metabolizer")
