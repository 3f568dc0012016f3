"""CYP2D6 copy number from read depth, and star alleles with copy number, on reads simulated over
the real GRCh38 CYP2D6-CYP2D7-CYP2D8P locus and aligned with the workflow's own alignment step.

Each case is a pair of chromosomes built as PharmVar describes the alleles (*5: the whole-gene
deletion between REP6 and REP7; xN: tandem copies of the gene unit; *4: its core SNVs rs3892097
c.506-1G>A and rs1065852 c.100C>T; a CYP2D7-CYP2D6 hybrid with CYP2D6 exons 1-4 replaced by
CYP2D7, *13-like). Expected copy numbers come from that construction; expected diplotypes are
PharmVar notation; activity scores and phenotypes are computed here from CPIC's allele activity
values and score thresholds as pypgx ships them (tests/data/pgx_sources/truth/pypgx), never from
the engine.

The copy number and the allele balance come from the simulated reads. The SNV genotypes the
star-allele step combines them with are the planted truth at every CYP2D6 defining position (a
diploid caller's view: one copy reads as homozygous), so these tests check the combination; the
germline caller on the same reads is used end to end (a CYP2D6 position in a stretch identical to
CYP2D7 loses its MAPQ>=20 reads when one copy is deleted: the call keeps *1 first and lists what
those positions leave possible; see test_end_to_end_deletion_with_untested_positions_keeps_star1_first).
"""

import csv
import json
from pathlib import Path

import pysam
import pytest

from conftest import write_vcf
from genotailor.core.contracts import validate_stage
from genotailor.dev.testdata import cyp2d6 as sim
from genotailor.dev.testdata.simulate import Variant
from genotailor.pgx import DEFAULT_KB
from genotailor.pgx.cyp2d6_cn import call_copy_number
from genotailor.pgx.cyp2d6_locus import read_locus
from genotailor.pgx.definitions import cached_gene
from genotailor.pgx.run import run_pgx
from genotailor.steps.calling.germline import call_germline
from genotailor.steps.loci import write_loci

ROOT = Path(__file__).resolve().parents[1]
WINDOW = ROOT / "tests" / "data" / "grch38" / "cyp2d_locus_window.fa"
TRUTH = ROOT / "tests" / "data" / "pgx_sources" / "truth" / "pypgx"
SEED = 1

S = sim.StructuralHaplotype
STAR4 = (Variant("chr22", 42128945, "C", "T"), Variant("chr22", 42130692, "G", "A"))  # rs3892097, rs1065852
CASES = {
    # name: (haplotypes, expected copy number, expected diplotype as [(allele, copies), (allele, copies)])
    "*1/*1": ((S("*1"), S("*1")), "2", [("*1", 1), ("*1", 1)]),
    "*1/*5": ((S("*1"), S("*5", 0)), "1", [("*1", 1), ("*5", 1)]),
    "*4/*5": ((S("*4", 1, STAR4), S("*5", 0)), "1", [("*4", 1), ("*5", 1)]),
    "*5/*5": ((S("*5", 0), S("*5", 0)), "0", [("*5", 1), ("*5", 1)]),
    "*1/*1x2": ((S("*1"), S("*1x2", 2)), "3", [("*1", 1), ("*1", 2)]),
    "*1/*4x2": ((S("*1"), S("*4x2", 2, STAR4)), "3", [("*1", 1), ("*4", 2)]),
    "*1/*13-like": ((S("*1"), S("*13-like", hybrid_exon=4)), None, None),
}


def _cpic_activity():
    rows = csv.DictReader(open(TRUTH / "allele-table.csv"))
    return {r["StarAllele"]: float(r["ActivityScore"]) for r in rows
            if r["Gene"] == "CYP2D6" and r["ActivityScore"] not in ("N/A", "")}


def _cpic_phenotype(score):
    for r in csv.DictReader(open(TRUTH / "equation-table.csv")):
        if r["Gene"] != "CYP2D6":
            continue
        lo, _, rest = r["Equation"].partition(" <= score")
        hi = rest.replace("<", "").strip()
        if float(lo) <= score and (not hi or score < float(hi)):
            return r["Phenotype"]
    raise AssertionError(f"no CPIC phenotype for {score}")


def _pharmvar(haplotypes):
    names = [a if k == 1 else f"{a}x{k}" for a, k in haplotypes]
    return "/".join(names)


