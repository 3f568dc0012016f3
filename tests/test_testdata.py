"""The demo/test data: the committed files, and the generator's pieces on small inputs.

Fast: nothing here rebuilds the full reference or re-simulates the demo.
"""

import gzip
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pysam
import pytest
import yaml

from genotailor.dev.testdata import reference, scenarios
from genotailor.dev.testdata.simulate import (
    ADAPTER_R1,
    ADAPTER_R2,
    Haplotype,
    Library,
    Variant,
    revcomp,
    simulate,
)
from genotailor.pgx.definitions import load_gene

ROOT = Path(__file__).resolve().parents[1]
TD = ROOT / "test-data"
REF = TD / "reference" / "GRCh38_demo.fa.gz"
SHEET = ROOT / "config" / "samples.yaml"
SOURCE = TD / "reference" / "source" / "grch38_windows.fa.gz"


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fastq_records(path, limit=None):
    out = []
    with gzip.open(path, "rt") as fh:
        while True:
            head = fh.readline()
            if not head or (limit and len(out) >= limit):
                break
            seq, plus, qual = fh.readline().rstrip(), fh.readline(), fh.readline().rstrip()
            assert plus == "+\n" and len(seq) == len(qual)
            out.append((head.rstrip(), seq, qual))
    return out


@pytest.fixture(scope="module")
def fasta():
    with pysam.FastaFile(str(REF)) as fa:
        yield fa


@pytest.fixture(scope="module")
def windows():
    return reference.read_windows(SOURCE)


# --- committed reference -------------------------------------------------------------------


def test_reference_has_true_grch38_contig_lengths(fasta):
    assert dict(zip(fasta.references, fasta.lengths)) == reference.GRCH38_LENGTHS
    assert fasta.lengths[0] == 248956422 and fasta.get_reference_length("chrX") == 156040895
    assert Path(str(REF) + ".fai").exists() and Path(str(REF) + ".gzi").exists()


@pytest.mark.parametrize("chrom,pos,base", [
    ("chr7", 140753336, "A"),   # BRAF V600
    ("chr10", 94781859, "G"),   # CYP2C19 rs4244285
    ("chr10", 94842866, "A"),   # CYP2C19 rs3758581: GRCh38 carries *38
    ("chr12", 25245350, "C"),   # KRAS G12
    ("chr3", 179234297, "A"),   # PIK3CA H1047
])
def test_reference_has_the_grch38_base_at_known_positions(fasta, chrom, pos, base):
    assert fasta.fetch(chrom, pos - 1, pos) == base


def test_reference_windows_hold_the_source_sequence_and_n_elsewhere(fasta, windows):
    for w in windows:
        assert fasta.fetch(w.chrom, w.start - 1, w.end).encode() == w.seq, w.name
    assert set(fasta.fetch("chr1", 0, 100_000)) == {"N"}
    assert set(fasta.fetch("chrX", 156_040_000, 156_040_895)) == {"N"}
    cyp = next(w for w in windows if w.name == "CYP2C19")
    assert set(fasta.fetch("chr10", cyp.start - 1001, cyp.start - 1)) == {"N"}
    assert set(fasta.fetch("chr10", cyp.end, cyp.end + 1000)) == {"N"}


def test_synthetic_flanks_fill_only_n_positions_beside_cancer_windows(fasta, windows):
    rows = [line.split("\t") for line in (TD / "reference" / "synthetic_flanks.bed").read_text().splitlines()
            if not line.startswith("#")]
    flanks = [(c, int(s), int(e)) for c, s, e, _ in rows]
    assert flanks == [(c, s, e) for c, s, e, _ in reference.synthetic_flank_intervals(windows)]
    for c, s, e in flanks:
        assert set(fasta.fetch(c, s, e)) <= set("ACGT") and e - s <= reference.FLANK
        for w in windows:  # never overlaps real sequence
            assert w.chrom != c or e <= w.start - 1 or s >= w.end
    braf = next(w for w in windows if w.name == "BRAF_ex15")
    assert set(fasta.fetch("chr7", braf.start - 1 - 600, braf.start - 1)) <= set("ACGT")
    assert set(fasta.fetch("chr7", braf.start - 1 - 700, braf.start - 1 - 600)) == {"N"}
    # EGFR exons 18 and 19 are 577 bp apart: the gap is filled once, entirely
    ex18, ex19 = (next(w for w in windows if w.name == n) for n in ("EGFR_ex18", "EGFR_ex19"))
    assert ("chr7", ex18.end, ex19.start - 1) in flanks


