"""`genotailor pgx-accuracy`: every pair of named alleles of every gene, rendered and called back.

For each gene, every unordered pair of its named alleles (reference allele and homozygous pairs
included) is rendered as genotypes at every defining position (0/0 where both haplotypes carry
the reference: full coverage), once unphased and once phased, and interpreted by the same code
the VCF caller uses (`rules.interpret`). Counted per gene:

- containment: the true diplotype is among the candidates (top call or any alternative);
- top call: the true diplotype is the headline diplotype;
- indistinguishable: cases whose rendered genotypes another pair of named alleles could give just
  as well, so no caller can tell them apart (unphased: *1/*3A versus *3B/*3C; with IUPAC codes,
  CYP2C19 *1/*2 carrying A at *2's R position versus *2/*11). A case counts if another rendered
  pair has identical genotypes, or if another candidate the engine reports passes an independent,
  deliberately naive compatibility check. They stay in the top-call figures and are also
  reported on their own;
- unsound: reported candidates failing that naive check (must be 0).

A pair is the true diplotype if it has the same two allele names. IUPAC codes in a definition are
rendered as their first non-reference base; a pair that cannot be rendered consistently with its
own definitions would be skipped and counted (none are today).

The bulk runs on in-memory genotypes (thousands of pairs per gene). To prove the VCF path, a seeded
sample of pairs per gene is also written as real bgzipped, indexed multi-sample VCFs (one sample
per pair, unphased and phased) and called through `cli.call_gene`; each result must equal the
in-memory one. G6PD is also run hemizygously (male, one allele, haploid genotypes).
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pysam

from genotailor.pgx.definitions import DEFAULT_KB, allele_matches
from genotailor.pgx.genotypes import PositionCall
from genotailor.pgx.matcher import gene_index
from genotailor.pgx.rules import HEMIZYGOUS_IN_MALES, interpret


@dataclass
class ModeStats:
    cases: int = 0
    top: int = 0
    contained: int = 0
    indistinguishable: int = 0  # cases sharing their genotypes with another case
    indistinguishable_top: int = 0
    unsound: int = 0  # reported candidates that cannot give the genotypes (naive check)
    misses: list = field(default_factory=list)  # first few (true, called) pairs that were not top

    def pct(self, n):
        return 100.0 * n / self.cases if self.cases else 100.0


@dataclass
class GeneStats:
    gene: str
    alleles: int
    pairs: int = 0
    skipped: int = 0
    unphased: ModeStats = field(default_factory=ModeStats)
    phased: ModeStats = field(default_factory=ModeStats)
    hemizygous: ModeStats | None = None
    vcf_round_trips: int = 0
    vcf_agree: int = 0
    vcf_disagreements: list = field(default_factory=list)
    seconds: float = 0.0


def _renderable(ix, i, hap) -> bool:
    """The rendered haplotype satisfies the allele's own definition everywhere."""
    for p, r in ix.ref.items():
        if not allele_matches(ix.expected(i, p), hap.get(p, r)):
            return False
    return True


def _truth(names) -> tuple:
    return tuple(sorted(names))


def _result_names(result) -> tuple:
    return _truth(result["alleles"]) if result["alleles"] else ()


def _all_candidates(result) -> set:
    out = {_result_names(result)} if result["alleles"] else set()
    out |= {_truth(a["alleles"]) for a in result["alternatives"]}
    return out


class _Renderer:
    """In-memory PositionCall lists of rendered haplotypes over a gene's defining positions:
    homozygous-reference calls everywhere (shared, never modified), replaced where a haplotype
    differs from the reference."""

    def __init__(self, gene):
        self.positions = list(gene.positions)
        self.slot = {p.pos: k for k, p in enumerate(self.positions)}
        self.base = {
            (ploidy, phased): [
                PositionCall(p.pos, p.rsid, p.ref, "called", (p.ref,) * ploidy, phased, 1 if phased else None)
                for p in self.positions
            ]
            for ploidy, phased in ((1, False), (2, False), (2, True))
        }

    def calls(self, h1: dict, h2: dict | None, phased: bool) -> list[PositionCall]:
        haploid = h2 is None
        phased = phased and not haploid
        out = list(self.base[(1 if haploid else 2, phased)])
        for pos in (h1.keys() if haploid else h1.keys() | h2.keys()):
            k = self.slot[pos]
            p = self.positions[k]
            a1 = h1.get(pos, p.ref)
            alleles = (a1,) if haploid else (a1, h2.get(pos, p.ref))
            out[k] = PositionCall(pos, p.rsid, p.ref, "called", alleles, phased, 1 if phased else None)
        return out


