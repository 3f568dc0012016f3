"""What a test examined: the assessability ledger of one patient.

Every gene the patient's request covers gets one status with its reason, the way a clinical
laboratory lists the genes tested and the regions below its coverage threshold:

- `assessed`: the gene's territory (coding exons +- a splice margin; for a pharmacogene its
  defining positions) has real reference sequence, lies in the sample's panel, and at least the
  configured fraction of its bases reaches the configured depth; regions below are still listed;
- `partly`: some but not enough of it does; the regions below threshold are listed with their
  callable fraction and why;
- `not_assessed`: nothing of it could be examined, or what was examined cannot support a negative
  (no reference sequence, outside the panel, no coverage, no knowledge-base records for the gene,
  a sample that failed QC, a VCF entry whose callable territory is unknown).

A report states a negative ("no pathogenic variant found in X") only for an `assessed` gene, and
counts the genes it analysed from here. Biomarker classes the test does not examine at all are
listed too, so a reader never takes silence for a normal result.

This module decides statuses from counts; `steps.ledger` measures the depth (mosdepth) and
writes the stage file (`workflow/schemas/ledger.schema.json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from genotailor.core.coverage import in_regions

# Why a base of the territory was not examined, in the order a reason is named.
WHY = ("no_kb_records", "no_reference", "outside_panel", "low_depth", "no_genotype")
WHY_WORDS = {
    "no_kb_records": "no {kb} records",
    "no_reference": "no reference sequence (N)",
    "outside_panel": "outside the sample's panel",
    "low_depth": "depth below {depth}x",
    "no_genotype": "no usable genotype (not in the VCF, no call, filtered or inconsistent)",
}
# PGx position statuses (pgx.genotypes) that mean too few reads; the others mean no usable genotype.
LOW_DEPTH_STATUSES = ("low_depth", "not_covered")

# Biomarker classes past small variants. Each is named in every report it concerns as not
# assessed by this test until a version of it assesses that class.
NOT_ASSESSED_CLASSES = {
    "somatic": ("copy number", "structural variants", "gene fusions", "microsatellite instability (MSI)"),
    "germline": ("exon-level deletions and duplications", "structural variants", "repeat expansions"),
    "pgx": ("CYP2D6 copy number and hybrid alleles", "HLA alleles (HLA-A, HLA-B)"),  # CYP2D6: see below
}
NOT_ASSESSED_CLASS_REASON = "not assessed by this test (small variants only)"
MSI_CLASS = "microsatellite instability (MSI)"
MSI_NO_NORMAL = ("no matched normal with reads: MSI is measured from the tumour's and its normal's reads "
                 "(tumour-only MSI is not run by the workflow)")
MSI_NO_READS = "entered as a VCF: there are no reads to measure repeat lengths in"
# A class this test can assess, when its stage did not run for the patient: why.
NO_STAGE_REASON = {"copy number": "not assessed: no copy-number result for the tumour (it needs the tumour's "
                                  "reads; a VCF entry has none)"}


@dataclass
class Region:
    """One piece of a gene's territory (an exon +- margin, or one defining position), with how many
    of its bases were examined and why the others were not."""

    label: str
    chrom: str
    start: int  # 0-based
    end: int
    callable_bp: int = 0
    missing: dict = field(default_factory=dict)  # WHY -> bases

    @property
    def size(self) -> int:
        return self.end - self.start

    def fraction(self) -> float:
        return self.callable_bp / self.size if self.size else 0.0

    def main_reason(self) -> str | None:
        reasons = [w for w in WHY if self.missing.get(w)]
        return max(reasons, key=lambda w: (self.missing[w], -WHY.index(w))) if reasons else None


def coding_territory(transcript, margin: int) -> list[Region]:
    """The coding exons of a transcript +- `margin` bases (the splice region), one Region per CDS
    segment, labelled with the exon number in the transcript's direction."""
    regions = []
    for cs, ce in sorted(transcript.cds):
        rank = next((r for s, e, r in transcript.exons if s <= cs and ce <= e), None)
        label = f"exon {rank}" if rank is not None else f"CDS {cs}-{ce}"
        regions.append(Region(label, transcript.chrom, max(0, cs - 1 - margin), ce + margin))
    return regions


