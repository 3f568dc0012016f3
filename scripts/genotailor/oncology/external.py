"""Annotations the input VCF already carries: Ensembl VEP `INFO/CSQ` and snpEff `INFO/ANN`.

The field order is read from the header's INFO description (VEP: `... Format: Allele|Consequence|
...`; snpEff: `... 'Allele | Annotation | ... | HGVS.p | ...'`), never assumed. Each entry of an ALT
allele gives source, gene, transcript, consequence, HGVS c. and p. They are compared with our own
annotation only where both name the same transcript (Ensembl id without version, or RefSeq id
without version) or, when the entry names no transcript, the same gene: the protein changes must
agree (three-letter HGVS p.). A disagreement becomes a note on the variant; our annotation is kept
and the other tool's answer is shown beside it, so neither is silently picked.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from genotailor.core.consequence import REPORTED

# per source: (INFO key, names of the fields we read in that tool's own spelling)
SOURCES = {
    "VEP": ("CSQ", {"allele": "Allele", "consequence": "Consequence", "gene": "SYMBOL", "transcript": "Feature",
                    "hgvs_c": "HGVSc", "hgvs_p": "HGVSp"}),
    "snpEff": ("ANN", {"allele": "Allele", "consequence": "Annotation", "gene": "Gene_Name",
                       "transcript": "Feature_ID", "hgvs_c": "HGVS.c", "hgvs_p": "HGVS.p"}),
}
_VEP_FORMAT = re.compile(r"Format:\s*([^\"]+)")
_SNPEFF_FORMAT = re.compile(r"'([^']+)'")


def declared_formats(header) -> dict[str, list[str]]:
    """{source: field names in the order the header declares}, for each source the VCF carries."""
    out = {}
    for source, (key, _) in SOURCES.items():
        if key not in header.info:
            continue
        description = header.info[key].description or ""
        m = (_VEP_FORMAT if source == "VEP" else _SNPEFF_FORMAT).search(description)
        if m:
            out[source] = [f.strip() for f in m.group(1).split("|")]
    return out


def _unversioned(tid: str | None) -> str | None:
    return tid.split(".", 1)[0] if tid else None


def _protein(text: str) -> str | None:
    """`ENSP00000493543.1:p.Val600Glu` or `p.Gly12Cys` -> `p.Val600Glu` (VEP URL-escapes `=`)."""
    if not text:
        return None
    text = unquote(text)
    return text.split(":", 1)[1] if ":" in text else text


def _allele_matches(entry_allele: str, ref: str, alt: str) -> bool:
    if entry_allele == alt:
        return True
    # VEP writes indel alleles without the shared first base ("-" for a deletion)
    if ref[:1] == alt[:1] and len(ref) != len(alt):
        return entry_allele == (alt[1:] or "-")
    return False


def annotations(rec, alt: str, formats: dict[str, list[str]]) -> list[dict]:
    """The external entries of one ALT allele of a pysam record."""
    out = []
    for source, names in formats.items():
        key, wanted = SOURCES[source]
        raw = rec.info.get(key)
        if not raw:
            continue
        index = {name: i for i, name in enumerate(names)}
        for item in raw if isinstance(raw, tuple) else (raw,):
            f = item.split("|")

            def get(field, f=f):
                i = index.get(wanted[field])
                return f[i].strip() if i is not None and i < len(f) and f[i].strip() else None

            if not _allele_matches(get("allele") or "", rec.ref, alt):
                continue
            out.append({"source": source, "gene": get("gene"), "transcript": get("transcript"),
                        "consequence": get("consequence"), "hgvs_c": get("hgvs_c"),
                        "protein_change_3": _protein(get("hgvs_p"))})
    return out


def cross_check(entries: list[dict], csq) -> tuple[list[dict], list[str]]:
    """Each entry marked `same_transcript` and `agrees` (None when not comparable), and the notes
    of the disagreements."""
    ours = {_unversioned(csq.transcript), _unversioned(csq.refseq)} - {None}
    notes, checked = [], []
    for e in entries:
        tid = _unversioned(e["transcript"])
        same = bool(tid and tid in ours) or (not tid and csq.gene is not None and e["gene"] == csq.gene)
        agrees = None
        if same and csq.gene is not None:
            agrees = (e["protein_change_3"] or None) == (csq.hgvs_p3 or None)
            if not agrees:
                notes.append(f"{e['source']} gives {e['protein_change_3'] or 'no protein change'} on "
                             f"{e['transcript'] or e['gene']}, our models give {csq.hgvs_p3 or 'no protein change'} "
                             f"({csq.transcript}): disagreement, check the variant")
        checked.append({**e, "same_transcript": same, "agrees": agrees})
    return checked, notes


def claims_coding(entries: list[dict], models_by_gene: dict) -> bool:
    """True when an external entry calls the allele protein-altering, splice-site or splice-region
    on the transcript our models use for its gene (a claim our interval index must not overrule
    silently)."""
    for e in entries:
        t = models_by_gene.get(e["gene"])
        tid = _unversioned(e["transcript"])
        if t is None or tid not in {_unversioned(t.transcript_id), _unversioned(t.refseq)}:
            continue
        if set((e["consequence"] or "").split("&")) & REPORTED:
            return True
    return False
