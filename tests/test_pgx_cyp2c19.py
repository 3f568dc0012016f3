"""CYP2C19 calls from VCF: diplotype, phenotype, and honest handling of missing evidence."""

from conftest import write_vcf
from genotailor.pgx.definitions import load_gene
from genotailor.pgx.run import call_gene, run_pgx

GENE = load_gene("CYP2C19")
STAR2 = {94775367: "G", 94781859: "A", 94842866: "G"}
STAR17 = {94761900: "T", 94842866: "G"}


def vcf_of(tmp_path, hap1, hap2, skip=(), phased=False, ps=None):
    """A VCF with a record at every CYP2C19 defining position: alleles of two haplotypes."""
    records = []
    for p in GENE.positions:
        if p.pos in skip:
            continue
        a1, a2 = hap1.get(p.pos, p.ref), hap2.get(p.pos, p.ref)
        alts = [a for a in dict.fromkeys([a1, a2]) if a != p.ref] or list(p.alts[:1])
        alleles = [p.ref, *alts]
        sep = "|" if phased else "/"
        gt = f"{alleles.index(a1)}{sep}{alleles.index(a2)}"
        if ps is not None:
            gt += f":{ps}"
        records.append(("chr10", p.pos, p.ref, ",".join(alts), gt))
    return write_vcf(tmp_path / "cyp2c19.vcf.gz", records)


def test_star2_star17_is_called_as_intermediate_metabolizer(tmp_path):
    r = call_gene("CYP2C19", vcf_of(tmp_path, STAR2, STAR17), None, None)
    assert (r["status"], r["diplotype"], r["phenotype"]) == ("called", "*2/*17", "Intermediate Metabolizer")
    assert r["alternatives"] == []
    assert r["missing_positions"] == []


def test_reference_sequence_is_star38_not_star1(tmp_path):
    r = call_gene("CYP2C19", vcf_of(tmp_path, {}, {}), None, None)
    assert r["diplotype"] == "*38/*38"


def test_rs3758581_g_on_both_haplotypes_makes_star1_star1(tmp_path):
    r = call_gene("CYP2C19", vcf_of(tmp_path, {94842866: "G"}, {94842866: "G"}), None, None)
    assert (r["diplotype"], r["phenotype"], r["status"]) == ("*1/*1", "Normal Metabolizer", "called")


def test_missing_defining_position_is_listed_and_alternatives_kept(tmp_path):
    # Without rs28399504 (*4's position) the *17 haplotype could also be *4.
    vcf = vcf_of(tmp_path, STAR2, STAR17, skip={94762706})
    r = call_gene("CYP2C19", vcf, None, None)
    assert [m["position"] for m in r["missing_positions"]] == [94762706]
    assert r["missing_positions"][0]["status"] == "absent"
    names = [r["diplotype"]] + [a["diplotype"] for a in r["alternatives"]]
    assert "*2/*17" in names and "*2/*4" in names
    assert r["alternatives_change_phenotype"] is True


def test_uncovered_position_is_not_covered_not_reference(tmp_path):
    vcf = vcf_of(tmp_path, STAR2, STAR17, skip={94762706})
    depths = {("chr10", p.pos): 30.0 for p in GENE.positions}
    depths[("chr10", 94762706)] = 0.0
    r = call_gene("CYP2C19", vcf, None, depths)
    missing = r["missing_positions"][0]
    assert (missing["position"], missing["status"], missing["depth"]) == (94762706, "not_covered", 0)


def test_phased_cis_variants_are_one_haplotype(tmp_path):
    # *2 and *17 alleles in cis (both on haplotype 1) cannot be *2/*17.
    both = {**STAR2, **STAR17}
    r = call_gene("CYP2C19", vcf_of(tmp_path, both, {}, phased=True, ps=1), None, None)
    assert r["diplotype"] != "*2/*17"
    assert r["status"] == "not_called"


def test_phased_trans_variants_give_star2_star17(tmp_path):
    r = call_gene("CYP2C19", vcf_of(tmp_path, STAR2, STAR17, phased=True, ps=1), None, None)
    assert r["diplotype"] == "*2/*17"


def test_outside_call_overrides_and_is_labelled(tmp_path):
    tsv = tmp_path / "outside.tsv"
    tsv.write_text("gene\tdiplotype\tmethod\tphenotype\nCYP2C19\t*1/*1\tlab assay\tNormal Metabolizer\n")
    out = run_pgx(vcf_of(tmp_path, STAR2, STAR17), outside_calls=tsv)
    # Every gene is reported now; the VCF holds CYP2C19 positions only, so the others are not assessed.
    by_gene = {r["gene"]: r for r in out["pgx"]}
    r = by_gene.pop("CYP2C19")
    assert (r["diplotype"], r["source"], r["method"]) == ("*1/*1", "outside_call", "lab assay")
    assert {g["status"] for g in by_gene.values()} == {"not_assessed"}


def test_equally_supported_diplotypes_with_different_phenotypes_give_no_headline_phenotype(tmp_path):
    # Only *2's defining positions are known: the other haplotype could be many alleles.
    records = [("chr10", 94775367, "A", "G", "0/1"), ("chr10", 94781859, "G", "A", "0/1"),
               ("chr10", 94842866, "A", "G", "1/1")]
    r = call_gene("CYP2C19", write_vcf(tmp_path / "few.vcf.gz", records), None, None)
    assert r["status"] == "ambiguous"
    assert r["phenotype"] is None
    assert r["reason"].endswith("imply different phenotypes; genotype the positions without a call to resolve")
    assert len(r["missing_positions"]) == 32


def test_genotype_from_too_few_reads_is_low_depth_and_not_used(tmp_path):
    vcf = vcf_of(tmp_path, STAR2, STAR17)
    depths = {("chr10", p.pos): 40.0 for p in GENE.positions}
    depths[("chr10", 94761900)] = 3.0  # *17's position seen by 3 reads only
    r = call_gene("CYP2C19", vcf, None, depths, min_depth=8)
    (low,) = r["missing_positions"]
    assert (low["position"], low["status"], low["genotype"], low["depth"]) == (94761900, "low_depth", "C/T", 3)
    # Without *17's position, *1/*2 and *2/*17 fit equally well; both are intermediate metabolizers.
    top = [r["diplotype"]] + [a["diplotype"] for a in r["alternatives"] if a["score"] == r["alternatives"][0]["score"]]
    assert (r["status"], sorted(top), r["phenotype"]) == ("ambiguous", ["*1/*2", "*2/*17"], "Intermediate Metabolizer")
