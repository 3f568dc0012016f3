"""PGx calls for every gene: evidence handling, phase, ranking and the gene rules."""

import time

import pytest

from conftest import write_vcf
from genotailor.core.errors import InputError
from genotailor.pgx.definitions import load_gene
from genotailor.pgx.rules import CYP2D6_LIMITATION
from genotailor.pgx.run import CALLED_GENES, call_gene, run_pgx

GENES = {g: load_gene(g) for g in CALLED_GENES}

TPMT_3B = {18138997: "T"}  # c.460G>A
TPMT_3C = {18130687: "C"}  # c.719A>G
DPYD_2A = 97450058  # c.1905+1G>A, no function (C>T on the forward strand)
DPYD_13 = 97515787  # c.1679T>G, no function (A>C)
DPYD_2846 = 97082391  # c.2846A>T, decreased function (T>A)
DPYD_HAPB3 = {97573863: "T", 97579893: "C"}  # c.1236G>A + c.1129-5923C>G, decreased function
G6PD_A = 154535277  # c.376A>G (T>C), the "A" allele
G6PD_A_MINUS = {154535277: "C", 154536002: "T"}  # A- 202A_376G
UGT1A1_TA = 233760233  # CAT (TA6); CATAT = TA7 (*28); C = TA5 (*36)
SLCO1B1_521 = 21178615  # rs4149056 T>C


def gene_vcf(tmp_path, gene, hap1, hap2, skip=(), phased=False, ps=None, name=None, haploid=False):
    """A VCF with a record at every defining position of `gene` carrying two haplotypes
    ({pos: allele}, reference elsewhere); `haploid` writes one-allele genotypes from hap1."""
    g = GENES[gene]
    records = []
    for p in sorted(g.positions, key=lambda p: p.pos):
        if p.pos in skip:
            continue
        a1, a2 = hap1.get(p.pos, p.ref), hap2.get(p.pos, p.ref)
        alts = [a for a in dict.fromkeys([a1, a2]) if a != p.ref] or list(p.alts[:1])
        alleles = [p.ref, *alts]
        if haploid:
            gt = str(alleles.index(a1))
        else:
            gt = f"{alleles.index(a1)}{'|' if phased else '/'}{alleles.index(a2)}"
            if ps is not None:
                gt += f":{ps}"
        records.append((g.chrom, p.pos, p.ref, ",".join(alts), gt))
    return write_vcf(tmp_path / f"{name or gene}.vcf.gz", records, contigs=((g.chrom, None),))


def raw_gene_vcf(path, gene, records_at):
    """A VCF with a record at every defining position of `gene`: {pos: (ALT, sample field)} as
    given, homozygous reference elsewhere."""
    g = GENES[gene]
    records = [(g.chrom, p.pos, p.ref, *records_at.get(p.pos, (p.alts[0], "0/0")))
               for p in sorted(g.positions, key=lambda p: p.pos)]
    return write_vcf(path, records, contigs=((g.chrom, None),))


def candidates(r):
    return [r["diplotype"]] + [a["diplotype"] for a in r["alternatives"]]


# --- evidence -----------------------------------------------------------------------------------


def test_missing_position_is_listed_and_keeps_the_alternatives_it_allows(tmp_path):
    # Without *3B's position, a *3C carrier could also be *3A (*3B's and *3C's variants in cis).
    vcf = gene_vcf(tmp_path, "TPMT", {}, TPMT_3C, skip={18138997})
    r = call_gene("TPMT", vcf, None, None)
    assert [m["position"] for m in r["missing_positions"]] == [18138997]
    assert r["missing_positions"][0]["status"] == "absent"
    assert {"*1/*3C", "*1/*3A"} <= set(candidates(r))
    assert r["status"] == "ambiguous"  # equally supported: nothing confirms or excludes *3A