def test_bgzf_writer_matches_plain_fasta_formatting(tmp_path):
    rng = np.random.default_rng(1)
    seg = bytes(rng.choice(list(b"ACGT"), 700).astype(np.uint8))
    lengths = {"chrA": 300_001, "chrB": 130_561}
    genome = reference.DemoGenome.from_segments(lengths, {"chrA": [(150_007, seg)], "chrB": [(0, seg)]})
    path = tmp_path / "t.fa.gz"
    reference.write_bgzf_fasta(genome, path)
    expected = []
    for chrom, n in lengths.items():
        s = genome.fetch(chrom, 0, n)
        expected.append(f">{chrom}\n".encode() + b"".join(s[i:i + 60] + b"\n" for i in range(0, n, 60)))
    assert gzip.decompress(path.read_bytes()) == b"".join(expected)
    pysam.faidx(str(path))
    with pysam.FastaFile(str(path)) as fa:
        assert fa.fetch("chrA", 150_007, 150_707).encode() == seg
        assert fa.fetch("chrB", 0, 700).encode() == seg and fa.get_reference_length("chrA") == 300_001


# --- simulator ----------------------------------------------------------------------------

class ToyGenome:
    """A random 20 kb chromosome (no N), for fast simulator tests."""

    def __init__(self, seed=7, n=20_000):
        rng = np.random.default_rng(seed)
        self.seq = bytes(rng.choice(list(b"ACGT"), n).astype(np.uint8))

    def fetch(self, chrom, start, end):
        return self.seq[start:end]


TOY = ToyGenome()
TARGETS = [("chrT", 1000, 4000), ("chrT", 9000, 11000)]


def allele_fraction(rs, genome, pos, alt, k=12):
    """Alt / (ref + alt) from exact k-mer matches around a 1-based SNV in R1 and R2."""
    left = genome.fetch("chrT", pos - 1 - k, pos - 1)
    right = genome.fetch("chrT", pos, pos + k)
    ref_kmer = left + genome.fetch("chrT", pos - 1, pos) + right
    alt_kmer = left + alt.encode() + right
    reads = [r.tobytes() for r in rs.r1] + [r.tobytes() for r in rs.r2]
    count = {}
    for name, kmer in (("ref", ref_kmer), ("alt", alt_kmer)):
        count[name] = sum((kmer in r) + (revcomp(kmer) in r) for r in reads)
    return count["alt"] / (count["ref"] + count["alt"]), count["ref"] + count["alt"]


def test_simulation_is_byte_identical_for_a_seed(tmp_path):
    haps = [Haplotype(0.5, (Variant("chrT", 2000, TOY.fetch("chrT", 1999, 2000).decode(), "A"),)), Haplotype(0.5)]
    paths = []
    for run in ("a", "b", "c"):
        rs = simulate(TOY, TARGETS, haps, 1500, 42 if run != "c" else 43)
        pair = (tmp_path / f"{run}_R1.fastq.gz", tmp_path / f"{run}_R2.fastq.gz")
        rs.write(*pair)
        paths.append(pair)
    assert [sha256(p) for p in paths[0]] == [sha256(p) for p in paths[1]]
    assert sha256(paths[0][0]) != sha256(paths[2][0])