def clip(start: int, end: int, spans) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """[start, end) split into the pieces inside and outside sorted, non-overlapping `spans`."""
    inside, outside, cursor = [], [], start
    for s, e in spans:
        if e <= cursor or s >= end:
            continue
        if s > cursor:
            outside.append((cursor, s))
        inside.append((max(s, cursor), min(e, end)))
        cursor = min(e, end)
        if cursor >= end:
            break
    if cursor < end:
        outside.append((cursor, end))
    return inside, outside


def fraction_text(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


@dataclass
class GeneEntry:
    gene: str
    category: str
    sample: str | None
    status: str
    reason: str
    callable_fraction: float | None
    territory_bp: int = 0
    callable_bp: int = 0
    regions_below: list = field(default_factory=list)
    knowledge_base: str | None = None
    territory: str = "coding exons"

    def to_dict(self) -> dict:
        d = {"gene": self.gene, "category": self.category, "sample": self.sample, "status": self.status,
             "reason": self.reason, "callable_fraction": self.callable_fraction, "territory": self.territory,
             "territory_bp": self.territory_bp, "callable_bp": self.callable_bp, "regions_below": self.regions_below}
        if self.knowledge_base:
            d["knowledge_base"] = self.knowledge_base
        return d


def not_assessed(gene, category, sample, reason, knowledge_base=None, territory="coding exons") -> GeneEntry:
    return GeneEntry(gene, category, sample, "not_assessed", reason, None, knowledge_base=knowledge_base,
                     territory=territory)


def judge(gene: str, category: str, sample: str, regions: list[Region], *, min_fraction: float, depth: int,
          knowledge_base: str | None = None, territory: str = "coding exons",
          examined: str = "callable at {depth}x or more") -> GeneEntry:
    """The status of a gene whose territory was measured: from the callable share of its bases.
    `examined` says what counted as examined."""
    def words(why: str) -> str:
        return WHY_WORDS[why].format(depth=depth, kb=knowledge_base or "knowledge-base")

    size = sum(r.size for r in regions)
    callable_bp = sum(r.callable_bp for r in regions)
    fraction = round(callable_bp / size, 4) if size else 0.0
    below = []
    for r in regions:
        if r.callable_bp >= r.size:
            continue
        why = r.main_reason() or "low_depth"
        below.append({"region": r.label, "chrom": r.chrom, "start": r.start + 1, "end": r.end,
                      "callable_fraction": round(r.fraction(), 4), "why": why,
                      "why_text": words(why)})
    totals = {w: sum(r.missing.get(w, 0) for r in regions) for w in WHY}
    if callable_bp == 0:
        main = max((w for w in WHY if totals[w]), key=lambda w: (totals[w], -WHY.index(w)), default="low_depth")
        reason = "nothing examined: " + words(main)
        others = [words(w) for w in WHY if totals[w] and w != main]
        if others:
            reason += " (also " + ", ".join(others) + ")"
        status = "not_assessed"
    else:
        status = "assessed" if fraction >= min_fraction else "partly"
        reason = (f"{fraction_text(fraction)} of the {territory} {examined.format(depth=depth)}"
                  + (f"; {len(below)} region{'s' if len(below) != 1 else ''} below threshold" if below else ""))
    return GeneEntry(gene, category, sample, status, reason, fraction, size, callable_bp, below, knowledge_base,
                     territory)


def pgx_entry(gene_result: dict | None, gene: str, chrom: str | None, positions: list[int], sample: str,
              *, reference_n=None, panel=None, depth: int) -> GeneEntry:
    """A pharmacogene's entry from the PGx stage's result: its territory is the knowledge base's
    defining positions; a position counts as examined when it has a usable genotype."""
    territory = "defining positions"
    if not positions:
        return not_assessed(gene, "pgx", sample, "no defining position in the pharmacogene knowledge base",
                            "PGx allele definitions", territory)
    if gene_result is None:
        return not_assessed(gene, "pgx", sample, "the PGx stage gave no result for this gene", territory=territory)
    if gene_result.get("source") == "outside_call":
        method = gene_result.get("method") or "method not stated"
        return GeneEntry(gene, "pgx", sample, "assessed", f"outside call ({method}): taken as given, not re-examined",
                         None, territory="outside call")
    missing = {m["position"]: m["status"] for m in gene_result.get("missing_positions") or []}
    regions = []
    for pos in sorted(set(positions)):
        r = Region(f"{chrom}:{pos}", chrom, pos - 1, pos)
        if pos not in missing:
            r.callable_bp = 1
        elif reference_n is not None and reference_n(chrom, pos - 1, pos):
            r.missing["no_reference"] = 1
        elif panel is not None and not in_regions(panel, chrom, pos):
            r.missing["outside_panel"] = 1
        elif missing[pos] in LOW_DEPTH_STATUSES and reference_n is not None:
            r.missing["low_depth"] = 1
        else:
            r.missing["no_genotype"] = 1
        regions.append(r)
    # every defining position counts: one without a genotype can change the diplotype
    entry = judge(gene, "pgx", sample, regions, min_fraction=1.0, depth=depth, territory=territory,
                  examined="with a usable genotype")
    if gene_result.get("status") == "not_assessed" and entry.status != "not_assessed":
        entry.status, entry.reason = "not_assessed", gene_result.get("reason") or "no genotype at its defining positions"
    for b in entry.regions_below:
        b["pgx_status"] = missing.get(b["start"])
    return entry


def msi_entry(doc: dict) -> dict:
    """The ledger's MSI entry of one tumour from its MSI stage document (oncology.msi): assessed
    (MSI-H or MSS, with the score and any tumour-only caveat) or not assessed with every reason."""
    if doc["status"] == "not_assessed":
        return {"name": MSI_CLASS, "group": "somatic", "status": "not_assessed", "reason": doc["reason"],
                "sample": doc["sample"], "result": None}
    reason = f"{doc['status']}: {doc['reason']}" + (f"; {doc['caveat']}" if doc.get("caveat") else "")
    return {"name": MSI_CLASS, "group": "somatic", "status": "assessed", "reason": reason, "sample": doc["sample"],
            "result": doc["status"]}


CYP2D6_COPY_NUMBER = "CYP2D6 copy number and hybrid alleles"


def cyp2d6_copy_number_entry(result: dict | None) -> dict:
    """The CYP2D6 copy-number class from the CYP2D6 PGx result: assessed (a copy number from read
    depth), partly (a hybrid suspected, to confirm) or not assessed with the reason."""
    entry = {"name": CYP2D6_COPY_NUMBER, "group": "pgx", "status": "not_assessed", "reason": NOT_ASSESSED_CLASS_REASON}
    block = (result or {}).get("copy_number")
    if result and result.get("source") == "outside_call":
        entry["reason"] = "CYP2D6 is an outside call: its method decides whether copy number was tested"
    elif block and block["status"] == "called":
        entry.update(status="assessed", reason=f"copy number {block['copy_number']} from read depth "
                                               f"(confidence {block['confidence']})")
    elif block and block["status"] == "hybrid_suspected":
        entry.update(status="partly", reason=block["reason"])
    elif block:
        entry["reason"] = block["reason"]
    return entry


def biomarker_entries(categories, examined: dict | None = None, msi: list[dict] | None = None,
                      pgx_results: dict | None = None) -> list[dict]:
    """The biomarker classes of the patient's request: each with its status and reason; a class
    not in `examined` (name -> the entries its stage gave, e.g. `copy_number_entry`) is not assessed.
    `msi`: one entry per tumour (msi_entry, or not assessed with why MSI was not run); without it MSI
    is listed as a class this test does not examine. CYP2D6 copy number as its PGx result says, when
    CYP2D6 was called."""
    examined = examined or {}
    out = []
    for group in ("somatic", "germline", "pgx"):
        if group in categories:
            for name in NOT_ASSESSED_CLASSES[group]:
                if name == MSI_CLASS and msi is not None:
                    out += msi
                else:
                    out += examined.get(name) or [{"name": name, "group": group, "status": "not_assessed",
                                                   "reason": NO_STAGE_REASON.get(name, NOT_ASSESSED_CLASS_REASON)}]
    if pgx_results and "CYP2D6" in pgx_results:
        out = [cyp2d6_copy_number_entry(pgx_results["CYP2D6"]) if e["name"] == CYP2D6_COPY_NUMBER else e for e in out]
    return out


def exon_cnv_entry(stage: dict) -> dict:
    """The `exon-level deletions and duplications` class of a germline sample from its screen
    (`genotailor germline-cnv`): assessed when every examined gene was, partly when some were, else
    not assessed with the reason; each gene with its status and reason (its candidate calls named)."""
    entry = {"name": "exon-level deletions and duplications", "group": "germline", "sample": stage["sample"]}
    if stage["status"] != "assessed":
        return {**entry, "status": "not_assessed", "reason": f"{stage['sample']}: {stage['reason']}", "genes": []}
    calls = {}
    for c in stage["calls"]:
        calls.setdefault(c["gene"], []).append(c["summary"])
    genes = [{"gene": g["gene"], "status": "assessed" if g["status"] == "assessed" else "not_assessed",
              "reason": "; ".join([g["reason"], *calls.get(g["gene"], ())])} for g in stage["genes"]]
    done = [g for g in stage["genes"] if g["status"] == "assessed"]
    some = [g for g in stage["genes"] if g["status"] != "not_assessed"]
    status = "assessed" if genes and len(done) == len(genes) else ("partly" if some else "not_assessed")
    reason = (f"{stage['sample']}: {len(done)} of {len(genes)} genes fully screened against {stage['references']} "
              f"reference samples; candidates need confirmation by an orthogonal method")
    return {**entry, "status": status, "reason": reason, "genes": genes}


def copy_number_entry(stage: dict) -> dict:
    """The `copy number` class of one tumour from its copy-number stage (`genotailor cnv`): assessed
    when every panel gene was, partly when some were, else not assessed with the stage's reason;
    each gene with its status and reason."""
    entry = {"name": "copy number", "group": "somatic", "sample": stage["sample"]}
    if stage["status"] != "assessed":
        return {**entry, "status": "not_assessed", "reason": f"{stage['sample']}: {stage['reason']}", "genes": []}
    genes = [{"gene": g["gene"], "status": g["status"],
              "reason": g["reason"] or f"copy number {g['copy_number']:g}" + (f" ({g['call']})" if g["call"] else "")}
             for g in stage["genes"]]
    done = [g for g in genes if g["status"] == "assessed"]
    against = stage["reference"]["kind"]
    if done and len(done) == len(genes):
        status, reason = "assessed", f"{len(done)} genes assessed against the {against} (CNVkit)"
    elif done:
        status = "partly"
        reason = (f"{len(done)} of {len(genes)} genes assessed against the {against} (CNVkit); not assessed: "
                  + ", ".join(g["gene"] for g in genes if g["status"] != "assessed"))
    else:
        status, reason = "not_assessed", "no panel gene could be assessed: " + "; ".join(
            sorted({g["reason"] for g in genes})) if genes else "the panel has no target genes"
    return {**entry, "status": status, "reason": f"{stage['sample']}: {reason}", "genes": genes}