def test_not_covered_position_is_never_taken_as_reference(tmp_path):
    g = GENES["TPMT"]
    vcf = gene_vcf(tmp_path, "TPMT", {}, TPMT_3C, skip={18138997})
    depths = {(g.chrom, p.pos): 30.0 for p in g.positions}
    depths[(g.chrom, 18138997)] = 2.0
    r = call_gene("TPMT", vcf, None, depths)
    (m,) = r["missing_positions"]
    assert (m["position"], m["status"], m["depth"]) == (18138997, "not_covered", 2)
    assert "*1/*3A" in candidates(r)
    # The same position written as 0/0 (and covered) is a reference call and rules *3A out.
    depths[(g.chrom, 18138997)] = 30.0
    r = call_gene("TPMT", gene_vcf(tmp_path, "TPMT", {}, TPMT_3C, name="full"), None, depths)
    assert (r["diplotype"], r["status"], r["missing_positions"]) == ("*1/*3C", "called", [])


def test_phased_cis_variants_are_one_haplotype(tmp_path):
    both = {**TPMT_3B, **TPMT_3C}
    r = call_gene("TPMT", gene_vcf(tmp_path, "TPMT", both, {}, phased=True, ps=7), None, None)
    assert (r["diplotype"], r["status"], r["phenotype"]) == ("*1/*3A", "called", "Intermediate Metabolizer")
    assert r["alternatives"] == []


def test_phased_trans_variants_are_two_haplotypes(tmp_path):
    r = call_gene("TPMT", gene_vcf(tmp_path, "TPMT", TPMT_3B, TPMT_3C, phased=True, ps=7), None, None)
    assert (r["diplotype"], r["status"], r["phenotype"]) == ("*3B/*3C", "called", "Poor Metabolizer")


def test_unphased_cis_or_trans_is_a_reported_tie_resolved_by_the_cis_rule(tmp_path):
    r = call_gene("TPMT", gene_vcf(tmp_path, "TPMT", {**TPMT_3B, **TPMT_3C}, {}), None, None)
    # *1/*3A first: the two variants together on one named haplotype (cis), with its phenotype ...
    assert candidates(r) == ["*1/*3A", "*3B/*3C"]
    assert (r["diplotype"], r["phenotype"]) == ("*1/*3A", "Intermediate Metabolizer")
    # ... but the tie is stated: status, tie, the other phenotype and what would resolve it.
    assert r["status"] == "ambiguous" and r["alternatives_change_phenotype"] is True
    assert r["tie"] == {"diplotypes": ["*1/*3A", "*3B/*3C"], "count": 2, "resolved_by": "cis", "leading": ["*1/*3A"]}
    assert r["alternatives"][0] == {"diplotype": "*3B/*3C", "alleles": ["*3B", "*3C"], "phenotype": "Poor Metabolizer",
                                    "activity_score": None, "score": 2}
    note = r["notes"][-1]
    assert "*3B/*3C: Poor Metabolizer" in note and "phased genotypes" in note


def test_ties_ordered_by_untested_positions_give_no_headline_phenotype(tmp_path):
    # Only TPMT *3C's position is genotyped (heterozygous): any allele could be on the other
    # haplotype, and they share the cis value. *1/*3C needs no variant at an untested position,
    # so it is shown first, but that assumes untested positions are reference: no phenotype.
    g = GENES["TPMT"]
    records = [(g.chrom, 18130687, "T", "C", "0/1")]
    r = call_gene("TPMT", write_vcf(tmp_path / "one.vcf.gz", records, contigs=((g.chrom, None),)), None, None)
    assert r["status"] == "ambiguous" and r["tie"]["resolved_by"] == "untested positions"
    assert r["diplotype"] == "*1/*3C"
    assert r["phenotype"] is None
    assert r["reason"].endswith("imply different phenotypes; genotype the positions without a call to resolve")


def test_variants_in_different_phase_sets_are_not_phased_together(tmp_path):
    vcf = raw_gene_vcf(tmp_path / "ps.vcf.gz", "TPMT", {18138997: ("T", "1|0:100"), 18130687: ("C", "1|0:200")})
    r = call_gene("TPMT", vcf, None, None)
    assert candidates(r) == ["*1/*3A", "*3B/*3C"]


def test_haploid_genotype_for_an_autosomal_gene_is_not_used(tmp_path):
    vcf = gene_vcf(tmp_path, "TPMT", TPMT_3C, {}, haploid=True)
    r = call_gene("TPMT", vcf, None, None)
    assert r["status"] == "not_assessed"
    assert {m["status"] for m in r["missing_positions"]} == {"inconsistent"}