def _signature(h1: dict, h2: dict | None, phased: bool):
    if h2 is None:
        return frozenset(h1.items())
    if phased:
        return frozenset([frozenset(h1.items()), frozenset(h2.items())])
    keys = set(h1) | set(h2)
    return frozenset((p, tuple(sorted((h1.get(p, ""), h2.get(p, ""))))) for p in keys)


def naive_compatible(gene, names, calls) -> bool:
    """Deliberately simple, independent check: can these named alleles (one or two) give exactly
    the called genotypes? Every called position, both orientations, IUPAC-aware; phased
    heterozygous genotypes must keep one orientation per phase set."""
    by_name = {a.name: a for a in gene.alleles}
    alleles = [by_name[n] for n in names]
    orientations = {}
    for c in calls:
        if c.status != "called":
            continue
        expected = [a.definition.get(c.pos, c.ref) for a in alleles]
        if len(expected) != len(c.alleles):
            if len(expected) == 1 and len(set(c.alleles)) == 1:  # hemizygous written as diploid
                expected = expected * len(c.alleles)
            else:
                return False
        if len(expected) == 1:
            if not allele_matches(expected[0], c.alleles[0]):
                return False
            continue
        (e1, e2), (g1, g2) = expected, c.alleles
        ways = set()
        if allele_matches(e1, g1) and allele_matches(e2, g2):
            ways.add(True)
        if allele_matches(e1, g2) and allele_matches(e2, g1):
            ways.add(False)
        if not ways:
            return False
        if c.phased and g1 != g2 and len(ways) == 1:
            key = c.phase_set if c.phase_set is not None else -1
            (way,) = ways
            if orientations.setdefault(key, way) != way:
                return False
    return True


def _evaluate(stats: ModeStats, gene, truth, calls, result, identical: bool):
    stats.cases += 1
    top = _result_names(result) == truth
    candidates = _all_candidates(result)
    stats.top += top
    stats.contained += truth in candidates
    others = 0
    for names in candidates:
        if names == truth:
            continue  # compatible by construction (`_renderable`)
        if naive_compatible(gene, names, calls):
            others += 1
        else:
            stats.unsound += 1
    indistinguishable = identical or others > 0
    if indistinguishable:
        stats.indistinguishable += 1
        stats.indistinguishable_top += top
    if not top and len(stats.misses) < 10:
        stats.misses.append({"true": "/".join(truth), "called": result["diplotype"], "status": result["status"],
                             "indistinguishable": indistinguishable})


def _write_vcf(path: Path, gene, samples: list[tuple[str, dict, dict | None]], phased: bool):
    """A bgzipped, indexed VCF with one sample per (name, haplotype 1, haplotype 2 or None)."""
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">',
        f"##contig=<ID={gene.chrom}>",
        "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *(s[0] for s in samples)]),
    ]
    for p in sorted(gene.positions, key=lambda p: p.pos):
        observed = []
        for _, h1, h2 in samples:
            observed.append(h1.get(p.pos, p.ref))
            if h2 is not None:
                observed.append(h2.get(p.pos, p.ref))
        alts = [a for a in dict.fromkeys(observed) if a != p.ref]
        alleles = [p.ref, *alts]
        gts = []
        for _, h1, h2 in samples:
            i1 = alleles.index(h1.get(p.pos, p.ref))
            if h2 is None:
                gts.append(str(i1))
            else:
                i2 = alleles.index(h2.get(p.pos, p.ref))
                gts.append(f"{i1}|{i2}:1" if phased else f"{i1}/{i2}")
        fmt = "GT:PS" if phased else "GT"
        lines.append("\t".join([gene.chrom, str(p.pos), p.rsid or ".", p.ref, ",".join(alts) or ".", "50", "PASS",
                                ".", fmt, *gts]))
    plain = path.with_suffix("")
    plain.write_text("\n".join(lines) + "\n")
    pysam.tabix_compress(str(plain), str(path), force=True)
    plain.unlink()
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


def _comparable(result) -> tuple:
    return (result["status"], result["diplotype"], result["phenotype"], result["activity_score"],
            tuple(a["diplotype"] for a in result["alternatives"]), result["alternatives_total"])


