"""What keeps `genotailor pgx` fast must not change what it says: compact phenotype tables and the
VCF opened in the background."""

import json

import pytest

from conftest import write_vcf
from genotailor.core.errors import InputError
from genotailor.kb.pgx_phenotypes import compact_table
from genotailor.pgx import DEFAULT_KB
from genotailor.pgx.definitions import gene_from_dict
from genotailor.pgx.matcher import phenotype_of
from genotailor.pgx.vcfopen import opened, prefetch_vcf


def _doc(table, functions):
    alleles = [{"name": n, "reference": n == "*1", "function": f, "activity_value": a, "definition": {}}
               for n, (f, a) in functions.items()]
    return {"gene": "GENE", "chrom": "chr1", "build": "GRCh38", "version": "t", "positions": [],
            "alleles": alleles, "phenotypes": table}


FUNCTIONS = {"*1": ("Normal function", "1.0"), "*2": ("No function", "0.0"), "*3": ("No function", "0.0")}
TABLE = {
    "*1/*1": {"phenotype": "Normal Metabolizer", "activity_score": "2.0"},
    "*1/*2": {"phenotype": "Intermediate Metabolizer", "activity_score": "1.0"},
    "*1/*3": {"phenotype": "Intermediate Metabolizer", "activity_score": "1.0"},
    "*2/*2": {"phenotype": "Poor Metabolizer", "activity_score": "0.0"},
    "*2/*3": {"phenotype": "Poor Metabolizer", "activity_score": "0.0"},
    "*3/*3": {"phenotype": "Poor Metabolizer", "activity_score": "0.0"},
}


def test_a_table_that_follows_allele_function_becomes_a_few_rows_with_the_same_answers():
    doc = _doc(TABLE, FUNCTIONS)
    method = compact_table(doc)
    assert method["kind"] == "lookup_pair" and len(method["table"]) == 3
    full, small = gene_from_dict(doc), gene_from_dict({**doc, "phenotypes": {}, "phenotype_method": method})
    for d in [("*1", "*1"), ("*1", "*2"), ("*3", "*1"), ("*2", "*3"), ("*3", "*3"), ("*1", "*9"), ("*1",)]:
        assert phenotype_of(small, d) == phenotype_of(full, d), d
    assert phenotype_of(small, ("*3", "*1")) == ("Intermediate Metabolizer", "1.0")


def test_a_table_that_depends_on_more_than_function_stays_a_table():
    table = dict(TABLE, **{"*2/*3": {"phenotype": "Intermediate Metabolizer", "activity_score": "0.0"}})
    assert compact_table(_doc(table, FUNCTIONS)) is None
    missing = {k: v for k, v in TABLE.items() if k != "*3/*3"}  # *2/*2 has a row, *3/*3 none
    assert compact_table(_doc(missing, FUNCTIONS)) is None


def test_shipped_genes_are_compact_where_the_builder_proved_it():
    sizes = {}
    for path in sorted((DEFAULT_KB / "genes").glob("*.json")):
        d = json.loads(path.read_text())
        sizes[path.stem] = (d.get("phenotype_method") or {}).get("kind"), len(d.get("phenotypes") or {})
    assert sizes["CFTR"] == ("lookup_pair", 0) and sizes["DPYD"] == ("lookup_pair", 0)
    assert sizes["TPMT"] == ("lookup_pair", 0) and sizes["CYP2D6"] == ("activity_sum", 0)
    tpmt = gene_from_dict(json.loads((DEFAULT_KB / "genes" / "TPMT.json").read_text()))
    assert phenotype_of(tpmt, ("*1", "*3A")) == ("Intermediate Metabolizer", None)
    assert phenotype_of(tpmt, ("*3B", "*3C")) == ("Poor Metabolizer", None)