def test_spanning_deletion_inside_a_called_deletion_reads_as_reference(tmp_path):
    # G6PD 154546045 CATG>C deletes 154546046; a caller writes '*' there for that haplotype.
    g = GENES["G6PD"]
    deletion = next(a for a in g.alleles if a.definition.get(154546045) == "C")
    vcf = raw_gene_vcf(tmp_path / "span.vcf.gz", "G6PD", {154546045: ("C", "0/1"), 154546046: ("*", "0/1")})
    r = call_gene("G6PD", vcf, None, None, sex="female")
    assert set(r["alleles"]) == {"B (reference)", deletion.name}
    assert r["status"] == "called"
    inside = next(p for p in r["positions"] if p["position"] == 154546046)
    assert (inside["status"], inside["genotype"]) == ("called", f"{inside['ref']}/{inside['ref']}")


# --- ranking --------------------------------------------------------------------------------------


def test_cyp2c19_star1_star38_heterozygous(tmp_path):
    r = call_gene("CYP2C19", gene_vcf(tmp_path, "CYP2C19", {94842866: "G"}, {}), None, None)
    assert (r["diplotype"], r["status"], r["phenotype"]) == ("*1/*38", "called", "Normal Metabolizer")


def test_exact_definition_outranks_an_ambiguity_code_only_when_evidence_differs(tmp_path):
    # CYP2C19 *2 allows A or G at 94775507 (IUPAC R); *11 requires A. *1 + *2-with-A and
    # *2-with-G + *11 give identical genotypes: a tie, ordered by cis (all *2 variants together).
    star2_a = {94775367: "G", 94775507: "A", 94781859: "A", 94842866: "G"}
    r = call_gene("CYP2C19", gene_vcf(tmp_path, "CYP2C19", star2_a, {94842866: "G"}), None, None)
    assert r["diplotype"] == "*1/*2"
    assert "*2/*11" in candidates(r) and r["status"] == "ambiguous"


# --- UGT1A1 TA repeat -------------------------------------------------------------------------


def _ugt_records(ta_records):
    g = GENES["UGT1A1"]
    rows = [(g.chrom, p.pos, p.ref, p.alts[0], "0/0") for p in g.positions if p.pos != UGT1A1_TA]
    return sorted(rows + ta_records, key=lambda r: r[1])


def test_ugt1a1_star28_from_a_left_aligned_insertion(tmp_path):
    # bcftools-normalized TA insertion: C>CAT at 233760233, i.e. CAT>CATAT over the definition's span.
    records = _ugt_records([("chr2", UGT1A1_TA, "C", "CAT", "0/1")])
    r = call_gene("UGT1A1", write_vcf(tmp_path / "ugt.vcf.gz", records, contigs=(("chr2", None),)), None, None)
    assert (r["diplotype"], r["status"], r["phenotype"]) == ("*1/*28", "called", "Intermediate Metabolizer")


def test_ugt1a1_star28_homozygous_from_insertion(tmp_path):
    records = _ugt_records([("chr2", UGT1A1_TA, "C", "CAT", "1/1")])
    r = call_gene("UGT1A1", write_vcf(tmp_path / "ugt.vcf.gz", records, contigs=(("chr2", None),)), None, None)
    assert (r["diplotype"], r["phenotype"]) == ("*28/*28", "Poor Metabolizer")


def test_ugt1a1_star28_star36_from_split_multiallelic_records(tmp_path):
    # CAT>C,CATAT (TA5/TA7) split into two records at the same position.
    records = _ugt_records([("chr2", UGT1A1_TA, "CAT", "C", "1/0"), ("chr2", UGT1A1_TA, "CAT", "CATAT", "0/1")])
    r = call_gene("UGT1A1", write_vcf(tmp_path / "ugt.vcf.gz", records, contigs=(("chr2", None),)), None, None)
    assert (r["diplotype"], r["status"]) == ("*28/*36", "called")
    assert r["positions"][1]["genotype"] == "C/CATAT"