def evaluate_gene(gene_name: str, kb_dir=DEFAULT_KB, round_trips: int = 200, seed: int = 0,
                  workdir: Path | None = None) -> GeneStats:
    from genotailor.pgx.definitions import cached_gene
    from genotailor.pgx.run import call_gene

    t0 = time.perf_counter()
    gene = cached_gene(gene_name, kb_dir)
    ix = gene_index(gene)
    n = len(ix.names)
    stats = GeneStats(gene.gene, n)
    haps = [ix.render(i) for i in range(n)]
    ok = [_renderable(ix, i, haps[i]) for i in range(n)]
    renderer = _Renderer(gene)
    pairs = []
    for i in range(n):
        for j in range(i, n):
            stats.pairs += 1
            if ok[i] and ok[j]:
                pairs.append((i, j))
            else:
                stats.skipped += 1
    # The pairs also written as VCF, chosen first so that only their in-memory results are kept.
    rng = random.Random(f"{seed}:{gene.gene}")
    chosen = pairs if len(pairs) <= round_trips else rng.sample(pairs, round_trips)
    hemi = gene.gene in HEMIZYGOUS_IN_MALES
    singles = [i for i in range(n) if ok[i]]
    chosen_singles = rng.sample(singles, min(round_trips, len(singles))) if hemi else []
    keep = {(i, j, phased) for i, j in chosen for phased in (False, True)} | {(i, None, False) for i in chosen_singles}
    results = {}
    for phased in (False, True):
        mode = stats.phased if phased else stats.unphased
        seen: dict = {}
        for i, j in pairs:
            sig = _signature(haps[i], haps[j], phased)
            seen[sig] = seen.get(sig, 0) + 1
        for i, j in pairs:
            calls = renderer.calls(haps[i], haps[j], phased)
            result = interpret(gene, calls, "unknown", max_alternatives=None, detail=False)
            if (i, j, phased) in keep:
                results[(i, j, phased)] = result
            _evaluate(mode, gene, _truth((ix.names[i], ix.names[j])), calls, result,
                      seen[_signature(haps[i], haps[j], phased)] > 1)
    if hemi:
        stats.hemizygous = ModeStats()
        seen = {}
        for i in singles:
            sig = _signature(haps[i], None, False)
            seen[sig] = seen.get(sig, 0) + 1
        for i in singles:
            calls = renderer.calls(haps[i], None, False)
            result = interpret(gene, calls, "male", max_alternatives=None, detail=False)
            if (i, None, False) in keep:
                results[(i, None, False)] = result
            _evaluate(stats.hemizygous, gene, (ix.names[i],), calls, result, seen[_signature(haps[i], None, False)] > 1)
    if round_trips:
        owned = workdir is None
        tmp = Path(tempfile.mkdtemp(prefix="pgx-accuracy-")) if owned else Path(workdir)
        try:
            batches = [(False, list(chosen)), (True, list(chosen))]
            if hemi:
                batches.append((None, [(i, None) for i in chosen_singles]))
            for phased, cases in batches:
                samples = [(f"P{k}", haps[i], haps[j] if j is not None else None) for k, (i, j) in enumerate(cases)]
                label = "hemizygous" if phased is None else ("phased" if phased else "unphased")
                vcf = _write_vcf(tmp / f"{gene.gene}.{label}.vcf.gz", gene, samples, bool(phased))
                sex = "male" if phased is None else "unknown"
                for k, (i, j) in enumerate(cases):
                    via_vcf = call_gene(gene.gene, vcf, f"P{k}", None, kb_dir, sex=sex)
                    in_memory = results[(i, j, bool(phased))]
                    stats.vcf_round_trips += 1
                    if _comparable(via_vcf) == _comparable(in_memory):
                        stats.vcf_agree += 1
                    elif len(stats.vcf_disagreements) < 10:
                        names = "/".join(ix.names[x] for x in (i, j) if x is not None)
                        stats.vcf_disagreements.append({"true": names, "mode": label, "vcf": via_vcf["diplotype"],
                                                        "in_memory": in_memory["diplotype"]})
        finally:
            if owned:
                for f in tmp.iterdir():
                    f.unlink()
                tmp.rmdir()
    stats.seconds = time.perf_counter() - t0
    return stats