@pytest.fixture(scope="module")
def locus_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cyp2d")
    window, locus = sim.read_window(WINDOW), read_locus()
    ref = sim.write_reference(window, d / "ref.fa")
    write_loci(DEFAULT_KB, ROOT / "workflow" / "resources" / "oncology" / "hotspots.tsv", f"{ref}.fai",
               d / "loci.bed", d / "sites.tsv.gz", d / "alleles.tsv.gz")
    (d / "window.bed").write_text(f"chr22\t{window.start - 1}\t{window.end}\n")
    gene = cached_gene("CYP2D6", DEFAULT_KB)
    snvs = [(p.pos, p.ref) for p in gene.positions if len(p.ref) == 1 and all(len(a) == 1 for a in p.alts)]
    return {"dir": d, "window": window, "locus": locus, "ref": ref, "snvs": snvs, "bams": {}}


def _sample(files, case, depth):
    key = (case, depth)
    if key not in files["bams"]:
        folder = files["dir"] / f"{case.replace('/', '_').replace('*', 's')}_{depth}x"
        bam = sim.simulate_bam(files["window"], files["locus"], files["ref"], CASES[case][0], depth, SEED, folder)
        vcf = folder / "calls.vcf.gz"
        d = files["dir"]
        call_germline(str(bam), str(files["ref"]), d / "window.bed", d / "sites.tsv.gz", d / "alleles.tsv.gz", vcf)
        files["bams"][key] = (bam, vcf)
    return files["bams"][key]


def _truth_vcf(files, case, folder) -> Path:
    """The planted genotypes at every CYP2D6 defining position, as a diploid caller writes them."""
    gene = cached_gene("CYP2D6", DEFAULT_KB)
    haps = [h for h in CASES[case][0] if h.copies > 0]
    planted = [{v.pos: v.alt for v in h.variants} for h in haps]
    records = []
    for p in gene.positions:
        if not haps:  # no copy: no read, no record
            break
        alleles = [hap.get(p.pos) for hap in planted]
        alts = sorted({a for a in alleles if a})
        if len(haps) == 1:  # one copy: a diploid caller sees it twice
            alleles = alleles * 2
        gt = "/".join("0" if a is None else str(1 + alts.index(a)) for a in alleles)
        records.append(f"chr22\t{p.pos}\t.\t{p.ref}\t{','.join(alts) or '.'}\t50\tPASS\t.\tGT:DP\t{gt}:30")
    return write_vcf(folder / "truth.vcf.gz", records, samples=("SIM",), contigs=(("chr22", 50818468),),
                     extra_header='##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">')


def _copy_number(files, case, depth, **kw):
    bam, _ = _sample(files, case, depth)
    return call_copy_number(bam, files["locus"], snvs=files["snvs"], **kw)


CALLS = [(c, d) for c in CASES for d in (30, 15)]


@pytest.mark.parametrize("case, depth", CALLS)
def test_copy_number_from_depth(locus_files, case, depth):
    cn = _copy_number(locus_files, case, depth)
    expected = CASES[case][1]
    if expected is None:  # the hybrid: never a copy number, a suspicion to confirm
        assert cn["status"] == "hybrid_suspected"
        assert cn["copy_number"] is None
        assert cn["reason"].startswith("hybrid suspected — confirm")
        assert cn["hybrid"]["exons_5prime"] == "1-4"
    else:
        assert (cn["status"], cn["copy_number_label"]) == ("called", expected)
        assert cn["confidence"] >= 0.95


@pytest.mark.parametrize("case, depth", CALLS)
def test_star_alleles_with_copy_number(locus_files, case, depth, tmp_path):
    vcf = _truth_vcf(locus_files, case, tmp_path)
    cn = tmp_path / "cn.json"
    cn.write_text(json.dumps(_copy_number(locus_files, case, depth)))
    out = run_pgx(str(vcf), genes=["CYP2D6"], cyp2d6_cn=str(cn))
    validate_stage("pgx", out, f"PGx of {case}")  # the stage contract holds for the combined result
    result = out["pgx"][0]
    expected = CASES[case][2]
    if expected is None:
        assert result["status"] == "not_called" and result["diplotype"] is None and result["phenotype"] is None
        assert result["reason"].startswith("hybrid suspected — confirm")
        assert result["copy_number"]["status"] == "hybrid_suspected"
        return
    activity = _cpic_activity()
    score = sum(activity[a] * k for a, k in expected)
    assert result["status"] == "called"
    assert result["diplotype"] == _pharmvar(expected)
    assert float(result["activity_score"]) == score
    assert result["phenotype"] == _cpic_phenotype(score)
    assert result["copy_number"]["status"] == "called"