def test_ugt1a1_star80_with_star28_unphased_is_a_cis_tie(tmp_path):
    records = _ugt_records([("chr2", UGT1A1_TA, "C", "CAT", "0/1")])
    records = [(c, p, ref, alt, "0/1" if p == 233759924 else gt) for c, p, ref, alt, gt in records]
    r = call_gene("UGT1A1", write_vcf(tmp_path / "ugt.vcf.gz", records, contigs=(("chr2", None),)), None, None)
    assert candidates(r)[:2] == ["*1/*80+*28", "*28/*80"]
    assert r["tie"]["resolved_by"] == "cis"


# --- DPYD -------------------------------------------------------------------------------------------


def test_dpyd_two_variants_are_an_ordinary_diplotype(tmp_path):
    r = call_gene("DPYD", gene_vcf(tmp_path, "DPYD", {DPYD_2A: "T"}, {DPYD_2846: "A"}), None, None)
    assert (r["diplotype"], r["activity_score"], r["phenotype"]) == (
        "c.1905+1G>A (*2A)/c.2846A>T", "0.5", "Poor Metabolizer")


def test_dpyd_unphased_three_variants_take_the_two_lowest_activity(tmp_path):
    # *2A (0) and *13 (0) and c.2846A>T (0.5), unphased: the two no-function alleles decide.
    hap1 = {DPYD_2A: "T", DPYD_2846: "A"}
    hap2 = {DPYD_13: "C"}
    r = call_gene("DPYD", gene_vcf(tmp_path, "DPYD", hap1, hap2), None, None)
    assert (r["status"], r["diplotype"]) == ("called", "c.1679T>G (*13)/c.1905+1G>A (*2A)")
    assert (r["activity_score"], r["phenotype"]) == ("0.0", "Poor Metabolizer")
    assert r["call_method"] == "DPYD lowest-activity variants"
    assert [v["allele"] for v in r["variant_alleles"]] == ["c.1679T>G (*13)", "c.1905+1G>A (*2A)", "c.2846A>T"]


def test_dpyd_unphased_homozygous_plus_heterozygous(tmp_path):
    hap = {DPYD_2846: "A"}
    r = call_gene("DPYD", gene_vcf(tmp_path, "DPYD", {**hap, **DPYD_HAPB3}, hap), None, None)
    # Three decreased-function copies (0.5 each): the two lowest give 1.0.
    assert r["activity_score"] == "1.0" and r["phenotype"] == "Intermediate Metabolizer"


def test_dpyd_phased_lowest_activity_variant_per_haplotype(tmp_path):
    # In cis on one haplotype: *2A and c.2846A>T; the other haplotype is reference.
    vcf = gene_vcf(tmp_path, "DPYD", {DPYD_2A: "T", DPYD_2846: "A"}, {}, phased=True, ps=3)
    r = call_gene("DPYD", vcf, None, None)
    assert (r["diplotype"], r["activity_score"], r["phenotype"]) == (
        "Reference/c.1905+1G>A (*2A)", "1.0", "Intermediate Metabolizer")


# --- SLCO1B1 ----------------------------------------------------------------------------------------


def test_slco1b1_star_diplotype_when_one_matches(tmp_path):
    r = call_gene("SLCO1B1", gene_vcf(tmp_path, "SLCO1B1", {SLCO1B1_521: "C"}, {}), None, None)
    assert (r["diplotype"], r["phenotype"]) == ("*1/*5", "Decreased Function")
    assert "call_method" not in r


def test_slco1b1_falls_back_to_rs4149056_when_no_star_diplotype_matches(tmp_path):
    # *5 (rs4149056 C), *2 and *4 variants, unphased: three haplotypes' worth, no pair fits.
    vcf = gene_vcf(tmp_path, "SLCO1B1", {SLCO1B1_521: "C", 21172782: "C"}, {21176879: "A"})
    r = call_gene("SLCO1B1", vcf, None, None)
    assert (r["status"], r["diplotype"], r["phenotype"]) == ("called", "rs4149056 T/C", "Decreased Function")
    assert r["call_method"] == "rs4149056 genotype"
    assert any("rs4149056" in n and "no star-allele diplotype matched" in n for n in r["notes"])