def run_suite(genes=None, kb_dir=DEFAULT_KB, round_trips: int = 200, seed: int = 0) -> dict:
    """Per-gene statistics and the totals, as a JSON-ready dict."""
    from genotailor.pgx.run import CALLED_GENES

    per_gene = [evaluate_gene(g, kb_dir, round_trips, seed) for g in (genes or CALLED_GENES)]
    total = {"pairs": 0, "skipped": 0, "vcf_round_trips": 0, "vcf_agree": 0}
    modes = {"unphased": ModeStats(), "phased": ModeStats(), "hemizygous": ModeStats()}
    for s in per_gene:
        for k in total:
            total[k] += getattr(s, k)
        for name, m in (("unphased", s.unphased), ("phased", s.phased), ("hemizygous", s.hemizygous)):
            if m is None:
                continue
            t = modes[name]
            for k in ("cases", "top", "contained", "indistinguishable", "indistinguishable_top", "unsound"):
                setattr(t, k, getattr(t, k) + getattr(m, k))
    for name, m in modes.items():
        total[name] = _mode_summary(m)
    both = modes["unphased"].cases + modes["phased"].cases
    total["top_call_pct"] = 100.0 * (modes["unphased"].top + modes["phased"].top) / both if both else 100.0
    total["containment_pct"] = (
        100.0 * (modes["unphased"].contained + modes["phased"].contained) / both if both else 100.0
    )
    total["seconds"] = round(sum(s.seconds for s in per_gene), 2)
    return {"genes": [_gene_summary(s) for s in per_gene], "total": total}


def _mode_summary(m: ModeStats) -> dict:
    return {
        "cases": m.cases,
        "top": m.top,
        "top_pct": round(m.pct(m.top), 3),
        "contained": m.contained,
        "contained_pct": round(m.pct(m.contained), 3),
        "indistinguishable": m.indistinguishable,
        "indistinguishable_top": m.indistinguishable_top,
        "unsound": m.unsound,
        "misses": m.misses,
    }


def _gene_summary(s: GeneStats) -> dict:
    d = {
        "gene": s.gene,
        "alleles": s.alleles,
        "pairs": s.pairs,
        "skipped": s.skipped,
        "unphased": _mode_summary(s.unphased),
        "phased": _mode_summary(s.phased),
        "vcf_round_trips": s.vcf_round_trips,
        "vcf_agree": s.vcf_agree,
        "vcf_disagreements": s.vcf_disagreements,
        "seconds": round(s.seconds, 2),
    }
    if s.hemizygous is not None:
        d["hemizygous"] = _mode_summary(s.hemizygous)
    return d


def format_table(summary: dict) -> str:
    head = ("gene", "alleles", "pairs", "skipped", "unphased top %", "phased top %", "containment %",
            "indistinguishable (unphased/phased)", "VCF round trips agree")
    rows = []
    for g in summary["genes"]:
        contained = g["unphased"]["contained"] + g["phased"]["contained"]
        cases = g["unphased"]["cases"] + g["phased"]["cases"]
        rows.append((g["gene"], g["alleles"], g["pairs"], g["skipped"], f"{g['unphased']['top_pct']:.2f}",
                     f"{g['phased']['top_pct']:.2f}", f"{100.0 * contained / cases if cases else 100.0:.2f}",
                     f"{g['unphased']['indistinguishable']}/{g['phased']['indistinguishable']}",
                     f"{g['vcf_agree']}/{g['vcf_round_trips']}"))
        if "hemizygous" in g:
            h = g["hemizygous"]
            rows.append((f"{g['gene']} (male)", g["alleles"], h["cases"], 0, f"{h['top_pct']:.2f}", "-",
                         f"{h['contained_pct']:.2f}", f"{h['indistinguishable']}/-", "-"))
    t = summary["total"]
    rows.append(("TOTAL", "", t["pairs"], t["skipped"], f"{t['unphased']['top_pct']:.2f}",
                 f"{t['phased']['top_pct']:.2f}", f"{t['containment_pct']:.2f}",
                 f"{t['unphased']['indistinguishable']}/{t['phased']['indistinguishable']}",
                 f"{t['vcf_agree']}/{t['vcf_round_trips']}"))
    widths = [max(len(str(r[k])) for r in [head, *rows]) for k in range(len(head))]
    out = ["  ".join(str(c).rjust(w) if k else str(c).ljust(w) for k, (c, w) in enumerate(zip(r, widths)))
           for r in [head, *rows]]
    out.insert(1, "  ".join("-" * w for w in widths))
    out.append(f"overall top call {t['top_call_pct']:.3f}% (unphased and phased), "
               f"containment {t['containment_pct']:.3f}%, {t['seconds']:.1f} s")
    return "\n".join(out)