def test_reads_are_illumina_like():
    rs = simulate(TOY, TARGETS, [Haplotype(1.0)], 2000, 3, flowcell="HABCDEFXX", lane=2, index="ACGTACGT+TTGGCCAA")
    text1, text2 = rs.fastq_bytes(1).decode().splitlines(), rs.fastq_bytes(2).decode().splitlines()
    name = re.compile(r"^@SIM:1:HABCDEFXX:2:\d{4}:\d+:\d+ ([12]):N:0:ACGTACGT\+TTGGCCAA$")
    for i in range(0, 400, 4):
        m1, m2 = name.match(text1[i]), name.match(text2[i])
        assert m1 and m2 and m1.group(1) == "1" and m2.group(1) == "2"
        assert text1[i].split()[0] == text2[i].split()[0]  # R1 and R2 in the same order
    assert len(set(rs.names)) == len(rs.names)
    assert set(np.unique(np.concatenate([rs.q1.ravel(), rs.q2.ravel()]))) <= {2, 12, 23, 37}
    # qualities fall towards the 3' end, R2 is worse than R1
    assert (rs.q1[:, :20] >= 30).mean() > (rs.q1[:, -20:] >= 30).mean()
    assert (rs.q1 >= 30).mean() > (rs.q2 >= 30).mean()
    # errors sit on low qualities: mismatches to the error-free reads are far more frequent at Q<30
    clean = simulate(TOY, TARGETS, [Haplotype(1.0)], 2000, 3, Library().error_free())
    wrong = clean.r1 != rs.r1
    assert wrong[rs.q1 < 30].mean() > 10 * wrong[rs.q1 >= 30].mean()
    assert not any(set(r.tobytes()) <= {ord("N")} for r in rs.r1)


def test_het_snv_and_tumour_vaf_appear_at_the_planted_fractions():
    het = Variant("chrT", 2000, TOY.fetch("chrT", 1999, 2000).decode(), "T" if TOY.seq[1999] != ord("T") else "G")
    som = Variant("chrT", 10000, TOY.fetch("chrT", 9999, 10000).decode(), "C" if TOY.seq[9999] != ord("C") else "A")
    haps = [Haplotype(0.30, (het, som)), Haplotype(0.20, (het,)), Haplotype(0.50)]
    rs = simulate(TOY, TARGETS, haps, 12000, 11, Library(duplicate_rate=0.0))
    af_het, n_het = allele_fraction(rs, TOY, het.pos, het.alt)
    af_som, n_som = allele_fraction(rs, TOY, som.pos, som.alt)
    assert n_het > 300 and n_som > 300
    assert af_het == pytest.approx(0.5, abs=0.06)
    assert af_som == pytest.approx(0.3, abs=0.06)


def test_indel_haplotype_is_applied():
    ref = TOY.fetch("chrT", 2999, 3001).decode()
    ins = Variant("chrT", 3000, ref[0], ref[0] + "GATTACA")
    rs = simulate(TOY, TARGETS, [Haplotype(1.0, (ins,))], 800, 5, Library().error_free())
    alt = TOY.fetch("chrT", 2989, 3000) + b"GATTACA" + TOY.fetch("chrT", 3000, 3010)
    ref = TOY.fetch("chrT", 2989, 3010)
    reads = [r.tobytes() for r in np.concatenate([rs.r1, rs.r2])]
    assert sum(alt in r or revcomp(alt) in r for r in reads) > 25
    assert sum(ref in r or revcomp(ref) in r for r in reads) == 0


def test_short_fragments_read_through_into_adapter_then_poly_g():
    lib = Library(fragment_mean=110, fragment_sd=40).error_free()
    rs = simulate(TOY, TARGETS, [Haplotype(1.0)], 1000, 9, lib)
    lengths = rs.fragments["length"]
    short = np.flatnonzero(lengths < 150)
    assert len(short) > 500
    for i in short[:200]:
        f = int(lengths[i])
        r1, r2 = rs.r1[i].tobytes(), rs.r2[i].tobytes()
        assert r1[f:f + len(ADAPTER_R1)] == ADAPTER_R1[:150 - f]
        assert r2[f:f + len(ADAPTER_R2)] == ADAPTER_R2[:150 - f]
        assert set(r1[f + len(ADAPTER_R1):]) <= {ord("G")}
        assert revcomp(r1[:f]) == r2[:f]  # both reads see the whole insert
    for i in np.flatnonzero(lengths >= 150)[:100]:
        assert ADAPTER_R1[:12] not in rs.r1[i].tobytes()


@pytest.mark.parametrize("rate", [0.0, 0.25, 0.4])
def test_duplicate_rate_is_as_requested(rate):
    rs = simulate(TOY, TARGETS, [Haplotype(1.0)], 3000, 21, Library(duplicate_rate=rate).error_free())
    assert rs.fragments["duplicate"].mean() == pytest.approx(rate, abs=0.001)
    distinct = len({(a.tobytes(), b.tobytes()) for a, b in zip(rs.r1, rs.r2)})
    assert 1 - distinct / len(rs) == pytest.approx(rate, abs=0.01)  # copies are the same fragment