def test_slco1b1_fallback_homozygous_is_poor_function(tmp_path):
    vcf = gene_vcf(tmp_path, "SLCO1B1", {SLCO1B1_521: "C", 21172782: "C"}, {SLCO1B1_521: "C", 21176879: "A"})
    r = call_gene("SLCO1B1", vcf, None, None)
    assert (r["diplotype"], r["phenotype"]) == ("rs4149056 C/C", "Poor Function")


# --- G6PD -------------------------------------------------------------------------------------------


def test_g6pd_male_is_hemizygous(tmp_path):
    # A hemizygous variant from a diploid caller: 1/1.
    vcf = gene_vcf(tmp_path, "G6PD", G6PD_A_MINUS, G6PD_A_MINUS)
    r = call_gene("G6PD", vcf, None, None, sex="male")
    assert (r["status"], r["diplotype"], r["alleles"], r["zygosity"]) == (
        "called", "A- 202A_376G", ["A- 202A_376G"], "hemizygous")


def test_g6pd_male_haploid_genotypes(tmp_path):
    vcf = gene_vcf(tmp_path, "G6PD", G6PD_A_MINUS, {}, haploid=True)
    r = call_gene("G6PD", vcf, None, None, sex="male")
    assert r["diplotype"] == "A- 202A_376G"


def test_g6pd_heterozygous_call_in_a_male_is_inconsistent(tmp_path):
    vcf = gene_vcf(tmp_path, "G6PD", {G6PD_A: "C"}, {})
    r = call_gene("G6PD", vcf, None, None, sex="male")
    assert (r["status"], r["diplotype"], r["phenotype"]) == ("not_called", None, None)
    assert "in a male" in r["reason"]
    (m,) = r["missing_positions"]
    assert (m["position"], m["status"]) == (G6PD_A, "inconsistent")


def test_g6pd_female_gets_a_diplotype(tmp_path):
    vcf = gene_vcf(tmp_path, "G6PD", G6PD_A_MINUS, {})
    r = call_gene("G6PD", vcf, None, None, sex="female")
    # Unphased, A- (202A and 376G in cis) over B, or A (376G) over Asahi (202A): cis first.
    assert candidates(r) == ["A- 202A_376G/B (reference)", "A/Asahi"]
    assert (r["status"], r["tie"]["resolved_by"]) == ("ambiguous", "cis")
    assert "zygosity" not in r
    # One normal and one deficient allele either way: CPIC's Variable, whichever is true.
    assert (r["phenotype"], r["alternatives_change_phenotype"]) == ("Variable", False)


def test_g6pd_unknown_sex_is_a_diplotype_with_a_note(tmp_path):
    r = call_gene("G6PD", gene_vcf(tmp_path, "G6PD", G6PD_A_MINUS, {}), None, None)
    assert r["diplotype"] == "A- 202A_376G/B (reference)"
    assert any(n.startswith("sex not given") for n in r["notes"])
    # Haploid genotypes with unknown sex read as hemizygous.
    r = call_gene("G6PD", gene_vcf(tmp_path, "G6PD", G6PD_A_MINUS, {}, haploid=True, name="hap"), None, None)
    assert (r["diplotype"], r["zygosity"]) == ("A- 202A_376G", "hemizygous")


def test_g6pd_haploid_genotypes_in_a_female_are_inconsistent(tmp_path):
    r = call_gene("G6PD", gene_vcf(tmp_path, "G6PD", G6PD_A_MINUS, {}, haploid=True), None, None, sex="female")
    assert r["status"] == "not_called" and "in a female" in r["reason"]


# --- undocumented variants ----------------------------------------------------------------------


def test_undocumented_allele_at_a_known_position_is_reported_not_forced(tmp_path):
    # TPMT 18138997: *3B's C>T is documented; C>A is carried by no named allele.
    r = call_gene("TPMT", gene_vcf(tmp_path, "TPMT", {18138997: "A"}, {}), None, None)
    assert (r["status"], r["diplotype"], r["phenotype"], r["alternatives"]) == ("not_called", None, None, [])
    assert r["observed_variants"] == [{"position": 18138997, "rsid": "rs1800460", "ref": "C", "genotype": "A/C",
                                       "alleles": ["A"], "documented": False}]
    assert "no named allele carries" in r["reason"] and "18138997 C>A" in r["reason"]


