"""The regions a patient's consent leaves out (core/consent.py), from small readable inputs.

Expected values follow the definitions the module states: spans are 0-based half-open, a gene's
transcript model +-1000 bp (PAD); a gene without a model has no span and does not stop the genes
after it; a kept BED region (a matched normal: its tumour's panel) is cut out of the withheld spans;
without PGx consent the ACMG SF genes that are also pharmacogenes (RYR1, CACNA1S) are withheld like
any other SF gene. MLH1's span is that of its MANE Select transcript (chr3:36,993,518-37,050,846).
"""

from __future__ import annotations

from argparse import Namespace

from genotailor.core.consent import gene_spans, subtract, withheld_genes
from genotailor.core.paths import GERMLINE_KB, TRANSCRIPT_MODELS

MLH1_SPAN = ("chr3", 36992517, 37051846)  # MANE Select NM_000249.4 exons 36,993,518..37,050,846, +-1 kb


def _models(path):
    """Two one-exon genes on chrX: NEARSTART at 501..700 (closer than 1 kb to the chromosome's
    start), FARTHER at 5001..5100."""
    rows = ["##gff-version 3"]
    for gene, start, end in (("NEARSTART", 501, 700), ("FARTHER", 5001, 5100)):
        rows += [f"chrX\tt\tgene\t{start}\t{end}\t.\t+\t.\tID=gene:{gene};Name={gene};biotype=protein_coding",
                 f"chrX\tt\tmRNA\t{start}\t{end}\t.\t+\t.\tID=transcript:{gene}T;Parent=gene:{gene};"
                 f"Name={gene}-201;biotype=protein_coding",
                 f"chrX\tt\texon\t{start}\t{end}\t.\t+\t.\tParent=transcript:{gene}T;rank=1",
                 f"chrX\tt\tCDS\t{start}\t{end}\t.\t+\t0\tID=CDS:{gene};Parent=transcript:{gene}T"]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_gene_without_a_model_is_skipped_and_the_genes_after_it_still_get_their_spans(tmp_path):
    spans = gene_spans(["NOT_MODELLED", "FARTHER", "NEARSTART"], _models(tmp_path / "m.gff3"))
    # FARTHER: 0-based 5000..5100, +-1000; NEARSTART: 500..700 - 1000 stops at the chromosome's first base
    assert spans == [("chrX", 0, 1700), ("chrX", 4000, 6100)]


def test_a_gene_span_starts_at_the_chromosomes_first_base_not_before_or_after_it(tmp_path):
    assert gene_spans(["NEARSTART"], _models(tmp_path / "m.gff3")) == [("chrX", 0, 1700)]


def test_mlh1_span_is_its_mane_select_transcript_padded_by_one_kilobase():
    assert gene_spans(["MLH1"], TRANSCRIPT_MODELS) == [MLH1_SPAN]


def test_subtract_cuts_spans_out_of_intervals_half_open_and_keeps_the_other_columns():
    intervals = [("chr1", 100, 1000, "panelA"), ("chr2", 100, 200, "panelB"), ("chr2", 500, 600, "panelC")]
    spans = [("chr1", 200, 300), ("chr1", 900, 1200), ("chr2", 100, 150), ("chr3", 0, 10_000)]
    assert subtract(intervals, spans) == [
        ("chr1", 100, 200, "panelA"), ("chr1", 300, 900, "panelA"),  # a hole, and the end cut off
        ("chr2", 150, 200, "panelB"),  # a span starting exactly at the interval's start leaves no empty piece
        ("chr2", 500, 600, "panelC"),  # untouched: no span reaches it
    ]


def test_subtract_looks_past_spans_of_other_chromosomes_and_drops_a_wholly_covered_interval():
    # spans sorted by chromosome: chr1's come before chr2's
    spans = [("chr1", 0, 50), ("chr2", 0, 50), ("chr2", 60, 70)]
    assert subtract([("chr2", 10, 40), ("chr2", 40, 100)], spans) == [("chr2", 50, 60), ("chr2", 70, 100)]
    assert subtract([("chr2", 10, 40)], spans) == []


def test_a_matched_normal_keeps_its_tumour_panel_inside_a_withheld_gene(tmp_path):
    from genotailor.cli.consent import withheld_spans

    panel = tmp_path / "tumour_panel.bed"
    panel.write_text("chr3\t37040000\t37041000\tMLH1_exon\n")
    args = Namespace(withhold_secondary_findings=True, keep_genes="", pgx_consent=False, keep_regions=str(panel),
                     germline_kb=str(GERMLINE_KB), consent_models=str(TRANSCRIPT_MODELS))
    spans = withheld_spans(args)
    assert ("chr3", MLH1_SPAN[1], 37040000) in spans and ("chr3", 37041000, MLH1_SPAN[2]) in spans
    assert not any(c == "chr3" and s < 37041000 and 37040000 < e for c, s, e in spans)


def test_without_pgx_consent_the_sf_pharmacogenes_are_withheld_like_any_sf_gene():
    genes = withheld_genes(False, ["BRCA2"])  # PGx consent not given: the default
    assert {"RYR1", "CACNA1S", "MLH1"} <= set(genes) and "BRCA2" not in genes
    assert genes == sorted(genes)