def test_fragments_stay_inside_targets():
    rs = simulate(TOY, TARGETS, [Haplotype(1.0)], 2000, 4)
    f = rs.fragments
    inside = np.zeros(len(rs), dtype=bool)
    for _, s, e in TARGETS:
        inside |= (f["start"] >= s) & (f["end"] <= e)
    assert inside.all()
    assert 60 <= f["length"].min() and f["length"].max() <= 700
    assert np.median(f["length"]) == pytest.approx(300, abs=15)


def test_normalize_left_aligns_like_bcftools():
    g = reference.DemoGenome.from_segments({"chrZ": 40}, {"chrZ": [(0, b"GCGTCAAAAAAGTCCAGCAGCAGTT")]})
    # deletion of one A written at the right end of the poly-A run (1-based 6-11)
    assert scenarios.normalize(g, "chrZ", 10, "AA", "A") == ("chrZ", 5, "CA", "C")
    assert scenarios.normalize(g, "chrZ", 20, "GCAG", "G") == ("chrZ", 14, "CCAG", "C")
    assert scenarios.normalize(g, "chrZ", 4, "T", "C") == ("chrZ", 4, "T", "C")


def test_planted_pgx_haplotypes_call_back_to_the_intended_alleles():
    cyp = load_gene("CYP2C19")
    star2 = [v for v, _ in scenarios.allele_variants(cyp, "*2")]
    assert {(v.pos, v.alt) for v in star2} == {(94775367, "G"), (94775507, "A"), (94781859, "A"), (94842866, "G")}
    assert scenarios.call_haplotype(cyp, star2) == "*2"
    assert scenarios.call_haplotype(cyp, []) == "*38"
    ugt = load_gene("UGT1A1")
    assert [(v.pos, v.ref, v.alt) for v, _ in scenarios.allele_variants(ugt, "*28")] == [(233760233, "CAT", "CATAT")]


@pytest.mark.parametrize("gene_name, alleles, phenotype, score", [
    ("CYP2D6", ("*1", "*4"), "Intermediate Metabolizer", "1.0"),  # activity score
    ("G6PD", ("B (reference)", "A- 202A_376G"), "Variable", None),  # female heterozygote: two alleles
    ("RYR1", ("Reference", "c.7300G>A"), "Malignant Hyperthermia Susceptibility", None),
    ("IFNL3", ("rs12979860 reference (C)", "rs12979860 variant (T)"), "Unfavorable response genotype", None),
    ("CYP2C9", ("*1", "*2"), "Intermediate Metabolizer", "1.5"),  # explicit table
])
def test_expected_diplotype_takes_the_phenotype_from_the_table_or_the_phenotype_method(
        gene_name, alleles, phenotype, score):
    gene = load_gene(gene_name)
    h1, h2 = ([v for v, _ in scenarios.allele_variants(gene, a)] for a in alleles)
    e = scenarios.expected_diplotype(gene, h1, h2)
    assert (e["diplotype"], e["phenotype"], e["activity_score"], e["phenotype_reason"]) == (
        "/".join(alleles), phenotype, score, None)


def test_expected_diplotype_without_a_phenotype_says_why():
    gene = load_gene("CYP4F2")
    e = scenarios.expected_diplotype(gene, [v for v, _ in scenarios.allele_variants(gene, "*3")], [])
    assert (e["diplotype"], e["phenotype"], e["activity_score"]) == ("*3/*1", None, None)
    assert e["phenotype_reason"].startswith("CPIC defines no phenotype for CYP4F2")


# --- committed demo: truth, sheet, reads, VCFs --------------------------------------------------


