"""Somatic variants against the actionability knowledge base: match levels and AMP/ASCO/CAP tiers.

Match levels, most specific first: `protein` (the same amino-acid change, incl. in-frame indels
named as HGVS p.), `codon` (any missense change at the entry's codon, e.g. BRAF V600), `exon` (the
entry's exon or codon range with the right kind of change, e.g. EGFR exon 19 in-frame deletions)
and `gene` (a gene-level class: any protein-altering change for "mutation", a truncating one for
"loss-of-function"). The knowledge base's sources give GRCh37 coordinates only, so there is no
genomic-position level: matching is by protein change, from our own GRCh38 annotation.

Tiers (AMP/ASCO/CAP 2017, Li et al.) by the patient's OncoTree tumour type: evidence whose disease
is the tumour type, an ancestor or a descendant counts as "this tumour type"; evidence for any
cancer (the OncoTree root) counts only at level A (a tumour-agnostic approval or guideline), not
from level B basket studies. Tier I: level A or B evidence for this tumour type at a protein, codon
or exon match, or level A (an approval or guideline) at gene level for a known recurrent hotspot.
A gene-level item ("PIK3CA Mutation") does not say which variants were studied: at level B it never
raises a variant above Tier II, and at level A only a recurrent hotspot is taken as meant.
Tier II: level A/B for another tumour type, level C/D, or gene-level evidence that does not reach
Tier I.
Tier III: a protein-altering or splice-site variant without evidence. Other variants (synonymous,
intronic, UTR, intergenic) are not tiered; we do not claim them benign (Tier IV).
Resistance is evidence like sensitivity for the tier, and is kept apart in the therapies.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from genotailor.core.checksums import sha256_file
from genotailor.core.errors import InputError

MATCH_ORDER = ("protein", "codon", "exon", "gene")
INFRAME_DELETION = {"inframe_deletion"}
INFRAME_INSERTION = {"inframe_insertion"}
EXON_CLASS = {
    "deletion": INFRAME_DELETION | {"protein_altering_variant"},
    "insertion": INFRAME_INSERTION | {"protein_altering_variant"},
    "frameshift": {"frameshift_variant"},
}
CGI_REGION_CONSEQUENCE = {
    "inframe_deletion": INFRAME_DELETION, "inframe_insertion": INFRAME_INSERTION,
    "inframe_variant": INFRAME_DELETION | INFRAME_INSERTION | {"protein_altering_variant"},
    "missense_variant": {"missense_variant"}, "frameshift_variant": {"frameshift_variant"},
    "splice_donor_variant": {"splice_donor_variant"}, "splice_acceptor_variant": {"splice_acceptor_variant"},
    "stop_gained": {"stop_gained"},
}


class KnowledgeBase:
    """The compiled actionability entries, indexed by gene, and the OncoTree tree."""

    def __init__(self, kb_dir: Path):
        kb_dir = Path(kb_dir)
        manifest = json.loads((kb_dir / "manifest.json").read_text())
        for name in ("actionability.json", "oncotree.json"):
            if sha256_file(kb_dir / name) != manifest["files"][name]:
                raise InputError(f"{kb_dir / name}: checksum differs from its manifest; rebuild it with "
                                 "`genotailor kb-build-oncology`")
        self.manifest = manifest
        self.by_gene: dict[str, list[dict]] = {}
        for e in json.loads((kb_dir / "actionability.json").read_text())["entries"]:
            self.by_gene.setdefault(e["gene"], []).append(e)
        tree = json.loads((kb_dir / "oncotree.json").read_text())
        self.release = tree["release"]
        self.nodes = {code: {"name": n[0], "parent": n[1]} for code, n in tree["nodes"].items()}

    def versions(self) -> dict:
        return {s["name"]: s["release"] for s in self.manifest["sources"]}

    def lineage(self, code: str) -> list[str]:
        """The code and its ancestors up to the root."""
        out = []
        while code:
            out.append(code)
            code = self.nodes[code]["parent"]
        return out

    def related(self, evidence_code: str, tumour_code: str, level: str) -> bool:
        """Same tumour type, an ancestor of it, or a descendant of it; the root only at level A."""
        if self.nodes[evidence_code]["parent"] is None:
            return level == "A"
        return evidence_code in self.lineage(tumour_code) or tumour_code in self.lineage(evidence_code)


@lru_cache(maxsize=2)
def load_kb(kb_dir) -> KnowledgeBase:
    return KnowledgeBase(Path(kb_dir))


def match_level(entry: dict, csq) -> str | None:
    """How an entry matches an annotated variant (`consequence.Consequence`), or None."""
    v = entry["variant"]
    kind = v["kind"]
    if kind == "protein":
        return "protein" if csq.hgvs_p and csq.hgvs_p[2:] == v["name"] else None
    if kind == "codon":
        ok = (csq.consequence == "missense_variant" and csq.codon == v["codon"] and csq.hgvs_p
              and csq.hgvs_p[2] == v["ref_aa"])
        return "codon" if ok else None
    if kind == "exon":
        if csq.exon != v["exon"]:
            return None
        wanted = EXON_CLASS.get(v["class"])
        ok = csq.consequence in wanted if wanted else csq.protein_altering
        return "exon" if ok else None
    if kind == "region":
        if csq.codon is None or not any(a <= csq.codon <= b for a, b in v["codons"]):
            return None
        wanted = CGI_REGION_CONSEQUENCE.get(v.get("consequence") or "")
        ok = csq.consequence in wanted if wanted else csq.protein_altering
        return "exon" if ok else None
    if kind == "gene":
        if v["class"] == "mutation":
            return "gene" if csq.protein_altering else None
        if v["class"] == "loss_of_function":
            return "gene" if csq.truncating else None
    return None


def _evidence_row(entry, level_of_match, same_type, kb, together_with=None):
    row = {
        "therapies": entry["therapies"],
        "direction": entry["direction"],
        "evidence_level": entry["level"],
        "match": level_of_match,
        "kb_variant": entry["variant"]["name"],
        "oncotree": entry["oncotree"],
        "disease": kb.nodes[entry["oncotree"]]["name"],
        "this_tumour_type": same_type,
        "sources": [{k: ev[k] for k in ("source", "id", "url", "pmid") if k in ev} for ev in entry["evidence"]],
        "kb_id": entry["id"],
    }
    if together_with:
        row["together_with"] = together_with
    return row


def variant_label(csq) -> str:
    """`EGFR p.T790M` (the HGVS c. where there is no protein change)."""
    return f"{csq.gene} {csq.hgvs_p or csq.hgvs_c or csq.consequence}"


class CoOccurring:
    """The tumour's other annotated variants, for evidence that needs several variants at once (a
    CIViC AND profile, e.g. EGFR L858R and T790M together): which of them match a required part."""

    def __init__(self, annotated):
        """`annotated`: (key, Consequence) of every listed variant of the tumour."""
        self.by_gene: dict[str, list] = {}
        for key, csq in annotated:
            if csq.gene:
                self.by_gene.setdefault(csq.gene, []).append((key, csq))

    def partners(self, entry: dict, own_key) -> list[str] | None:
        """Labels of the other variants that supply each required part, or None if one is missing."""
        found = []
        for need in entry["requires"]:
            hits = sorted(variant_label(c) for k, c in self.by_gene.get(need["gene"], ())
                          if k != own_key and match_level(need, c))
            if not hits:
                return None
            found.append(hits[0])
        return found


def assess(csq, tumour_type: str, kb: KnowledgeBase, known_hotspot: bool = False,
           others: CoOccurring | None = None, key=None) -> dict:
    """Tier, its evidence level and reason, and the matching therapies of one annotated variant.
    Evidence that needs other variants too (`requires`) counts only when `others`, the tumour's
    other variants (`key`: this one's), supply every part; the row names them (`together_with`)."""
    if tumour_type not in kb.nodes:
        raise InputError(f"tumour type {tumour_type!r} is not an OncoTree code ({kb.release})")
    rows = []
    for entry in kb.by_gene.get(csq.gene, ()) if csq.gene else ():
        level = match_level(entry, csq)
        if not level:
            continue
        partners = None
        if entry.get("requires"):
            partners = others.partners(entry, key) if others is not None else None
            if partners is None:
                continue
        same = kb.related(entry["oncotree"], tumour_type, entry["level"])
        rows.append(_evidence_row(entry, level, same, kb, partners))
    rows.sort(key=lambda r: (not r["this_tumour_type"], r["evidence_level"], MATCH_ORDER.index(r["match"]),
                             r["direction"], r["therapies"], r["oncotree"]))
    tier, amp_level, reason = None, None, None
    specific = [r for r in rows if r["match"] != "gene" or (known_hotspot and r["evidence_level"] == "A")]
    strong_here = [r for r in specific if r["this_tumour_type"] and r["evidence_level"] in "AB"]
    if strong_here:
        tier, amp_level = "I", min(r["evidence_level"] for r in strong_here)
        best = min(strong_here, key=lambda r: (r["evidence_level"], MATCH_ORDER.index(r["match"])))
        reason = (f"level {amp_level} evidence for {tumour_type} or a related OncoTree type "
                  f"({best['match']} match: {best['kb_variant']}, {best['oncotree']})")
    elif rows:
        tier = "II"
        strong = [r for r in rows if r["evidence_level"] in "AB"]
        if any(r["this_tumour_type"] for r in strong):
            amp_level = "C"
            reason = ("level A/B evidence for this tumour type at gene level only (a gene-level item gives Tier I "
                      "only at level A and for a known hotspot)")
        elif strong:
            amp_level = "C"
            reason = "level A/B evidence for other tumour types only"
        else:
            amp_level = min(r["evidence_level"] for r in rows)
            reason = f"level {amp_level} evidence only"
    elif csq.protein_altering:
        tier, reason = "III", "protein-altering variant without evidence in the knowledge base (unknown significance)"
    else:
        reason = f"not protein-altering ({csq.consequence}): not tiered"
    return {"tier": tier, "amp_level": amp_level, "tier_reason": reason, "therapies": rows}


# A copy-number call and the knowledge base's gene-level classes it matches.
CNV_CLASSES = {"amplification": "amplification", "deletion": "copy_number_loss", "loss": "copy_number_loss"}


def assess_copy_number(gene: dict, tumour_type: str, kb: KnowledgeBase) -> dict:
    """Tier and therapies of one gene of the copy-number stage (`oncology.copynumber`): its call
    (amplification; deletion or loss) matches the gene's entries of that class. Tier I: level A/B
    evidence for this tumour type; tier II: other evidence. A loss of one copy matches the entries
    for gene loss or deletion at tier II at most: the evidence may mean both copies lost."""
    wanted = CNV_CLASSES.get(gene.get("call"))
    if gene.get("status") != "assessed" or wanted is None:
        return {"tier": None, "amp_level": None, "tier_reason": None, "therapies": []}
    rows = [_evidence_row(e, "gene", kb.related(e["oncotree"], tumour_type, e["level"]), kb)
            for e in kb.by_gene.get(gene["gene"], ())
            if e["variant"]["kind"] == "gene" and e["variant"]["class"] == wanted and not e.get("requires")]
    rows.sort(key=lambda r: (not r["this_tumour_type"], r["evidence_level"], r["direction"], r["therapies"], r["oncotree"]))
    strong_here = [r for r in rows if r["this_tumour_type"] and r["evidence_level"] in "AB"]
    label = f"{gene['gene']} {gene['call']}"
    if strong_here and gene["call"] != "loss":
        best = min(strong_here, key=lambda r: r["evidence_level"])
        return {"tier": "I", "amp_level": best["evidence_level"], "therapies": rows,
                "tier_reason": f"level {best['evidence_level']} evidence for {tumour_type} or a related OncoTree type "
                               f"({label}, {best['oncotree']})"}
    if rows:
        strong = [r for r in rows if r["evidence_level"] in "AB"]
        if strong_here:
            reason = "level A/B evidence for gene loss in this tumour type, but only one copy is lost"
        elif strong:
            reason = "level A/B evidence for other tumour types only"
        else:
            reason = f"level {min(r['evidence_level'] for r in rows)} evidence only"
        level = "C" if strong else min(r["evidence_level"] for r in rows)
        return {"tier": "II", "amp_level": level, "tier_reason": reason, "therapies": rows}
    return {"tier": None, "amp_level": None, "therapies": [],
            "tier_reason": f"{label} without evidence in the knowledge base: not tiered"}