def test_duplication_without_allele_balance_lists_both_readings(locus_files, tmp_path):
    """*1/*4 with three copies and no base counts: *1x2/*4 (CPIC activity 2.0) and *1/*4x2 (1.0)
    both fit, with different phenotypes: no headline phenotype."""
    vcf = _truth_vcf(locus_files, "*1/*4x2", tmp_path)
    cn = _copy_number(locus_files, "*1/*4x2", 30)
    cn["allele_counts"] = []
    path = tmp_path / "cn.json"
    path.write_text(json.dumps(cn))
    out = run_pgx(str(vcf), genes=["CYP2D6"], cyp2d6_cn=str(path))
    validate_stage("pgx", out, "PGx of *1/*4 with three copies")
    result = out["pgx"][0]
    readings = {result["diplotype"]} | {a["diplotype"] for a in result["alternatives"]}
    assert readings == {"*1x2/*4", "*1/*4x2"}
    assert result["status"] == "ambiguous" and result["phenotype"] is None
    assert result["alternatives_change_phenotype"] is True


def test_without_copy_number_cyp2d6_says_not_assessed(locus_files, tmp_path):
    vcf = _truth_vcf(locus_files, "*1/*5", tmp_path)
    result = run_pgx(str(vcf), genes=["CYP2D6"])["pgx"][0]
    # the deletion hides: the SNV engine alone reads *1/*5 as *1/*1 — with its limitation
    assert result["diplotype"] == "*1/*1"
    assert result["copy_number"]["status"] == "not_assessed"
    assert "copy number (the *5 whole-gene deletion" in result["limitations"][0]


@pytest.mark.parametrize("kind, qc, reason", [
    ("tumor", None, "tumour sample"),
    ("germline", "fail", "the sample failed QC"),
])
def test_tumour_and_failed_qc_are_not_assessed(locus_files, kind, qc, reason):
    cn = _copy_number(locus_files, "*1/*1", 15, sample_kind=kind, qc_status=qc)
    assert cn["status"] == "not_assessed" and cn["copy_number"] is None
    assert cn["reason"].startswith(reason)


def _subset(bam, out, keep):
    with pysam.AlignmentFile(str(bam)) as src, pysam.AlignmentFile(str(out), "wb", template=src) as dst:
        for i, read in enumerate(src.fetch()):
            if keep(i, read):
                dst.write(read)
    pysam.index(str(out))
    return out


def test_panel_without_normalising_regions_is_not_assessed(locus_files, tmp_path):
    bam, _ = _sample(locus_files, "*1/*1", 30)
    genes = _subset(bam, tmp_path / "genes.bam", lambda i, r: 42126000 <= r.reference_start <= 42150000)
    cn = call_copy_number(genes, locus_files["locus"])
    assert cn["status"] == "not_assessed"
    assert cn["reason"].startswith("the regions the depth is normalised to (unique flanks, CYP2D8P) have no reads")


def test_low_depth_is_not_assessed(locus_files, tmp_path):
    bam, _ = _sample(locus_files, "*1/*1", 15)
    thin = _subset(bam, tmp_path / "thin.bam", lambda i, r: i % 3 == 0)
    cn = call_copy_number(thin, locus_files["locus"])
    assert cn["status"] == "not_assessed" and "below 10x" in cn["reason"]


def test_uneven_depth_is_not_assessed(locus_files, tmp_path):
    bam, _ = _sample(locus_files, "*1/*1", 30)
    # the flank past CYP2D8P keeps a third of its reads: the normalising regions disagree
    uneven = _subset(bam, tmp_path / "uneven.bam", lambda i, r: r.reference_start < 42155000 or i % 3 == 0)
    cn = call_copy_number(uneven, locus_files["locus"])
    assert cn["status"] == "not_assessed" and cn["reason"].startswith("depth is uneven across the normalising")


def test_missing_contig_is_not_assessed(locus_files, tmp_path):
    bam, _ = _sample(locus_files, "*1/*1", 15)
    locus = read_locus()
    locus.chrom = "chr21"
    cn = call_copy_number(bam, locus)
    assert (cn["status"], cn["reason"]) == ("not_assessed", "contig chr21 is not in the BAM")