def test_demo_sheet_files_exist_and_checksums_match():
    sheet = yaml.safe_load(SHEET.read_text())
    assert list(sheet["patients"]) == ["PGX001", "TUMOR01", "VCF001", "LOWQ01", "LUNG01", "GERM01", "GERM02"]
    checked = 0
    for pid, patient in sheet["patients"].items():
        for sid, sample in patient["samples"].items():
            for unit in sample.get("units", {}).values():
                for read in ("r1", "r2"):
                    path = (SHEET.parent / unit[read]).resolve()
                    assert path.exists() and re.fullmatch(
                        rf"{re.escape(sid)}_S\d+_L00\d_R{read[1]}_001\.fastq\.gz", path.name), path
                    if "sha256" in unit:
                        assert sha256(path) == unit["sha256"][read]
                        checked += 1
            if "vcf" in sample:
                path = (SHEET.parent / sample["vcf"]).resolve()
                assert path.exists() and sha256(path) == sample["sha256"]
                checked += 1
    assert checked == 4  # PGX001 L001 pair and the two VCFs


def test_demo_sheet_loads_with_the_project_loader_and_verified_checksums():
    from genotailor.core.samplesheet import load_sheet

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    sheet = load_sheet(SHEET, check_files=True, verify_checksums=True, panels=config["panels"])
    kinds = {s.id: (s.kind, s.entry) for s in sheet.samples()}
    assert kinds == {"PGX001-blood": ("germline", "fastq"), "TUMOR01-N": ("germline", "fastq"),
                     "TUMOR01-T": ("tumor", "fastq"), "VCF001-dna": ("germline", "vcf"),
                     "LOWQ01-blood": ("germline", "fastq"), "LUNG01-T": ("tumor", "vcf"),
                     "GERM01-blood": ("germline", "fastq"), "GERM02-blood": ("germline", "fastq")}
    indications = {p.id: (p.indications, p.consent_secondary) for p in sheet.patients if p.indications}
    assert indications == {"GERM01": (("hereditary_breast_ovarian",), True),
                           "GERM02": (("hereditary_breast_ovarian",), False)}
    for panel in config["panels"].values():
        assert (ROOT / panel).exists()