def test_genotypes_matching_no_pair_are_reported_with_the_variants(tmp_path):
    # *3B and *3C variants each with *2's variant (homozygous), unphased: no pair of named alleles.
    r = call_gene("TPMT", gene_vcf(tmp_path, "TPMT", {**TPMT_3B, 18143724: "G"}, {**TPMT_3C, 18143724: "G"},
                                   name="none"), None, None)
    assert (r["status"], r["diplotype"]) == ("not_called", None)
    assert r["reason"] == "the observed genotypes match no pair of defined alleles"
    assert [v["position"] for v in r["observed_variants"]] == [18130687, 18138997, 18143724]
    assert all(v["documented"] for v in r["observed_variants"])


# --- outside calls, CYP2D6, all genes -------------------------------------------------------------


def test_outside_call_overrides_the_vcf_and_gets_the_knowledge_base_phenotype(tmp_path):
    tsv = tmp_path / "outside.tsv"
    tsv.write_text("gene\tdiplotype\tmethod\tphenotype\nTPMT\t*1/*3A\tlab assay\t\n")
    out = run_pgx(gene_vcf(tmp_path, "TPMT", TPMT_3C, {}), outside_calls=tsv, genes=["TPMT", "CYP2D6"])
    r = {g["gene"]: g for g in out["pgx"]}["TPMT"]
    assert (r["source"], r["diplotype"], r["phenotype"], r["method"]) == (
        "outside_call", "*1/*3A", "Intermediate Metabolizer", "lab assay")
    assert r["notes"] == ["phenotype of the outside diplotype from the knowledge base"]


def test_cyp2d6_carries_its_limitation_in_every_result(tmp_path):
    called = call_gene("CYP2D6", gene_vcf(tmp_path, "CYP2D6", {}, {}), None, None)
    absent = call_gene("CYP2D6", gene_vcf(tmp_path, "TPMT", {}, {}), None, None)
    assert called["status"] in ("called", "ambiguous") and absent["status"] == "not_assessed"
    for r in (called, absent):
        assert r["limitations"] == [CYP2D6_LIMITATION]
        assert "copy number" in r["limitations"][0] and "*5" in r["limitations"][0] and "hybrid" in r["limitations"][0]


def test_every_gene_is_called_from_one_vcf_quickly(tmp_path):
    records, contigs = [], {}
    for g in GENES.values():
        contigs[g.chrom] = None
        for p in g.positions:
            records.append((g.chrom, p.pos, p.ref, p.alts[0], "0/0"))
    order = {c: i for i, c in enumerate(["chr1", "chr2", "chr4", "chr6", "chr7", "chr8", "chr10", "chr12", "chr13",
                                         "chr16", "chr19", "chr22", "chrX"])}
    records = sorted(set(records), key=lambda r: (order[r[0]], r[1], r[3]))
    seen, unique = set(), []
    for r in records:
        if (r[0], r[1]) not in seen:
            seen.add((r[0], r[1]))
            unique.append(r)
    vcf = write_vcf(tmp_path / "all.vcf.gz", unique, contigs=[(c, None) for c in sorted(contigs, key=order.get)])
    t0 = time.perf_counter()
    out = run_pgx(vcf, sex="female")
    seconds = time.perf_counter() - t0
    by_gene = {r["gene"]: r for r in out["pgx"]}
    assert sorted(by_gene) == sorted(CALLED_GENES) and len(CALLED_GENES) == 20
    assert all(r["status"] in ("called", "ambiguous") for r in by_gene.values())
    reference = {g: GENES[g].reference_allele.name for g in GENES}
    for g, r in by_gene.items():
        if g != "CYP2D6":  # *1 allows either base at two positions: several alleles fit
            assert r["alleles"] == [reference[g], reference[g]], g
    assert seconds < 2.0, seconds


def test_run_pgx_rejects_an_unknown_sex(tmp_path):
    with pytest.raises(InputError, match="sex"):
        run_pgx(gene_vcf(tmp_path, "TPMT", {}, {}), genes=["TPMT"], sex="M")


def test_unknown_sample_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no sample 'X'"):
        call_gene("TPMT", gene_vcf(tmp_path, "TPMT", {}, {}), "X", None)