def test_a_background_open_reports_its_error_in_the_caller(tmp_path):
    vcf = write_vcf(tmp_path / "one.vcf.gz", [("chr10", 100, "A", "G", "0/1")])
    prefetch_vcf(vcf, "NOBODY")
    with pytest.raises(InputError, match=r"no sample 'NOBODY' \(samples: S1\)"):
        opened(vcf, "NOBODY")
    with pytest.raises(InputError, match="VCF not found"):
        prefetch_vcf(tmp_path / "missing.vcf.gz", None)
    handle = opened(vcf, None)
    assert handle.sample == "S1" and [handle.record(x).pos for x in handle.lines("chr10", 99, 100)] == [100]
    assert list(handle.lines("chr3", 0, 10)) == []  # a contig the VCF does not have: no records


# Edge cases of the sample column: phased, haploid, half-missing, no-call, truncated fields,
# missing DP, PS, filters, multi-allelic, spanning deletion, symbolic allele.
EDGE_LINES = [
    ("chr10\t100\t.\tA\tG\t50\tPASS\t.\tGT:DP\t0/1:30\t1/1:12"),
    ("chr10\t101\t.\tC\tT,G\t50\t.\t.\tGT:DP:PS\t1|2:25:101\t0|0:9:."),
    ("chr10\t102\t.\tG\tA\t50\tLowQual;LowDP\t.\tGT:DP\t0/1:3\t./.:."),
    ("chr10\t103\t.\tT\tC\t50\tPASS\t.\tGT\t1\t0"),
    ("chr10\t104\t.\tTAA\tT\t50\tPASS\t.\tGT:DP\t./1:7\t.:."),
    ("chr10\t105\t.\tA\t*,G\t50\tPASS\t.\tGT:DP:PS\t1|2\t0/2:40"),
    ("chr10\t106\t.\tC\t.\t50\tPASS\t.\tGT:DP\t0/0:33\t0/0"),
    ("chr10\t107\t.\tG\t<DEL>\t50\tPASS\t.\tGT\t0/1\t./."),
    ("chr10\t108\t.\tA\tC\t50\tPASS\t.\tGT:PS\t1|0:77\t.|."),
]


def _pysam_view(rec, sample):
    """The same fields read through pysam's VariantFile (the reference parser)."""
    call = rec.samples[sample]
    gt = call.get("GT")
    gt = None if gt is None or gt == (None,) and "GT" not in call else tuple(gt)
    return (rec.pos, rec.ref, tuple(rec.alleles), [f for f in rec.filter.keys() if f != "PASS"], gt,
            bool(call.phased), call.get("DP"), call.get("PS"))


@pytest.mark.parametrize("sample", ["S1", "S2"])
def test_text_records_equal_pysam_variantfile_records(tmp_path, sample):
    import pysam

    vcf = write_vcf(tmp_path / "edge.vcf.gz", EDGE_LINES, samples=("S1", "S2"),
                    extra_header='##FILTER=<ID=LowQual,Description="q">\n##FILTER=<ID=LowDP,Description="d">\n'
                                 '##ALT=<ID=DEL,Description="deletion">\n'
                                 '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="depth">\n'
                                 '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="phase set">')
    ours = opened(vcf, sample)
    mine = [ours.record(x) for x in ours.lines("chr10", 0, 200)]
    with pysam.VariantFile(str(vcf)) as vf:
        theirs = [_pysam_view(r, sample) for r in vf.fetch("chr10", 0, 200)]
    assert len(mine) == len(theirs) == len(EDGE_LINES)
    for m, t in zip(mine, theirs):
        assert (m.pos, m.ref, m.alleles, m.filters, m.gt, m.phased, m.dp, m.ps) == t, t