def test_checksum_list_covers_every_generated_file():
    listed = {}
    for line in (TD / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    present = {p.relative_to(TD).as_posix() for p in TD.rglob("*")
               if p.is_file() and p.name != "SHA256SUMS" and "source" not in p.parts}
    assert set(listed) == present
    assert all(sha256(TD / n) == d for n, d in listed.items())


def test_truth_matches_the_plan():
    pgx = json.loads((TD / "truth" / "PGX001.json").read_text())
    dips = {g: d["diplotype"] for g, d in pgx["expected_diplotypes"].items()}
    assert dips["CYP2C19"] == "*2/*17" and dips["TPMT"] == "*1/*3A" and dips["CYP2C9"] == "*1/*2"
    assert dips["CYP3A5"] == "*3/*3" and dips["UGT1A1"] == "*1/*28" and dips["SLCO1B1"] == "*1/*5"
    assert pgx["expected_diplotypes"]["CYP2C19"]["phenotype"] == "Intermediate Metabolizer"
    assert pgx["expected_diplotypes"]["CYP2C19"]["unphased_alternatives"] == []
    assert pgx["expected_diplotypes"]["TPMT"]["unphased_alternatives"] == ["*3B/*3C"]
    # phenotypes from the knowledge base's phenotype methods as well as its tables
    assert pgx["expected_diplotypes"]["IFNL3"]["phenotype"] == "Favorable response genotype"
    cyp4f2 = pgx["expected_diplotypes"]["CYP4F2"]
    assert cyp4f2["phenotype"] is None and cyp4f2["phenotype_reason"].startswith("CPIC defines no phenotype for CYP4F2")
    assert pgx["expected_qc"]["PGX001-blood"]["status"] == "pass"
    by_pos = {(v["chrom"], v["pos"]): v for v in pgx["planted_variants"]}
    assert by_pos[("chr1", 97450058)]["samples"]["PGX001-blood"]["genotype"] == "0/1"  # DPYD *2A
    assert by_pos[("chr10", 94842866)]["samples"]["PGX001-blood"]["genotype"] == "1/1"
    assert pgx["samples"]["PGX001-blood"]["simulated"]["depth_at_kb_positions_without_duplicates"]["below_20"] == 0

    tumor = json.loads((TD / "truth" / "TUMOR01.json").read_text())
    calls = {(c["gene"], c["protein_change"]): c["vaf"] for c in tumor["expected_somatic_calls"]}
    assert calls == {("BRAF", "p.V600E"): 0.3, ("PIK3CA", "p.H1047R"): 0.12}
    germ = [v for v in tumor["planted_variants"] if v["origin"] == "germline"]
    assert len(germ) == 1 and germ[0]["gene"] == "EGFR"
    assert set(germ[0]["samples"]) == {"TUMOR01-N", "TUMOR01-T"}
    braf = next(v for v in tumor["planted_variants"] if v["gene"] == "BRAF")
    assert braf["samples"]["TUMOR01-N"]["alt_reads"] == 0
    t = braf["samples"]["TUMOR01-T"]
    assert t["alt_reads"] / t["depth"] == pytest.approx(0.3, abs=0.05)

    assert json.loads((TD / "truth" / "LOWQ01.json").read_text())["expected_qc"]["LOWQ01-blood"]["status"] == "fail"

    germ01, germ02 = (json.loads((TD / "truth" / f"{p}.json").read_text()) for p in ("GERM01", "GERM02"))
    assert [(f["gene"], f["clinvar_variation_id"], f["category"]) for f in germ01["expected_germline_findings"]] == [
        ("BRCA2", "51063", "diagnostic"), ("MLH1", "89797", "secondary")]
    assert [f["gene"] for f in germ02["expected_germline_findings"]] == ["BRCA2"]
    assert [(w["gene"], w["pos"]) for w in germ02["must_not_appear_anywhere"]] == [("MLH1", 37040201)]
    for v in germ02["planted_variants"]:  # heterozygous in the reads
        counts = v["samples"]["GERM02-blood"]
        assert counts["alt_reads"] / counts["depth"] == pytest.approx(0.5, abs=0.15), v["gene"]


def test_truth_phenotypes_are_the_knowledge_base_phenotypes_of_every_gene():
    from genotailor.pgx.matcher import phenotype_call

    checked = set()
    for name in ("PGX001", "VCF001"):
        truth = json.loads((TD / "truth" / f"{name}.json").read_text())
        expected = dict(truth["expected_diplotypes"])
        expected.update(truth.get("outside_calls", {}))
        for g, e in expected.items():
            call = phenotype_call(load_gene(g), e["diplotype"].split("/"))
            assert (e["phenotype"], e["activity_score"], e["phenotype_reason"]) == (
                call.phenotype, call.activity_score, call.reason), (name, g)
            assert (e["phenotype"] is None) == (e["phenotype_reason"] is not None), (name, g)
            checked.add(g)
    assert {"CYP2D6", "IFNL3", "CYP4F2"} <= checked


def test_demo_reads_quality_matches_the_qc_expectations():
    def q30(path):
        quals = "".join(q for _, _, q in fastq_records(path))
        return sum(ord(c) - 33 >= 30 for c in quals) / len(quals)

    reads = TD / "reads"
    assert q30(reads / "LOWQ01-blood_S4_L001_R1_001.fastq.gz") < 0.6
    assert q30(reads / "PGX001-blood_S1_L001_R1_001.fastq.gz") > 0.85
    r1 = fastq_records(reads / "LOWQ01-blood_S4_L001_R1_001.fastq.gz")
    r2 = fastq_records(reads / "LOWQ01-blood_S4_L001_R2_001.fastq.gz")
    assert len(r1) == len(r2) == 3000
    assert all(a[0].split()[0] == b[0].split()[0] for a, b in zip(r1, r2))


def test_outside_vcf_is_as_an_outside_lab_writes_it(fasta):
    path = TD / "vcf" / "VCF001.outside-lab.vcf.gz"
    assert not Path(str(path) + ".tbi").exists() and not Path(str(path) + ".csi").exists()
    with pysam.VariantFile(str(path)) as vf:
        assert list(vf.header.samples) == ["OTHER_PATIENT", "VCF001_DNA"]
        assert vf.header.contigs["10"].length == 133797422 and "chr10" not in vf.header.contigs
        recs = list(vf)
    cyp_positions = {p.pos for p in load_gene("CYP2C19").positions}
    assert cyp_positions <= {r.pos for r in recs if r.chrom == "10"}
    for r in recs:
        assert fasta.fetch("chr" + r.chrom, r.pos - 1, r.pos - 1 + len(r.ref)) == r.ref
    ugt = next(r for r in recs if r.chrom == "2" and r.pos == 233760233)
    assert (ugt.pos, ugt.ref, ugt.alts, ugt.samples["VCF001_DNA"]["GT"]) == (233760233, "CAT", ("C", "CATAT"), (1, 2))
    truth = json.loads((TD / "truth" / "VCF001.json").read_text())
    indel = truth["right_shifted_indel"]
    assert indel["normalized"]["pos"] < indel["as_written"]["pos"]
    assert truth["expected_diplotypes"]["CYP2C19"]["diplotype"] == "*1/*2"
    assert truth["expected_diplotypes"]["CYP2C19"]["unphased_alternatives"] == []
    assert truth["expected_diplotypes"]["UGT1A1"]["diplotype"] == "*28/*36"
    assert truth["outside_calls"]["CYP2D6"] == {
        "diplotype": "*1/*4", "source": "sample sheet outside_calls", "phenotype": "Intermediate Metabolizer",
        "activity_score": "1.0", "phenotype_reason": None}
    assert {p.pos for p in load_gene("UGT1A1").positions} <= {r.pos for r in recs if r.chrom == "2"}


def test_lung_vcf_is_as_mutect2_and_filtermutectcalls_write_it(fasta):
    path = TD / "vcf" / "LUNG01.mutect2.vcf.gz"
    with pysam.VariantFile(str(path)) as vf:
        assert list(vf.header.samples) == ["LUNG01_NORMAL", "LUNG01_TUMOR"]
        meta = {r.key: r.value for r in vf.header.records if r.value}
        assert (meta["tumor_sample"], meta["normal_sample"]) == ("LUNG01_TUMOR", "LUNG01_NORMAL")
        assert vf.header.contigs["chr7"].length == 159345973
        assert {"AD", "AF", "DP", "F1R2", "F2R1", "SB"} <= set(vf.header.formats)
        recs = {(r.chrom, r.pos, r.ref, r.alts[0]): r for r in vf}
    for (chrom, pos, ref, _), r in recs.items():
        assert fasta.fetch(chrom, pos - 1, pos) == ref  # real GRCh38 bases
    l858r, t790m = recs[("chr7", 55191822, "T", "G")], recs[("chr7", 55181378, "C", "T")]
    for r in (l858r, t790m):
        assert list(r.filter) == ["PASS"]
        assert r.samples["LUNG01_NORMAL"]["AD"][1] == 0 and r.samples["LUNG01_NORMAL"]["GT"] == (0, 0)
    ad = l858r.samples["LUNG01_TUMOR"]["AD"]
    assert 0.2 <= ad[1] / sum(ad) <= 0.3 and l858r.samples["LUNG01_TUMOR"]["DP"] >= sum(ad)
    ad = t790m.samples["LUNG01_TUMOR"]["AD"]
    assert 0.05 <= ad[1] / sum(ad) <= 0.12
    assert list(recs[("chr7", 55181370, "G", "A")].filter) == ["germline"]
    assert list(recs[("chr12", 25245351, "C", "A")].filter) == ["weak_evidence"]
    truth = json.loads((TD / "truth" / "LUNG01.json").read_text())
    assert [(c["gene"], c["protein_change"]) for c in truth["expected_somatic_calls"]] == [
        ("EGFR", "p.T790M"), ("EGFR", "p.L858R")]
    assert truth["expected_tiers"]["p.L858R"]["tier"] == "I"


def test_bad_vcfs_are_wrong_in_the_intended_way(fasta):
    with pysam.VariantFile(str(TD / "vcf" / "bad" / "GRCh37_build.vcf")) as vf:
        assert vf.header.contigs["chr10"].length == 135534747
        assert ("chr10", 96541616, "G", ("A",)) in [(r.chrom, r.pos, r.ref, r.alts) for r in vf]
    with pysam.VariantFile(str(TD / "vcf" / "bad" / "ref_mismatch.vcf")) as vf:
        assert all(c.length is None for c in vf.header.contigs.values())
        recs = list(vf)
    assert len(recs) >= 10
    assert all(fasta.fetch(r.chrom, r.pos - 1, r.pos) not in (r.ref, "N") for r in recs)