def test_cli_writes_the_copy_number_and_pgx_reads_it(locus_files, tmp_path):
    from genotailor.cli import main

    bam, _ = _sample(locus_files, "*1/*1x2", 30)
    vcf = _truth_vcf(locus_files, "*1/*1x2", tmp_path)
    out = tmp_path / "cn.json"
    assert main(["cyp2d6-cn", "--bam", str(bam), "--sample", "SIM", "--out", str(out)]) == 0
    cn = json.loads(out.read_text())
    assert (cn["sample"], cn["copy_number_label"]) == ("SIM", "3")
    pgx = tmp_path / "pgx.json"
    assert main(["pgx", "--vcf", str(vcf), "--genes", "CYP2D6", "--cyp2d6-cn", str(out), "--json", str(pgx)]) == 0
    result = json.loads(pgx.read_text())["pgx"][0]
    assert (result["diplotype"], result["phenotype"]) == ("*1/*1x2", "Ultrarapid Metabolizer")
    codeine = next(d for d in json.loads(pgx.read_text())["drugs"] if d["drug"] == "codeine")
    assert codeine["action"] == "avoid"


@pytest.mark.parametrize("case, diplotype, phenotype", [
    ("*1/*1", "*1/*1", "Normal Metabolizer"),
    ("*1/*1x2", "*1/*1x2", "Ultrarapid Metabolizer"),
    ("*4/*5", "*4/*5", "Poor Metabolizer"),
])
def test_end_to_end_from_reads(locus_files, case, diplotype, phenotype, tmp_path):
    """Genotypes from the workflow's germline caller on the simulated reads (30x)."""
    _, vcf = _sample(locus_files, case, 30)
    cn = tmp_path / "cn.json"
    cn.write_text(json.dumps(_copy_number(locus_files, case, 30)))
    result = run_pgx(str(vcf), genes=["CYP2D6"], cyp2d6_cn=str(cn))["pgx"][0]
    assert (result["status"], result["diplotype"], result["phenotype"]) == ("called", diplotype, phenotype)


def test_reads_placed_on_the_paralog_with_mapq_0_still_count(locus_files, tmp_path):
    """CYP2D6 and CYP2D7 are near-identical: the aligner may put a read of either on the other,
    with MAPQ 0. A *1/*5 sample (1 CYP2D6 copy, 2 CYP2D7) with half of each gene's reads swapped
    that way must still give 1 copy: the pair's total counts every read, and the uniquely placed
    reads split it (counting all reads on CYP2D6 gives 1.5, unique reads only 0.5)."""
    bam, _ = _sample(locus_files, "*1/*5", 30)
    locus = locus_files["locus"]
    gene = locus.genes["CYP2D6"]
    offset = locus.paralog_offset(5)
    moved = tmp_path / "moved.unsorted.bam"
    with pysam.AlignmentFile(str(bam)) as src, pysam.AlignmentFile(str(moved), "wb", template=src) as dst:
        for i, read in enumerate(src.fetch()):
            if read.reference_end is not None and i % 2 == 0:
                for shift in (0, offset):
                    if gene.start + shift <= read.reference_start and read.reference_end <= gene.end + shift:
                        read.reference_start += offset if shift == 0 else -offset
                        read.mapping_quality = 0
                        break
            dst.write(read)
    out = tmp_path / "moved.bam"
    pysam.sort("-o", str(out), str(moved))
    pysam.index(str(out))
    cn = call_copy_number(out, locus)
    assert (cn["status"], cn["copy_number_label"]) == ("called", "1")


def test_end_to_end_deletion_with_untested_positions_keeps_star1_first(locus_files, tmp_path):
    """*1/*5 from reads: with one CYP2D6 copy, positions in stretches identical to CYP2D7 lose
    their MAPQ>=20 reads and have no genotype. Missing data must not turn the reference reading
    into another allele: *1/*5 leads; the alleles those positions leave possible stay listed, and
    no phenotype is given while they imply other ones."""
    _, vcf = _sample(locus_files, "*1/*5", 30)
    cn = tmp_path / "cn.json"
    cn.write_text(json.dumps(_copy_number(locus_files, "*1/*5", 30)))
    result = run_pgx(str(vcf), genes=["CYP2D6"], cyp2d6_cn=str(cn))["pgx"][0]
    assert (result["status"], result["diplotype"], result["phenotype"]) == ("ambiguous", "*1/*5", None)
    assert result["missing_positions"] and len(result["tie"]["diplotypes"]) > 1