def _tpmt_vcf(tmp_path, name, lines, dp_type="Integer", extra=""):
    """A TPMT VCF whose records are given as raw lines (after a shared header)."""
    import pysam

    header = ["##fileformat=VCFv4.3", '##FILTER=<ID=PASS,Description="All filters passed">',
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              f'##FORMAT=<ID=DP,Number=1,Type={dp_type},Description="Depth">',
              '##INFO=<ID=CSQ,Number=.,Type=String,Description="annotation">', "##contig=<ID=chr6>",
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1"]
    plain = tmp_path / f"{name}.vcf"
    plain.write_text("\n".join(header + lines) + "\n" + extra, encoding="utf-8")
    out = tmp_path / f"{name}.vcf.gz"
    pysam.tabix_compress(str(plain), str(out), force=True)
    pysam.tabix_index(str(out), preset="vcf", force=True)
    return out


def _tpmt_lines(depth_at_719="40", het_719=True, dp_fmt="{}"):
    from genotailor.pgx.definitions import load_gene

    lines = []
    for p in sorted(load_gene("TPMT").positions, key=lambda p: p.pos):
        gt = "0/1" if (p.pos == 18130687 and het_719) else "0/0"
        dp = depth_at_719 if p.pos == 18130687 else "40"
        lines.append(f"chr6\t{p.pos}\t.\t{p.ref}\t{p.alts[0]}\t50\tPASS\t.\tGT:DP\t{gt}:{dp_fmt.format(dp)}")
    return lines


def test_utf8_annotations_in_a_fetched_region_are_read_not_fatal(tmp_path):
    from genotailor.pgx.run import call_gene

    lines = _tpmt_lines(het_719=False)
    first = int(lines[0].split("\t")[1])
    lines.insert(1, f"chr6\t{first + 5}\t.\tC\tT\t50\tPASS\tCSQ=Waldenstr\u00f6m\tGT:DP\t0/1:30")
    r = call_gene("TPMT", _tpmt_vcf(tmp_path, "utf8", lines), None, None)
    assert (r["diplotype"], r["status"]) == ("*1/*1", "called")


def test_a_float_depth_still_counts_as_low_depth(tmp_path):
    from genotailor.pgx.run import call_gene

    vcf = _tpmt_vcf(tmp_path, "dpf", _tpmt_lines(depth_at_719="3.0", dp_fmt="{}"), dp_type="Float")
    r = call_gene("TPMT", vcf, None, None)
    (low,) = [p for p in r["missing_positions"] if p["position"] == 18130687]
    assert (low["status"], low["depth"], low["genotype"]) == ("low_depth", 3, "T/C")  # c.719A>G, 3 reads
    assert r["diplotype"] != "*1/*3C"  # the 3-read genotype is shown, not used


@pytest.mark.parametrize("fmt,value,message", [
    ("DP:GT", "40:0/1", "GT must come first"),
    ("GT:DP", "0/1:40:7", "no more values than keys"),
    ("GT:DP", "0/1:many", "unreadable GT, DP or PS"),
    ("GT", "0/x", "unreadable GT, DP or PS"),
])
def test_sample_fields_htslib_would_reject_are_errors_naming_the_record(tmp_path, fmt, value, message):
    vcf = _tpmt_vcf(tmp_path, "bad", [f"chr6\t18130687\t.\tT\tC\t50\tPASS\t.\t{fmt}\t{value}"])
    handle = opened(vcf, None)
    (line,) = list(handle.lines("chr6", 18130686, 18130687))
    with pytest.raises(InputError, match=f"record at chr6:18130687: .*{message}"):
        handle.record(line)


def test_a_vcf44_leading_phase_indicator_is_read():
    from genotailor.pgx.vcfopen import parse_genotype

    assert parse_genotype("|0|1") == ((0, 1), True)
    assert parse_genotype("/0/1") == ((0, 1), False)
    assert parse_genotype("1") == ((1,), True) and parse_genotype("./.") == ((None, None), False)


def test_value_classes_compare_by_fields_and_refuse_unknown_fields():
    from genotailor.pgx.genotypes import PositionCall
    from genotailor.pgx.matcher import Diplotype

    assert Diplotype("*1", "*2", 1) == Diplotype("*1", "*2", 1, 0, 0) != Diplotype("*1", "*3", 1)
    assert len({Diplotype("*1", "*2", 1), Diplotype("*1", "*2", 1)}) == 1
    call = PositionCall(5, "rs1", "A", "called", ("A", "G"))
    assert call.replace(status="inconsistent").status == "inconsistent" and call.status == "called"
    assert PositionCall(1, None, "A", "absent").filters is not PositionCall(2, None, "A", "absent").filters
    with pytest.raises(TypeError, match="PositionCall has no field"):
        call.replace(statsu="x")
