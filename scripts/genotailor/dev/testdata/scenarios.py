"""The demo patients: what each one carries, how it was sequenced, and what the workflow
should conclude about it.

Every planted germline pharmacogene haplotype is built directly from the knowledge-base
allele definitions (`workflow/resources/pgx/genes/*.json`), then called back with a simple
definition matcher, so the expected diplotypes in the truth files are exactly what the
definitions say. Their expected phenotypes are CPIC's published ones (`published.py`), not the
engine's.

Patients
- PGX001: germline pharmacogenomics from reads (two lanes), several actionable diplotypes.
- TUMOR01: melanoma tumour/normal pair over the cancer hotspot windows: two somatic
  hotspots at known allele fractions and one germline SNV the somatic screen must exclude.
- VCF001: enters as an outside lab's VCF (no `chr` prefix, two sample columns, a
  multi-allelic record and an indel that is not left-aligned).
- LOWQ01: a poor library that must fail the QC gates.
- LUNG01: lung adenocarcinoma entering as a Mutect2 tumour/normal VCF (EGFR L858R and the
  resistance mutation T790M; a germline and an artefact record filtered by FilterMutectCalls).
Plus deliberately bad VCFs (wrong genome build; REF not matching the reference).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from genotailor.core.paths import HOTSPOTS
from genotailor.dev.testdata.published import published_phenotype
from genotailor.dev.testdata.reference import BGZF_EOF, GRCH38_LENGTHS, DemoGenome, bgzf_block
from genotailor.dev.testdata.simulate import Haplotype, Library, ReadSet, Variant, simulate
from genotailor.pgx.definitions import IUPAC, GeneDefinition, allele_matches, load_gene

DEFAULT_SEED = 20261128

# Pharmacogenes whose knowledge-base positions are sequenced in the read-based demo samples.
PGX_TARGET_GENES = (
    "CYP2C19", "CYP2C9", "CYP3A5", "CYP4F2", "DPYD", "NUDT15", "SLCO1B1",
    "TPMT", "UGT1A1", "VKORC1", "IFNL3", "ABCG2", "CYP2B6", "NAT2",
)
PGX_PAD = 350  # target = knowledge-base position +- this many bp

# Library profiles --------------------------------------------------------------------------
GOOD_LIBRARY = Library(duplicate_rate=0.08)
TUMOUR_LIBRARY = Library(duplicate_rate=0.12, fragment_mean=280.0, fragment_sd=75.0, q37_last=0.84)
POOR_LIBRARY = Library(
    fragment_mean=130.0,
    fragment_sd=45.0,
    duplicate_rate=0.40,
    q37_first=0.66,
    q37_last=0.24,
    r2_penalty=0.08,
    poor_cluster_fraction=0.10,
    low_bins=(0.72, 0.22, 0.06),
    error_by_bin=(0.5, 0.08, 0.02, 0.002),
)

# Short notes on what the planted variants mean (the rest are derived from the definitions).
NOTES = {
    "rs4244285": "CYP2C19*2 core variant c.681G>A: aberrant splicing, no enzyme",
    "rs12769205": "CYP2C19*2 haplotype variant (intronic)",
    "rs58973490": "CYP2C19*2 definition position given as IUPAC R; the non-reference base A is planted",
    "rs3758581": "c.991A>G p.I331V: GRCh38 carries the rare *38 base A, so *1, *2 and *17 all carry G",
    "rs12248560": "CYP2C19*17 promoter c.-806C>T: increased transcription",
    "rs1800460": "TPMT*3A component c.460G>A p.A154T",
    "rs1142345": "TPMT*3A component c.719A>G p.Y240C",
    "rs3918290": "DPYD c.1905+1G>A (*2A): exon 14 skipping, no DPD activity",
    "rs1799853": "CYP2C9*2 c.430C>T p.R144C: decreased function",
    "rs9923231": "VKORC1 c.-1639G>A: lower VKORC1 expression, higher warfarin sensitivity",
    "rs4149056": "SLCO1B1 c.521T>C p.V174A (*5): decreased OATP1B1 transport, statin myopathy risk",
    "rs776746": "CYP3A5*3 c.6986A>G: cryptic splice site, no CYP3A5 protein",
    "rs3064744": "UGT1A1 promoter TA repeat: one extra TA, A(TA)7TAA (*28), reduced expression",
}


@dataclass
class Planted:
    """A planted variant and what each sample carries."""

    variant: Variant
    gene: str
    meaning: str
    samples: dict  # sample -> {"genotype": "0/1"} or {"vaf": 0.3}
    rsid: str | None = None
    origin: str = "germline"
    extra: dict = field(default_factory=dict)

    def as_json(self, normalized=None):
        v = self.variant
        d = {"chrom": v.chrom, "pos": v.pos, "ref": v.ref, "alt": v.alt, "gene": self.gene}
        if self.rsid:
            d["rsid"] = self.rsid
        d["origin"] = self.origin
        d.update(self.extra)
        d["samples"] = self.samples
        d["meaning"] = self.meaning
        if normalized and (normalized[1], normalized[2], normalized[3]) != (v.pos, v.ref, v.alt):
            d["normalized"] = {"chrom": v.chrom, "pos": normalized[1], "ref": normalized[2], "alt": normalized[3]}
        return d


# --- knowledge-base helpers ---------------------------------------------------------------


def allele_variants(gene: GeneDefinition, allele: str, iupac: str = "alt") -> list[tuple[Variant, str | None]]:
    """The variants (and rsids) that turn the reference sequence into `allele`.

    At a position the definition gives as an IUPAC code (either base defines the allele),
    iupac="alt" plants the non-reference base and iupac="ref" keeps the reference base
    when the code allows it."""
    out = []
    positions = {p.pos: p for p in gene.positions}
    for pos, want in sorted(gene.allele(allele).definition.items()):
        p = positions[pos]
        if len(want) == 1 and want in IUPAC and want not in "ACGT":
            if iupac == "ref" and p.ref in IUPAC[want]:
                continue
            choices = [a for a in p.alts if len(a) == 1 and a in IUPAC[want] and a != p.ref] or [
                b for b in IUPAC[want] if b != p.ref
            ]
            alt = choices[0]
        elif allele_matches(want, p.ref):
            continue  # the reference base is what the definition asks for
        else:
            alt = want
        out.append((Variant(gene.chrom, pos, p.ref, alt), p.rsid))
    return out


def call_haplotype(gene: GeneDefinition, variants) -> str:
    """Name of the most specific allele whose definition the haplotype satisfies."""
    observed = {p.pos: p.ref for p in gene.positions}
    for v in variants:
        if v.chrom == gene.chrom and v.pos in observed:
            observed[v.pos] = v.alt
    matches = []
    for a in gene.alleles:
        if all(allele_matches(want, observed[pos]) for pos, want in a.definition.items()):
            matches.append(a)
    if not matches:
        raise ValueError(f"{gene.gene}: planted haplotype matches no defined allele")
    best = max(len(a.definition) for a in matches)
    top = [a.name for a in matches if len(a.definition) == best]
    if len(top) != 1:
        raise ValueError(f"{gene.gene}: planted haplotype is ambiguous between {top}")
    return top[0]


def compatible_unphased(gene: GeneDefinition, hap1, hap2) -> list[str]:
    """Every allele pair consistent with the haplotypes' unphased genotypes at all defining
    positions (an allele requires its defined allele where it lists one, the reference elsewhere)."""
    refs = {p.pos: p.ref for p in gene.positions}

    def observed(hap):
        obs = dict(refs)
        for v in hap:
            if v.chrom == gene.chrom and v.pos in obs:
                obs[v.pos] = v.alt
        return obs

    o1, o2 = observed(hap1), observed(hap2)
    out = []
    alleles = gene.alleles
    for i, a in enumerate(alleles):
        for b in alleles[i:]:
            ok = True
            for pos, ref in refs.items():
                ea, eb = a.definition.get(pos, ref), b.definition.get(pos, ref)
                straight = allele_matches(ea, o1[pos]) and allele_matches(eb, o2[pos])
                crossed = allele_matches(ea, o2[pos]) and allele_matches(eb, o1[pos])
                if not (straight or crossed):
                    ok = False
                    break
            if ok:
                out.append("/".join(sorted([a.name, b.name])))
    return out


def expected_diplotype(gene: GeneDefinition, hap1, hap2) -> dict:
    a1, a2 = call_haplotype(gene, hap1), call_haplotype(gene, hap2)
    key = "/".join(sorted([a1, a2]))
    # CPIC's published phenotype of the planted pair, not the engine's (CYP4F2: none, with the reason)
    phenotype, activity, reason = published_phenotype(gene.gene, [a1, a2])
    functions = {a.name: a.function for a in gene.alleles}
    others = [d for d in compatible_unphased(gene, hap1, hap2) if d != key]
    return {
        "diplotype": f"{a1}/{a2}",
        "alleles": [a1, a2],
        "functions": [functions.get(a1), functions.get(a2)],
        "phenotype": phenotype,
        "activity_score": activity,
        # why there is no phenotype (null when there is one)
        "phenotype_reason": reason,
        # other diplotypes the unphased genotypes fit equally (a caller must rank them)
        "unphased_alternatives": others,
    }


def expected_outside_call(gene_name: str, diplotype: str) -> dict:
    """An outside call as the sample sheet gives it (no phenotype stated) and the phenotype CPIC
    publishes for its diplotype (CYP2D6: from the activity score), which the report must give it."""
    phenotype, activity, reason = published_phenotype(gene_name, diplotype.split("/"))
    return {"diplotype": diplotype, "source": "sample sheet outside_calls", "phenotype": phenotype,
            "activity_score": activity, "phenotype_reason": reason}


def pgx_targets(genome: DemoGenome, genes=PGX_TARGET_GENES, pad=PGX_PAD) -> list[tuple[str, int, int, str]]:
    """Merged 0-based half-open intervals: every knowledge-base position of `genes` +- pad."""
    raw = []
    for g in genes:
        d = load_gene(g)
        for p in d.positions:
            raw.append((d.chrom, p.pos - 1 - pad, p.pos - 1 + len(p.ref) + pad, g))
    raw.sort(key=lambda r: (list(GRCH38_LENGTHS).index(r[0]), r[1]))
    merged: list[list] = []
    for c, s, e, g in raw:
        if merged and merged[-1][0] == c and s <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], e)
            if g not in merged[-1][3]:
                merged[-1][3].append(g)
        else:
            merged.append([c, s, e, [g]])
    out = []
    for c, s, e, gs in merged:
        # keep within the real window that holds the positions
        win = next(w for w in genome.windows if w.chrom == c and w.start - 1 <= s + pad < w.end)
        out.append((c, max(s, win.start - 1), min(e, win.end), ",".join(gs)))
    return out


def cancer_targets(genome: DemoGenome) -> list[tuple[str, int, int, str]]:
    """Each cancer window with its synthetic flanks, merged where they touch (EGFR ex18/19)."""
    spans = []
    for w in genome.windows:
        if w.is_cancer:
            spans.append([w.chrom, w.start - 1, w.end, [w.name]])
    for chrom, a, b, names in genome.flanks:
        spans.append([chrom, a, b, names.split(",")])
    spans.sort(key=lambda r: (list(GRCH38_LENGTHS).index(r[0]), r[1]))
    merged: list[list] = []
    for c, s, e, names in spans:
        if merged and merged[-1][0] == c and s <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], e)
            merged[-1][3] += [n for n in names if n not in merged[-1][3]]
        else:
            merged.append([c, s, e, list(names)])
    return [(c, s, e, ",".join(n)) for c, s, e, n in merged]


def normalize(genome, chrom: str, pos: int, ref: str, alt: str) -> tuple[str, int, str, str]:
    """Left-align and trim a VCF allele pair (as `bcftools norm -f`)."""
    changed = True
    while changed:
        changed = False
        if ref and alt and ref[-1] == alt[-1] and not (len(ref) == 1 and len(alt) == 1):
            ref, alt = ref[:-1], alt[:-1]
            changed = True
        if not ref or not alt:
            base = genome.fetch(chrom, pos - 2, pos - 1).decode()
            ref, alt, pos = base + ref, base + alt, pos - 1
            changed = True
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return chrom, pos, ref, alt


def hotspot(chrom: str, pos: int, ref: str, alt: str) -> dict | None:
    with open(HOTSPOTS) as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            if f[0] == chrom and f[1] == str(pos) and f[2] == ref and f[3] == alt:
                return {"gene": f[4], "protein_change": f[5]}
    return None


def on_hotspot_position(chrom: str, pos: int) -> bool:
    with open(HOTSPOTS) as fh:
        return any(line.split("\t")[:2] == [chrom, str(pos)] for line in fh)



def dump_json(obj, path: Path):
    path.write_text(json.dumps(obj, indent=1) + "\n")


# --- read-based samples ---------------------------------------------------------------------


@dataclass
class ReadSample:
    name: str
    s_number: int
    kind: str
    targets: list  # (chrom, start, end, label)
    haplotypes: list[Haplotype]
    library: Library
    depth: float
    lanes: tuple[int, ...]
    flowcell: str
    index: str
    stream: int  # seed stream of this sample
    panel: str = "default"  # the config panel the sheet assigns ("default": pharmacogenes)
    n_pairs: int | None = None  # fixed number instead of depth
    extra: dict = field(default_factory=dict)

    def total_pairs(self) -> int:
        if self.n_pairs:
            return self.n_pairs
        size = sum(e - s for _, s, e, _ in self.targets)
        return int(round(self.depth * size / self.library.mean_covered_bases()))

    def fastq_names(self, lane: int) -> tuple[str, str]:
        stem = f"{self.name}_S{self.s_number}_L{lane:03d}"
        return f"{stem}_R1_001.fastq.gz", f"{stem}_R2_001.fastq.gz"


def run_sample(sample: ReadSample, genome: DemoGenome, reads_dir: Path, seed: int) -> dict:
    """Simulate and write each lane of a sample; return per-lane file info and read truth."""
    total = sample.total_pairs()
    k = len(sample.lanes)
    per_lane = [total // k + (1 if i < total % k else 0) for i in range(k)]
    units = {}
    readsets = []
    targets = [(c, s, e) for c, s, e, _ in sample.targets]
    for lane, n in zip(sample.lanes, per_lane):
        rs = simulate(
            genome, targets, sample.haplotypes, n, [seed, sample.stream, lane], sample.library,
            flowcell=sample.flowcell, lane=lane, index=sample.index,
        )
        r1, r2 = sample.fastq_names(lane)
        rs.write(reads_dir / r1, reads_dir / r2)
        units[f"L{lane:03d}"] = {"r1": reads_dir / r1, "r2": reads_dir / r2, "pairs": n}
        readsets.append(rs)
    return {"units": units, "readsets": readsets, "pairs": total}


def read_stats(readsets: list[ReadSet]) -> dict:
    q = np.concatenate([np.concatenate([r.q1.ravel(), r.q2.ravel()]) for r in readsets])
    lengths = np.concatenate([r.fragments["length"] for r in readsets])
    dup = np.concatenate([r.fragments["duplicate"] for r in readsets])
    return {
        "read_pairs": int(sum(len(r) for r in readsets)),
        "read_length": int(readsets[0].r1.shape[1]),
        "q30_fraction": round(float((q >= 30).mean()), 4),
        "duplicate_fraction": round(float(dup.mean()), 4),
        "median_insert": int(np.median(lengths)),
        "insert_below_read_length_fraction": round(float((lengths < readsets[0].r1.shape[1]).mean()), 4),
    }


def site_counts(readsets: list[ReadSet], haplotypes: list[Haplotype], v: Variant) -> dict:
    """Read pairs covering a variant (duplicates excluded) and how many come from haplotypes
    that carry it (truth, before sequencing errors)."""
    depth = alt = 0
    carriers = [i for i, h in enumerate(haplotypes) if v in h.variants]
    for rs in readsets:
        f = rs.fragments
        rl = rs.r1.shape[1]
        x = v.pos - 1
        m = (f["chrom"] == v.chrom) & ~f["duplicate"]
        s, e = f["start"], f["end"]
        cov = m & (((x >= s) & (x < np.minimum(s + rl, e))) | ((x >= np.maximum(e - rl, s)) & (x < e)))
        depth += int(cov.sum())
        alt += int((cov & np.isin(f["hap"], carriers)).sum())
    return {"depth": depth, "alt_reads": alt}


# --- scenario definitions -------------------------------------------------------------------

# Depths. The demo config's QC gate `reads_after_filtering` warns below 20,000 reads, and the
# demo's read-based samples other than LOWQ01 must pass every gate: each needs >10,000 pairs.
# PGX001: mean depth over its 69 kb of targets; TUMOR01-N: a fixed number of pairs (over the
# 16 kb cancer targets that is ~190x; the ~80x a normal usually gets would be ~4,700 pairs and
# fail the gate); TUMOR01-T: mean depth over the cancer targets.
PGX001_DEPTH = 45.0
TUMOR01_NORMAL_PAIRS = 11000
TUMOR01_TUMOUR_DEPTH = 250.0
LOWQ01_PAIRS = 3000

PGX001_DIPLOTYPES = {  # gene -> (haplotype 1 allele, haplotype 2 allele)
    "CYP2C19": ("*2", "*17"),
    "TPMT": ("*1", "*3A"),
    "DPYD": ("Reference", "c.1905+1G>A (*2A)"),
    "CYP2C9": ("*1", "*2"),
    "VKORC1": ("rs9923231 reference (C)", "rs9923231 variant (T)"),
    "SLCO1B1": ("*1", "*5"),
    "CYP3A5": ("*3", "*3"),
    "UGT1A1": ("*1", "*28"),
}
EGFR_GERMLINE = (
    Variant("chr7", 55181370, "G", "A"), "rs1050171", "EGFR c.2361G>A p.Q787= (common synonymous polymorphism)"
)
BRAF_V600E = Variant("chr7", 140753336, "A", "T")
PIK3CA_H1047R = Variant("chr3", 179234297, "A", "G")


def diplotype_haplotypes(diplotypes: dict) -> tuple[list, list, list[Planted]]:
    """Variants of each haplotype for the given per-gene diplotypes, and their truth records."""
    hap = ([], [])
    planted: dict[Variant, Planted] = {}
    for gene_name, alleles in diplotypes.items():
        gene = load_gene(gene_name)
        for h, allele in enumerate(alleles):
            for v, rsid in allele_variants(gene, allele):
                hap[h].append(v)
                note = NOTES.get(rsid) or f"{gene_name} {allele} defining variant"
                p = planted.setdefault(v, Planted(v, gene_name, note, {}, rsid, extra={"alleles": []}))
                p.extra["on_haplotypes"] = sorted(set(p.extra.get("on_haplotypes", [])) | {h + 1})
                if allele not in p.extra["alleles"]:
                    p.extra["alleles"].append(allele)
    order = list(GRCH38_LENGTHS)
    return hap[0], hap[1], sorted(planted.values(), key=lambda p: (order.index(p.variant.chrom), p.variant.pos))


def genotype(p: Planted) -> str:
    return "1/1" if p.extra.get("on_haplotypes") == [1, 2] else "0/1"


def expected_pgx(genes, hap1, hap2) -> dict:
    return {g: expected_diplotype(load_gene(g), hap1, hap2) for g in genes}


def patient_pgx001(genome: DemoGenome) -> dict:
    hap1, hap2, planted = diplotype_haplotypes(PGX001_DIPLOTYPES)
    for p in planted:
        p.samples = {"PGX001-blood": {"genotype": genotype(p)}}
        p.extra.pop("on_haplotypes", None)
    targets = pgx_targets(genome)
    sample = ReadSample(
        "PGX001-blood", 1, "germline", targets,
        [Haplotype(0.5, tuple(hap1)), Haplotype(0.5, tuple(hap2))],
        GOOD_LIBRARY, PGX001_DEPTH, (1, 2), "HWKGJDSX3", "CAGATCTG+ACTTGAAG", 11,
    )
    return {
        "id": "PGX001", "sex": "female", "samples": [sample], "planted": planted,
        "expected_pgx": expected_pgx(PGX_TARGET_GENES, hap1, hap2),
        "consent": {"pharmacogenomics": True, "secondary_findings": False},
    }


def patient_tumor01(genome: DemoGenome) -> dict:
    egfr, egfr_rsid, egfr_note = EGFR_GERMLINE
    if genome.fetch(egfr.chrom, egfr.pos - 1, egfr.pos).decode() != egfr.ref:
        raise ValueError("EGFR germline SNV: REF does not match the reference")
    if on_hotspot_position(egfr.chrom, egfr.pos):
        raise ValueError("EGFR germline SNV must not be at a hotspot position")
    germ1, germ2 = (egfr,), ()
    normal_haps = [Haplotype(0.5, germ1), Haplotype(0.5, germ2)]
    # purity 0.6: tumour cells are 60% of the sample. BRAF V600E is clonal and heterozygous
    # (0.6 x 0.5 = 0.30); PIK3CA H1047R is heterozygous in a subclone of 40% of tumour cells
    # (0.6 x 0.4 x 0.5 = 0.12). Weights are haplotype copies in the sample.
    tumour_haps = [
        Haplotype(0.30, germ1 + (BRAF_V600E,)),  # tumour, copy 1
        Haplotype(0.20, germ1),  # normal cells, copy 1
        Haplotype(0.12, germ2 + (PIK3CA_H1047R,)),  # tumour subclone, copy 2
        Haplotype(0.38, germ2),  # rest of copy 2 (tumour and normal)
    ]
    targets = cancer_targets(genome)
    normal = ReadSample("TUMOR01-N", 2, "germline", targets, normal_haps, GOOD_LIBRARY, 0.0, (1,), "HVT5MDSX5",
                        "GTCCTAAG+TCGATGCA", 21, panel="cancer", n_pairs=TUMOR01_NORMAL_PAIRS)
    tumour = ReadSample("TUMOR01-T", 3, "tumor", targets, tumour_haps, TUMOUR_LIBRARY, TUMOR01_TUMOUR_DEPTH, (1,),
                        "HVT5MDSX5", "TTAGCGCA+AGGCTATA", 22, panel="cancer",
                        extra={"purity": 0.6, "normal": "TUMOR01-N"})
    planted = []
    for v, vaf, label in ((BRAF_V600E, 0.30, "clonal"), (PIK3CA_H1047R, 0.12, "subclonal")):
        hs = hotspot(v.chrom, v.pos, v.ref, v.alt)
        if not hs:
            raise ValueError(f"{v} is not in the hotspot list")
        planted.append(Planted(
            v, hs["gene"], f"{hs['gene']} {hs['protein_change']} somatic hotspot ({label})",
            {"TUMOR01-T": {"vaf": vaf}, "TUMOR01-N": {"vaf": 0.0}}, None, "somatic",
            {"protein_change": hs["protein_change"]},
        ))
    planted.append(Planted(
        egfr, "EGFR", egfr_note + "; germline, present in tumour and normal: the somatic screen must exclude it",
        {"TUMOR01-N": {"genotype": "0/1", "vaf": 0.5}, "TUMOR01-T": {"genotype": "0/1", "vaf": 0.5}},
        egfr_rsid, "germline",
    ))
    return {
        "id": "TUMOR01", "sex": "male", "tumor_type": "MEL", "samples": [normal, tumour], "planted": planted,
        "consent": {"pharmacogenomics": True, "secondary_findings": False},
    }


def patient_lowq01(genome: DemoGenome) -> dict:
    sample = ReadSample(
        "LOWQ01-blood", 4, "germline", pgx_targets(genome), [Haplotype(0.5), Haplotype(0.5)],
        POOR_LIBRARY, 0.0, (1,), "HLQ2FDSX2", "AACCGGTT+GGTTAACC", 31, n_pairs=LOWQ01_PAIRS,
    )
    return {
        "id": "LOWQ01", "sex": "male", "samples": [sample], "planted": [],
        "consent": {"pharmacogenomics": True, "secondary_findings": False},
    }


# --- outside-lab VCF (VCF001) -------------------------------------------------------------

VCF_CHROMS = list(GRCH38_LENGTHS)


def _find_homopolymer(genome: DemoGenome, window_name: str, min_run: int = 8, avoid=()) -> tuple[int, int]:
    """First homopolymer run (1-based inclusive) of at least `min_run` A/T in a window,
    at least 300 bp from every position in `avoid`."""
    w = next(x for x in genome.windows if x.name == window_name)
    seq = w.seq
    i = 1
    while i < len(seq) - 1:
        j = i
        while j + 1 < len(seq) and seq[j + 1] == seq[i]:
            j += 1
        start, end = w.start + i, w.start + j
        if j - i + 1 >= min_run and chr(seq[i]) in "AT" and all(abs(start - a) > 300 for a in avoid):
            return start, end
        i = j + 1
    raise ValueError(f"no homopolymer run in {window_name}")


def vcf001(genome: DemoGenome, out_path: Path, seed: int) -> dict:
    rng = np.random.default_rng([seed, 41])
    cyp = load_gene("CYP2C19")
    ugt = load_gene("UGT1A1")
    # VCF001_DNA: CYP2C19 *1/*2; OTHER_PATIENT: CYP2C19 *17/*17 (a wrong column is visible)
    dna_h1 = [v for v, _ in allele_variants(cyp, "*1")]
    # *2 lists rs58973490 as R (A or G). With A there, unphased genotypes fit *2/*11 as well as
    # *1/*2, so VCF001's *2 keeps the reference G and the expected call is unambiguous.
    dna_h2 = [v for v, _ in allele_variants(cyp, "*2", iupac="ref")]
    oth_h = [v for v, _ in allele_variants(cyp, "*17")]
    records = []  # (chrom, pos, id, ref, [alts], {sample: gt})

    def gt_of(pos, alt, h1, h2):
        a = sum(1 for h in (h1, h2) if any(v.pos == pos and v.alt == alt for v in h))
        return {0: "0/0", 1: "0/1", 2: "1/1"}[a]

    for p in cyp.positions:
        alt = p.alts[0]
        # the variant planted at this position (the IUPAC choice may pick another listed ALT)
        for v in dna_h1 + dna_h2 + oth_h:
            if v.pos == p.pos:
                alt = v.alt
        records.append((
            "chr10", p.pos, p.rsid or ".", p.ref, [alt],
            {"VCF001_DNA": gt_of(p.pos, alt, dna_h1, dna_h2), "OTHER_PATIENT": gt_of(p.pos, alt, oth_h, oth_h)},
        ))
    # UGT1A1: every position recorded; the TA repeat multi-allelic: *36 (CAT>C, one TA fewer) /
    # *28 (CAT>CATAT, one TA more)
    for p in ugt.positions:
        if p.rsid == "rs3064744":
            records.append(("chr2", p.pos, p.rsid, p.ref, ["C", "CATAT"], {"VCF001_DNA": "1/2", "OTHER_PATIENT": "0/1"}))
        else:
            records.append(("chr2", p.pos, p.rsid or ".", p.ref, [p.alts[0]], {"VCF001_DNA": "0/0", "OTHER_PATIENT": "0/0"}))
    # an indel written right-shifted (not left-aligned) in a homopolymer in the CYP2C19 window
    start, end = _find_homopolymer(genome, "CYP2C19", avoid=[p.pos for p in cyp.positions])
    base = genome.fetch("chr10", start - 1, start).decode()
    shifted = Variant("chr10", end - 1, base * 2, base)
    records.append(
        ("chr10", shifted.pos, ".", shifted.ref, [shifted.alt], {"VCF001_DNA": "0/1", "OTHER_PATIENT": "0/0"})
    )
    records.sort(key=lambda r: (VCF_CHROMS.index(r[0]), r[1]))

    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=RefCall,Description="Genotyping model thinks this site is reference.">',
        '##FILTER=<ID=LowQual,Description="Confidence in this variant being real is below calling threshold.">',
        '##FILTER=<ID=NoCall,Description="Site has depth=0 resulting in no call.">',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position (for use with symbolic alleles)">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Conditional genotype quality">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Read depth for each allele">',
        '##FORMAT=<ID=VAF,Number=A,Type=Float,Description="Variant allele fractions.">',
        "##source=DeepVariant",
        "##DeepVariant_version=1.6.1",
        "##outside_lab=Example Reference Laboratory (demo; synthetic genotypes)",
    ]
    lines += [f"##contig=<ID={c.removeprefix('chr')},length={n}>" for c, n in GRCH38_LENGTHS.items()]
    lines.append("#" + "\t".join(["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                                  "OTHER_PATIENT", "VCF001_DNA"]))

    def fmt(gt: str, n_alts: int) -> str:
        dp = int(rng.integers(28, 46))
        alleles = [int(a) for a in gt.split("/")]
        ad = [0] * (n_alts + 1)
        if alleles[0] == alleles[1]:
            ad[alleles[0]] = dp - int(rng.integers(0, 2))
        else:
            k = int(rng.binomial(dp, 0.5))
            ad[alleles[0]], ad[alleles[1]] = dp - k, k
        vaf = ",".join(f"{ad[i] / dp:.4g}" for i in range(1, n_alts + 1))
        gq = int(rng.integers(40, 60)) if gt != "0/0" else int(rng.integers(45, 66))
        return f"{gt}:{gq}:{dp}:{','.join(map(str, ad))}:{vaf}"

    for chrom, pos, vid, ref, alts, gts in records:
        qual = "0" if all(g == "0/0" for g in gts.values()) else f"{float(rng.integers(30, 60)):.1f}"
        filt = "PASS"
        cols = [chrom.removeprefix("chr"), str(pos), vid, ref, ",".join(alts), qual, filt, ".", "GT:GQ:DP:AD:VAF",
                fmt(gts["OTHER_PATIENT"], len(alts)), fmt(gts["VCF001_DNA"], len(alts))]
        lines.append("\t".join(cols))
    data = ("\n".join(lines) + "\n").encode()
    with open(out_path, "wb") as fh:
        for i in range(0, len(data), 0xFF00):
            fh.write(bgzf_block(data[i : i + 0xFF00]))
        fh.write(BGZF_EOF)

    planted = []
    for chrom, pos, vid, ref, alts, gts in records:
        if gts["VCF001_DNA"] == "0/0":
            continue
        v = Variant(chrom, pos, ref, ",".join(alts))
        if pos == shifted.pos:
            meaning = (f"1-bp deletion in a poly-{base} run ({chrom}:{start}-{end}), written right-shifted; "
                       "left-alignment must move it")
            gene, rsid = "CYP2C19", None
        elif chrom == "chr2":
            meaning = "UGT1A1 promoter TA repeat, multi-allelic: CAT>C is *36 (one TA fewer), CAT>CATAT is *28"
            gene, rsid = "UGT1A1", vid
        else:
            gene, rsid = "CYP2C19", vid
            meaning = NOTES.get(vid, "CYP2C19 defining position")
        p = Planted(v, gene, meaning, {"VCF001_DNA": {"genotype": gts["VCF001_DNA"]},
                                      "OTHER_PATIENT": {"genotype": gts["OTHER_PATIENT"]}}, rsid)
        normalized = None
        if len(alts) == 1:
            normalized = normalize(genome, chrom, pos, ref, alts[0])
        else:
            p.extra["normalized_split"] = [
                dict(zip(("chrom", "pos", "ref", "alt"), normalize(genome, chrom, pos, ref, a))) for a in alts
            ]
        planted.append((p, normalized))
    ugt_exp = expected_diplotype(ugt, [Variant("chr2", 233760233, "CAT", "CATAT")],
                                 [Variant("chr2", 233760233, "CAT", "C")])
    expected = {"CYP2C19": expected_diplotype(cyp, dna_h1, dna_h2), "UGT1A1": ugt_exp}
    other = {"CYP2C19": expected_diplotype(cyp, oth_h, oth_h)["diplotype"], "UGT1A1": "*1/*36"}
    norm = normalize(genome, shifted.chrom, shifted.pos, shifted.ref, shifted.alt)
    return {"planted": planted, "expected": expected, "other": other, "records": len(records),
            "indel": {"as_written": {"chrom": "10", "pos": shifted.pos, "ref": shifted.ref, "alt": shifted.alt},
                      "normalized": dict(zip(("chrom", "pos", "ref", "alt"), norm)),
                      "run": f"{shifted.chrom}:{start}-{end} poly-{base}"}}


# --- Mutect2-style lung adenocarcinoma VCF (LUNG01) ---------------------------------------------

LUNG01_TUMOUR, LUNG01_NORMAL = "LUNG01_TUMOR", "LUNG01_NORMAL"  # the VCF's columns (read-group SM)
LUNG01_PURITY = 0.5
# (variant, FILTER, tumour VAF, normal VAF, origin, why): a relapse biopsy after a first-generation
# EGFR inhibitor: L858R in every tumour cell (heterozygous: 0.5 x 0.5), T790M in a resistant
# subclone of about a third of them; the common germline EGFR SNV and a weak KRAS artefact are
# filtered by FilterMutectCalls and must not be reported.
LUNG01_RECORDS = (
    (EGFR_GERMLINE[0], "germline", 0.5, 0.5, "germline", "germline: heterozygous in the normal too"),
    (Variant("chr7", 55181378, "C", "T"), "PASS", 0.08, 0.0, "somatic", "resistant subclone"),
    (Variant("chr7", 55191822, "T", "G"), "PASS", 0.25, 0.0, "somatic", "clonal"),
    (Variant("chr12", 25245351, "C", "A"), "weak_evidence", 0.012, 0.0, "artefact",
     "too few supporting reads for the likelihood threshold"),
)
LUNG01_DEPTH = {LUNG01_TUMOUR: 420, LUNG01_NORMAL: 160}
MUTECT2_HEADER = [  # Mutect2's IDs, Numbers and Types; descriptions shortened in our words
    "##fileformat=VCFv4.2",
    '##FILTER=<ID=PASS,Description="All filters passed">',
    '##FILTER=<ID=clustered_events,Description="Clustered events in the tumour">',
    '##FILTER=<ID=germline,Description="Likely a germline variant">',
    '##FILTER=<ID=normal_artifact,Description="Artefact seen in the normal">',
    '##FILTER=<ID=strand_bias,Description="Alt reads from one strand only">',
    '##FILTER=<ID=weak_evidence,Description="Below the likelihood threshold for a somatic mutation">',
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Reads per allele (REF first)">',
    '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Estimated fraction of each ALT allele">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth (before some read filters)">',
    '##FORMAT=<ID=F1R2,Number=R,Type=Integer,Description="Reads per allele in F1R2 orientation">',
    '##FORMAT=<ID=F2R1,Number=R,Type=Integer,Description="Reads per allele in F2R1 orientation">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=SB,Number=4,Type=Integer,Description="REF forward, REF reverse, ALT forward, ALT reverse reads">',
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Read depth over the samples">',
    '##INFO=<ID=ECNT,Number=1,Type=Integer,Description="Events in the haplotype">',
    '##INFO=<ID=GERMQ,Number=1,Type=Integer,Description="Phred-scaled quality that the ALT is not germline">',
    '##INFO=<ID=MBQ,Number=R,Type=Integer,Description="Median base quality per allele">',
    '##INFO=<ID=MMQ,Number=R,Type=Integer,Description="Median mapping quality per allele">',
    '##INFO=<ID=NLOD,Number=A,Type=Float,Description="Normal log10 likelihood ratio, germline het or hom-alt">',
    '##INFO=<ID=POPAF,Number=A,Type=Float,Description="-log10 population frequency of the ALT">',
    '##INFO=<ID=TLOD,Number=A,Type=Float,Description="Tumour log10 likelihood ratio, variant present or not">',
    "##source=FilterMutectCalls",
    "##source=Mutect2",
]


def lung01(genome: DemoGenome, out_path: Path, seed: int) -> dict:
    """LUNG01's tumour/normal VCF as GATK Mutect2 + FilterMutectCalls write it (bgzip, no index):
    FORMAT GT:AD:AF:DP:F1R2:F2R1:SB, FILTER names, `##tumor_sample`/`##normal_sample`."""
    rng = np.random.default_rng([seed, 43])
    lines = list(MUTECT2_HEADER)
    lines += [f"##contig=<ID={c},length={n}>" for c, n in GRCH38_LENGTHS.items()]
    lines += [f"##normal_sample={LUNG01_NORMAL}", "##reference=GRCh38", f"##tumor_sample={LUNG01_TUMOUR}"]
    lines.append("#" + "\t".join(["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT",
                                  LUNG01_NORMAL, LUNG01_TUMOUR]))
    planted = []

    def split(n):  # reads of one allele over two orientations / strands
        k = int(rng.binomial(n, 0.5))
        return k, n - k

    for v, filt, t_vaf, n_vaf, origin, why in LUNG01_RECORDS:
        if genome.fetch(v.chrom, v.pos - 1, v.pos).decode() != v.ref:
            raise ValueError(f"LUNG01 {v}: REF does not match the reference")
        counts, cols = {}, []
        for name, vaf in ((LUNG01_NORMAL, n_vaf), (LUNG01_TUMOUR, t_vaf)):
            dp = int(rng.poisson(LUNG01_DEPTH[name]))
            alt = int(rng.binomial(dp, vaf)) if vaf else 0
            if origin == "artefact" and name == LUNG01_TUMOUR:
                alt = max(alt, 3)
            ref = dp - alt
            counts[name] = (ref, alt)
            (f1_ref, f2_ref), (f1_alt, f2_alt) = split(ref), split(alt)
            (sb_rf, sb_rr), (sb_af, sb_ar) = split(ref), split(alt)
            af = f"{(alt + 1) / (dp + 2):.3g}"  # Mutect2 reports an estimate, not alt/depth
            gt = "0/1" if name == LUNG01_TUMOUR or origin == "germline" else "0/0"
            dp_all = dp + int(rng.integers(0, 4))  # DP also counts reads AD leaves out
            cols.append(f"{gt}:{ref},{alt}:{af}:{dp_all}:{f1_ref},{f1_alt}:{f2_ref},{f2_alt}:"
                        f"{sb_rf},{sb_rr},{sb_af},{sb_ar}")
        t_alt = counts[LUNG01_TUMOUR][1]
        n_ref, n_alt = counts[LUNG01_NORMAL]
        info = {
            "DP": sum(sum(c) for c in counts.values()),
            "ECNT": 2 if v.pos in (55181370, 55181378) else 1,  # 8 bp apart: one assembled haplotype region
            "GERMQ": 1 if origin == "germline" else 93,
            "MBQ": "37,37" if t_alt else "37,0",
            "MMQ": "60,60",
            "NLOD": f"{-0.30 * n_alt + 0.03 * n_ref:.2f}" if origin == "germline" else f"{0.3 * n_ref / 10:.2f}",
            "POPAF": "0.44" if origin == "germline" else "6.00",
            "TLOD": f"{3.1 * t_alt + float(rng.uniform(0, 2)):.2f}",
        }
        lines.append("\t".join([v.chrom, str(v.pos), ".", v.ref, v.alt, ".", filt,
                                ";".join(f"{k}={x}" for k, x in info.items()), "GT:AD:AF:DP:F1R2:F2R1:SB", *cols]))
        hs = hotspot(v.chrom, v.pos, v.ref, v.alt)
        extra = {"filter": filt}
        if hs and origin != "germline":
            extra["protein_change"] = hs["protein_change"]
        samples = {name: {"alt_reads": counts[name][1], "depth": sum(counts[name]),
                          "vaf": round(counts[name][1] / sum(counts[name]), 4)} for name in counts}
        gene = hs["gene"] if hs else "EGFR"
        meaning = (f"{gene} {hs['protein_change']}, {why}" if hs else f"{EGFR_GERMLINE[2]}; {why}")
        planted.append(Planted(v, gene, meaning, samples, EGFR_GERMLINE[1] if origin == "germline" else None,
                               origin, extra))
    data = ("\n".join(lines) + "\n").encode()
    with open(out_path, "wb") as fh:
        for i in range(0, len(data), 0xFF00):
            fh.write(bgzf_block(data[i : i + 0xFF00]))
        fh.write(BGZF_EOF)
    return {"planted": planted, "records": len(LUNG01_RECORDS)}


# --- deliberately bad VCFs ------------------------------------------------------------------

GRCH37_LENGTHS = {"chr1": 249250621, "chr2": 243199373, "chr7": 159138663, "chr10": 135534747}
# GRCh37 coordinates (REF as in GRCh37, which here equals the GRCh38 base).
GRCH37_RECORDS = [
    ("chr7", 99270539, "rs776746", "T", "C", "0/1", "CYP3A5*3 (GRCh38 chr7:99672916)"),
    ("chr10", 96521657, "rs12248560", "C", "T", "0/1", "CYP2C19*17 (GRCh38 chr10:94761900)"),
    ("chr10", 96541616, "rs4244285", "G", "A", "0/1", "CYP2C19*2 (GRCh38 chr10:94781859)"),
    ("chr10", 96702047, "rs1799853", "C", "T", "0/1", "CYP2C9*2 (GRCh38 chr10:94942290)"),
    ("chr10", 96741053, "rs1057910", "A", "C", "0/0", "CYP2C9*3 (GRCh38 chr10:94981296)"),
]
REF_SHIFT = 3
_MINIMAL_HEADER = [
    '##FILTER=<ID=PASS,Description="All filters passed">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
]


def bad_vcfs(genome: DemoGenome, out_dir: Path) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = ["##fileformat=VCFv4.2", *_MINIMAL_HEADER, "##reference=GRCh37 (hg19 naming)"]
    lines += [f"##contig=<ID={c},length={n}>" for c, n in GRCH37_LENGTHS.items()]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tOLDLAB_SAMPLE")
    for chrom, pos, rsid, ref, alt, gt, _ in GRCH37_RECORDS:
        lines.append(f"{chrom}\t{pos}\t{rsid}\t{ref}\t{alt}\t50\tPASS\t.\tGT\t{gt}")
    (out_dir / "GRCh37_build.vcf").write_text("\n".join(lines) + "\n")

    # REF mismatches: knowledge-base SNVs with coordinates shifted by REF_SHIFT bp (as if taken
    # from another build), keeping those where the shifted position holds a different base
    picks = []
    for gene_name in ("CYP2C19", "CYP2C9", "TPMT", "DPYD", "SLCO1B1", "NUDT15", "CYP3A5", "UGT1A1"):
        gene = load_gene(gene_name)
        kept = 0
        for p in gene.positions:
            if len(p.ref) != 1 or any(len(a) != 1 for a in p.alts) or kept == 2:
                continue
            pos = p.pos + REF_SHIFT
            if genome.fetch(gene.chrom, pos - 1, pos).decode() != p.ref:
                picks.append((gene.chrom, pos, p.rsid or ".", p.ref, p.alts[0], gene_name, p.pos))
                kept += 1
    picks.sort(key=lambda r: (VCF_CHROMS.index(r[0]), r[1]))
    chroms = sorted({p[0] for p in picks}, key=VCF_CHROMS.index)
    lines = ["##fileformat=VCFv4.2", *_MINIMAL_HEADER, "##reference=GRCh38"]
    lines += [f"##contig=<ID={c}>" for c in chroms]
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSHIFTED_SAMPLE")
    for chrom, pos, rsid, ref, alt, _, _ in picks:
        lines.append(f"{chrom}\t{pos}\t{rsid}\t{ref}\t{alt}\t50\tPASS\t.\tGT\t0/1")
    (out_dir / "ref_mismatch.vcf").write_text("\n".join(lines) + "\n")
    return {
        "GRCh37_build.vcf": {
            "expected": "rejected: contig lengths are GRCh37, not GRCh38",
            "records": [
                dict(zip(("chrom", "pos", "rsid", "ref", "alt", "genotype", "note"), r)) for r in GRCH37_RECORDS
            ],
        },
        "ref_mismatch.vcf": {
            "expected": f"rejected: REF disagrees with the GRCh38 reference at all {len(picks)} records",
            "how": f"knowledge-base SNVs with POS shifted by +{REF_SHIFT} bp, REF/ALT unchanged",
            "records": [
                {"chrom": c, "pos": pos, "ref": ref, "reference_base": genome.fetch(c, pos - 1, pos).decode(),
                 "gene": g, "true_position_of_rsid": tp, "rsid": rs}
                for c, pos, rs, ref, alt, g, tp in picks
            ],
        },
    }


# --- inherited disease (GERM01, GERM02) ---------------------------------------------------

# Real ClinVar pathogenic variants (ClinVar GRCh38 release 2026-02-26, expert panel, 3 stars), planted
# heterozygous in both germline patients at their true GRCh38 coordinates.
GERMLINE_GENES = ("BRCA2", "MLH1")  # sequenced (their MANE Select exons +- GERMLINE_PAD)
GERMLINE_PAD = 400
BRCA2_PLP = (Variant("chr13", 32316470, "G", "T"), "BRCA2", "51063",
             "BRCA2 nonsense variant, ClinVar pathogenic (expert panel): hereditary breast and ovarian cancer "
             "(in the patients' indication panel)")
MLH1_PLP = (Variant("chr3", 37040201, "T", "A"), "MLH1", "89797",
            "MLH1 nonsense variant, ClinVar pathogenic (expert panel): Lynch syndrome; an ACMG secondary finding "
            "(MLH1 is not in the hereditary breast/ovarian panel), reportable only with consent")
GERMLINE_PAIRS = 10500


def germline_targets(genome: DemoGenome) -> list[tuple[str, int, int, str]]:
    """The MANE Select exons of GERMLINE_GENES +- GERMLINE_PAD, merged, 0-based half-open."""
    from genotailor.core.paths import TRANSCRIPT_MODELS
    from genotailor.core.transcripts import models_by_gene

    models = models_by_gene(str(TRANSCRIPT_MODELS))
    raw = []
    for gene in GERMLINE_GENES:
        t = models[gene]
        raw += [(t.chrom, s - 1 - GERMLINE_PAD, e + GERMLINE_PAD, gene) for s, e, _ in t.exons]
    raw.sort(key=lambda r: (list(GRCH38_LENGTHS).index(r[0]), r[1]))
    merged: list[list] = []
    for c, s, e, g in raw:
        if merged and merged[-1][0] == c and s <= merged[-1][2]:
            merged[-1][2] = max(merged[-1][2], e)
        else:
            merged.append([c, s, e, g])
    for c, s, e, g in merged:
        win = next((w for w in genome.windows if w.chrom == c and w.start - 1 <= s and e <= w.end), None)
        if win is None:
            raise ValueError(f"{g} target {c}:{s}-{e} lies outside the real windows of the demo reference")
    return [tuple(m) for m in merged]


def _germline_patient(genome: DemoGenome, pid: str, s_number: int, stream: int, flowcell: str, index: str,
                      secondary_findings: bool) -> dict:
    variants = []
    for v, gene, vid, note in (BRCA2_PLP, MLH1_PLP):
        if genome.fetch(v.chrom, v.pos - 1, v.pos).decode() != v.ref:
            raise ValueError(f"{gene} {v}: REF does not match the reference")
        variants.append((v, gene, vid, note))
    name = f"{pid}-blood"
    sample = ReadSample(name, s_number, "germline", germline_targets(genome),
                        [Haplotype(0.5, tuple(v for v, *_ in variants)), Haplotype(0.5)],
                        GOOD_LIBRARY, 0.0, (1,), flowcell, index, stream, panel="germline", n_pairs=GERMLINE_PAIRS)
    planted = [Planted(v, gene, note, {name: {"genotype": "0/1"}}, None, "germline", {"clinvar_variation_id": vid})
               for v, gene, vid, note in variants]
    return {
        "id": pid, "sex": "female", "samples": [sample], "planted": planted,
        "consent": {"pharmacogenomics": False, "secondary_findings": secondary_findings},
        "indications": ["hereditary_breast_ovarian"],
    }


def patient_germ01(genome: DemoGenome) -> dict:
    """Consented to secondary findings: the BRCA2 finding (indication) and the MLH1 secondary finding."""
    return _germline_patient(genome, "GERM01", 5, 41, "HGRM1DSX7", "CTTGTCGA+GATCGAAC", True)


def patient_germ02(genome: DemoGenome) -> dict:
    """The same two variants, no consent to secondary findings: the BRCA2 finding only, nothing of MLH1."""
    return _germline_patient(genome, "GERM02", 6, 42, "HGRM2DSX7", "TGACCATG+CATGGTCA", False)
