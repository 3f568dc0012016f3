"""`genotailor kb-build-oncology`: the actionability knowledge base from CIViC and CGI release files.

Every source row becomes zero or more structured entries (gene, variant, OncoTree disease, therapy,
direction, AMP/ASCO/CAP evidence level, source ids and links) or is dropped with a stated reason;
no prose from the sources is kept. Identical facts from both sources are merged into one entry with
both sources. The builder report (`build_report.json`) counts kept, merged and dropped rows and lists
every disease that could not be mapped to OncoTree.

Evidence levels, mapped to AMP/ASCO/CAP 2017 levels (the project's mapping, in the manifest):
CIViC A->A, B->B, C->C, D->D, E->D; CGI guidelines (FDA, NCCN, ELN, CAP, CPIC)->A, late trials->B,
early trials, clinical trials and case reports->C, pre-clinical->D.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from genotailor import __version__
from genotailor.core.checksums import sha256_file
from genotailor.core.errors import InputError
from genotailor.kb.manifest import dump_json

CIVIC_EVIDENCE = "ClinicalEvidenceSummaries.tsv"
CIVIC_LEVELS = {"A": "A", "B": "B", "C": "C", "D": "D", "E": "D"}
CIVIC_DIRECTION = {"Sensitivity/Response": "sensitivity", "Resistance": "resistance",
                   "Reduced Sensitivity": "reduced_sensitivity"}
CGI_LEVELS = {
    "FDA guidelines": "A", "NCCN guidelines": "A", "European LeukemiaNet guidelines": "A", "NCCN/CAP guidelines": "A",
    "CPIC guidelines": "A", "Late trials": "B", "Late trials,Pre-clinical": "B", "Early trials": "C",
    "Clinical trials": "C", "Case report": "C", "Early Trials,Case Report": "C", "Pre-clinical": "D",
}
CGI_DIRECTION = {"Responsive": "sensitivity", "Resistant": "resistance", "No Responsive": "resistance"}
CGI_URL = "https://www.cancergenomeinterpreter.org/biomarkers"
# gene-level classes of CIViC variant names; `mutation` and `loss_of_function` are matched from small
# variants, `amplification` and `copy_number_loss` from the copy-number calls (`genotailor cnv`), the
# others are kept but need expression or fusion calls
GENE_CLASSES = {
    "mutation": "mutation", "oncogenic mutation": "mutation", "loss-of-function": "loss_of_function",
    "truncating mutation": "loss_of_function", "frameshift truncation": "loss_of_function",
    "amplification": "amplification", "overexpression": "overexpression", "expression": "expression",
    "underexpression": "underexpression", "loss": "copy_number_loss", "deletion": "copy_number_loss",
    "fusion": "fusion", "rearrangement": "fusion", "itd": "internal_tandem_duplication",
}
SMALL_VARIANT_CLASSES = ("mutation", "loss_of_function")
_PROTEIN = re.compile(r"^([A-Z])(\d+)([A-Z*])$")
_CODON = re.compile(r"^([A-Z])(\d+)X?$")
_PROTEIN_INDEL = re.compile(r"^([A-Z])(\d+)(?:_([A-Z])(\d+))?(DELINS[A-Z]+|DEL|DUP|INS[A-Z]+)$", re.I)
_EXON = re.compile(r"^Exon (\d+) (Deletion|Insertion|Mutation|Frameshift)$", re.I)
_CGI_PROTEIN = re.compile(r"^([A-Z0-9-]+):([A-Z])(\d+)([A-Z*])$")
_CGI_CODON = re.compile(r"^([A-Z0-9-]+):([A-Z])(\d+)\.$")
_CGI_GENE = re.compile(r"^([A-Z0-9-]+):\.$")
_CGI_CNA = re.compile(r"^([A-Z0-9-]+):(amp|del)$", re.I)
_CGI_REGION = re.compile(r"^([A-Z0-9-]+):(?::consequence::([a-z_]+):)?((?:\d+-\d+,?)+)$")


# ----------------------------------------------------------------------------- OncoTree

def read_oncotree(path: Path) -> dict[str, dict]:
    """OncoTree TSV (code, name, parent, main_type, tissue, level, ...): code -> node."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows or "code" not in rows[0] or "parent" not in rows[0]:
        raise InputError(f"{path}: not an OncoTree table (needs code, name, parent columns)")
    tree = {r["code"]: {"name": r["name"], "parent": r["parent"] or None, "main_type": r.get("main_type") or None}
            for r in rows}
    orphans = sorted(c for c, n in tree.items() if n["parent"] and n["parent"] not in tree)
    if orphans:
        raise InputError(f"{path}: parent codes missing for {', '.join(orphans[:5])}")
    return tree


def read_crosswalk(path: Path, tree: dict) -> dict[tuple[str, str], str]:
    """(source, term) -> OncoTree code; every code must exist in the tree."""
    out = {}
    with open(path, newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    for r in csv.DictReader(lines, delimiter="\t"):
        if r["oncotree_code"] not in tree:
            raise InputError(f"{path}: {r['source']} term {r['term']!r} maps to unknown OncoTree code "
                             f"{r['oncotree_code']!r}")
        out[(r["source"], r["term"].lower())] = r["oncotree_code"]
    return out


class DiseaseMapper:
    """Source disease term -> OncoTree code: the curated crosswalk first, then an exact OncoTree name."""

    def __init__(self, tree, crosswalk):
        self.crosswalk = crosswalk
        self.by_name = {n["name"].lower(): code for code, n in tree.items()}
        self.unmapped: Counter = Counter()

    def __call__(self, source: str, term: str) -> str | None:
        key = term.strip().lower()
        code = self.crosswalk.get((source, key)) or self.by_name.get(key)
        if code is None:
            self.unmapped[(source, term.strip())] += 1
        return code


# ----------------------------------------------------------------------------- variants

def parse_civic_variant(name: str) -> dict | None:
    """CIViC variant name (without the gene) -> structured variant, or None when not understood."""
    name = name.strip()
    if m := _PROTEIN.match(name):
        return {"kind": "protein", "name": name, "ref_aa": m[1], "codon": int(m[2]), "alt_aa": m[3]}
    if m := _PROTEIN_INDEL.match(name):
        # an in-frame indel named as HGVS p. (E746_A750del): matched by the protein change itself
        word = next(w for w in ("delins", "del", "dup", "ins") if m[5].lower().startswith(w))
        tail = m[5][len(word):].upper()
        text = f"{m[1].upper()}{m[2]}" + (f"_{m[3].upper()}{m[4]}" if m[3] else "") + word + tail
        return {"kind": "protein", "name": text, "ref_aa": m[1].upper(), "codon": int(m[2])}
    if m := _CODON.match(name):
        return {"kind": "codon", "name": f"{m[1]}{m[2]}", "ref_aa": m[1], "codon": int(m[2])}
    if m := _EXON.match(name):
        cls = m[2].lower()
        return {"kind": "exon", "name": name, "exon": int(m[1]), "class": cls}
    cls = GENE_CLASSES.get(name.lower())
    if cls:
        return {"kind": "gene", "name": name, "class": cls}
    return None


def split_profile(profile: str) -> tuple[list[list[tuple[str, str]]] | None, str | None]:
    """A molecular profile -> its alternatives, each a list of (gene, variant) that must all be
    present: `BRAF V600E` -> [[(BRAF, V600E)]]; `EGFR L858R OR EGFR Exon 19 Deletion` -> two
    alternatives; `EGFR L858R AND EGFR T790M` -> one alternative of two variants. NOT -> reason."""
    if re.search(r"\bNOT\b", profile):
        return None, "molecular profile with NOT: the absence of a variant is not assessed"
    if re.search(r"\bAND\b", profile) and " OR " in profile:
        return None, "molecular profile mixing AND and OR: not matched"

    def component(part):
        gene, _, variant = part.strip().partition(" ")
        return (gene, variant) if variant else None

    if re.search(r"\bAND\b", profile):
        parts = [component(p) for p in re.split(r"\s+AND\s+", profile)]
        if not all(parts):
            return None, "molecular profile without a variant"
        return [parts], None
    out = []
    for part in profile.split(" OR "):
        c = component(part)
        if c is None:
            return None, "molecular profile without a variant"
        gene, variant = c
        if re.match(r"^[A-Z]\d+(/[A-Z]\d+)+$", variant):  # G12/G13: either codon
            out += [[(gene, v)] for v in variant.split("/")]
        else:
            out.append([(gene, variant)])
    return out, None


def compound_entries(components: list[tuple[str, dict]]) -> list[tuple[str, dict, list[dict]]]:
    """The variants of an AND profile, each with the others it needs: one entry per variant, so a
    tumour carrying all of them matches at each (`actionability.assess` checks the others)."""
    return [(gene, variant, [{"gene": g, "variant": v} for j, (g, v) in enumerate(components) if j != i])
            for i, (gene, variant) in enumerate(components)]


# ----------------------------------------------------------------------------- importers

class Build:
    """Accumulates entries, merges identical facts, counts what was dropped and why."""

    def __init__(self, mapper: DiseaseMapper):
        self.mapper = mapper
        self.entries: dict[tuple, dict] = {}
        self.rows = Counter()
        self.dropped: dict[str, Counter] = defaultdict(Counter)
        self.merged = Counter()
        self.unparsed: dict[str, Counter] = defaultdict(Counter)

    def drop(self, source, reason, n=1):
        self.dropped[source][reason] += n

    def add(self, source, entry):
        v = entry["variant"]
        needs = tuple((r["gene"], r["variant"]["name"].lower()) for r in entry.get("requires", ()))
        key = (entry["gene"], v["kind"], v["name"].lower(), entry["oncotree"], tuple(entry["therapies"]),
               entry["direction"], entry["level"], needs)
        have = self.entries.get(key)
        if have is None:
            self.entries[key] = entry
            return
        have["evidence"].extend(e for e in entry["evidence"] if e not in have["evidence"])
        have["diseases"] = sorted(set(have["diseases"]) | set(entry["diseases"]))
        self.merged[source] += 1


def _therapy_sets(therapies: str, interaction: str) -> list[list[str]]:
    names = [t.strip() for t in therapies.split(",") if t.strip()]
    if not names:
        return []
    if interaction in ("Combination", "Sequential"):
        return [sorted(names)]
    return [[n] for n in names]  # "Substitutes" or a single therapy: each one on its own


def import_civic(path: Path, build: Build):
    """CIViC ClinicalEvidenceSummaries.tsv: predictive, somatic, supporting evidence."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    for r in rows:
        build.rows["civic"] += 1
        if r["evidence_type"] != "Predictive":
            build.drop("civic", f"{r['evidence_type'].lower()} evidence: no therapy (not used for tiers in this release)")
            continue
        if r["variant_origin"] != "Somatic":
            build.drop("civic", f"variant origin {r['variant_origin'] or 'unknown'}: not a somatic association")
            continue
        if r["evidence_direction"] != "Supports":
            build.drop("civic", "evidence does not support the association")
            continue
        direction = CIVIC_DIRECTION.get(r["significance"])
        if direction is None:
            build.drop("civic", f"significance {r['significance']!r} is not a therapy response")
            continue
        parts, reason = split_profile(r["molecular_profile"])
        if parts is None:
            build.drop("civic", reason)
            continue
        code = build.mapper("civic", r["disease"])
        if code is None:
            build.drop("civic", "disease not mapped to OncoTree (listed in unmapped_diseases)")
            continue
        therapy_sets = _therapy_sets(r["therapies"], r["therapy_interaction_type"])
        if not therapy_sets:
            build.drop("civic", "predictive evidence without a therapy")
            continue
        evidence = {"source": "CIViC", "id": f"EID{r['evidence_id']}", "url": r["evidence_civic_url"],
                    "source_level": f"CIViC {r['evidence_level']}"}
        if r["source_type"] == "PubMed" and r["citation_id"]:
            evidence["pmid"] = r["citation_id"]
        kept, reasons = False, set()
        for alternative in parts:
            components = [(gene, parse_civic_variant(vname)) for gene, vname in alternative]
            if len(components) > 1 and any(
                    "::" in vname or (v is not None and v["kind"] == "gene" and v["class"] not in SMALL_VARIANT_CLASSES)
                    for (_, vname), (_, v) in zip(alternative, components)):
                reasons.add("compound molecular profile (AND) with a fusion, copy-number or expression part: "
                            "not assessed in this release")
                continue
            if any(v is None for _, v in components):
                for (_, vname), (_, v) in zip(alternative, components):
                    if v is None:
                        build.unparsed["civic"][vname] += 1
                reasons.add("variant name not understood (listed in unparsed_variants)")
                continue
            for gene, variant, requires in compound_entries(components):
                for therapies in therapy_sets:
                    entry = {
                        "gene": gene, "variant": variant, "oncotree": code, "diseases": [r["disease"]],
                        "therapies": therapies, "direction": direction, "level": CIVIC_LEVELS[r["evidence_level"]],
                        "evidence": [dict(evidence)],
                    }
                    if requires:
                        entry["requires"] = requires
                    build.add("civic", entry)
                    kept = True
        if kept:
            build.rows["civic_kept"] += 1
        else:
            build.drop("civic", min(reasons))


def parse_cgi_alteration(row) -> tuple[str, dict] | None:
    """A CGI row's gene and variant: the individual mutation if there is one, else the alteration
    (`ERBB2:amp` and `CDKN2A:del`, copy-number biomarkers, as CIViC's gene-level classes)."""
    if m := _CGI_CNA.match(row["Alteration"]):
        if m[2].lower() == "amp":
            return m[1], {"kind": "gene", "name": "amplification", "class": "amplification"}
        return m[1], {"kind": "gene", "name": "deletion", "class": "copy_number_loss"}
    if m := _CGI_PROTEIN.match(row["individual_mutation"]):
        name = f"{m[2]}{m[3]}{m[4]}"
        return m[1], {"kind": "protein", "name": name, "ref_aa": m[2], "codon": int(m[3]), "alt_aa": m[4]}
    alteration = row["Alteration"]
    if m := _CGI_CODON.match(alteration):
        return m[1], {"kind": "codon", "name": f"{m[2]}{m[3]}", "ref_aa": m[2], "codon": int(m[3])}
    if m := _CGI_GENE.match(alteration):
        return m[1], {"kind": "gene", "name": "oncogenic mutation", "class": "mutation"}
    if m := _CGI_REGION.match(alteration):
        ranges = [[int(a) for a in r.split("-")] for r in m[3].strip(",").split(",")]
        return m[1], {"kind": "region", "name": row["Biomarker"], "consequence": m[2], "codons": ranges}
    return None


def _cgi_therapy_sets(drug: str, family: str) -> list[list[str]]:
    drug = drug.strip()
    if drug.startswith("["):
        names = [d.strip() for d in drug.strip("[]").split(",") if d.strip()]
        if not names:
            return [[family.strip("[]")]] if family.strip("[]") else []
        return [[n] for n in names]
    return [sorted(d.strip() for d in drug.split(";") if d.strip())] if drug else []


def import_cgi(path: Path, build: Build):
    """CGI cgi_biomarkers_per_variant.tsv: small-variant (MUT) and copy-number (CNA) biomarkers."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for r in rows:
        build.rows["cgi"] += 1
        if r["Alteration type"] not in ("MUT", "CNA"):
            build.drop("cgi", f"alteration type {r['Alteration type']}: not a single small-variant or copy-number "
                       "biomarker")
            continue
        direction = CGI_DIRECTION.get(r["Association"])
        if direction is None:
            build.drop("cgi", "association is toxicity, not response" if "Toxicity" in r["Association"]
                       else f"association {r['Association']!r} not understood")
            continue
        level = CGI_LEVELS.get(r["Evidence level"])
        if level is None:
            build.drop("cgi", f"evidence level {r['Evidence level']!r} not understood")
            continue
        if "wildtype" in r["Alteration"]:
            build.drop("cgi", "wild-type biomarker: the absence of variants is not assessed")
            continue
        parsed = parse_cgi_alteration(r)
        if parsed is None:
            build.unparsed["cgi"][r["Alteration"][:80]] += 1
            build.drop("cgi", "alteration not understood (listed in unparsed_variants)")
            continue
        gene, variant = parsed
        therapy_sets = _cgi_therapy_sets(r["Drug"], r["Drug family"])
        if not therapy_sets:
            build.drop("cgi", "biomarker without a therapy")
            continue
        codes = []
        for acronym, name in zip(r["Primary Tumor acronym"].split(";"), r["Primary Tumor type"].split(";")):
            code = build.mapper("cgi", acronym)
            if code:
                codes.append((code, name))
        if not codes:
            build.drop("cgi", "tumour type not mapped to OncoTree (listed in unmapped_diseases)")
            continue
        evidence = {"source": "CGI", "id": r["Biomarker"], "url": CGI_URL, "source_level": f"CGI {r['Evidence level']}"}
        pmids = [s[5:] for s in r["Source"].split(";") if s.startswith("PMID:")]
        if pmids:
            evidence["pmid"] = pmids[0]
        for code, name in codes:
            for therapies in therapy_sets:
                build.add("cgi", {"gene": gene, "variant": variant, "oncotree": code, "diseases": [name],
                                  "therapies": therapies, "direction": direction, "level": level,
                                  "evidence": [dict(evidence)]})
        build.rows["cgi_kept"] += 1


# ----------------------------------------------------------------------------- curated biomarkers

CURATED_BIOMARKERS = "curated_biomarkers.tsv"
CURATED_COLUMNS = ("biomarker", "oncotree", "therapies", "direction", "level", "approval", "pmid", "url")
BIOMARKERS = ("MSI-H",)


def read_curated_biomarkers(path: Path, tree: dict) -> list[dict]:
    """Therapy evidence for biomarkers that are not one gene's variants (MSI-H): one entry per row,
    each checked (known biomarker, OncoTree code, direction, level, a PMID). The optional `not_for`
    column lists OncoTree codes (';') the evidence does not cover although they descend from its code
    (an approval for solid tumours given at the OncoTree root excludes MYELOID and LYMPH)."""
    with open(path, newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t")
    missing = [c for c in CURATED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    out = []
    for n, r in enumerate(reader, start=1):
        where = f"{path} row {n}"
        if r["biomarker"] not in BIOMARKERS:
            raise InputError(f"{where}: biomarker {r['biomarker']!r} is not one of {', '.join(BIOMARKERS)}")
        if r["oncotree"] not in tree:
            raise InputError(f"{where}: unknown OncoTree code {r['oncotree']!r}")
        if r["direction"] not in ("sensitivity", "resistance", "reduced_sensitivity") or r["level"] not in "ABCD":
            raise InputError(f"{where}: direction must be sensitivity/resistance/reduced_sensitivity, level A-D")
        if not r["pmid"].isdigit():
            raise InputError(f"{where}: pmid {r['pmid']!r} is not a PubMed id")
        not_for = [c.strip() for c in (r.get("not_for") or "").split(";") if c.strip() not in ("", ".")]
        unknown = [c for c in not_for if c not in tree]
        if unknown:
            raise InputError(f"{where}: not_for names unknown OncoTree code(s) {', '.join(unknown)}")
        out.append({"id": f"BIO{n:05d}", "biomarker": r["biomarker"], "oncotree": r["oncotree"],
                    **({"not_for": not_for} if not_for else {}),
                    "diseases": [tree[r["oncotree"]]["name"]],
                    "therapies": sorted(t.strip() for t in r["therapies"].split("+")),
                    "direction": r["direction"], "level": r["level"],
                    "evidence": [{"source": "curated", "id": r["approval"], "url": r["url"], "pmid": r["pmid"]}]})
    return out


# ----------------------------------------------------------------------------- build

def _entry_order(e):
    v = e["variant"]
    return (e["gene"], v["kind"], v.get("codon") or 0, v["name"], e["oncotree"], e["direction"], e["level"],
            e["therapies"], [(r["gene"], r["variant"]["name"]) for r in e.get("requires", ())])


def build_oncology_kb(civic_dir: Path, cgi_file: Path, oncotree_tsv: Path, crosswalk: Path, out: Path,
                      civic_release: str, cgi_release: str, oncotree_release: str, curated: Path | None = None) -> dict:
    """Write actionability.json, oncotree.json, build_report.json and manifest.json into `out`.
    `curated`: the curated biomarker evidence (default: curated_biomarkers.tsv beside the crosswalk,
    when there is one), kept as actionability.json's `biomarkers`."""
    civic_files = sorted(Path(civic_dir).glob(f"*{CIVIC_EVIDENCE}"))
    if len(civic_files) != 1:
        raise InputError(f"{civic_dir}: expected one *{CIVIC_EVIDENCE} (CIViC release), found {len(civic_files)}")
    tree = read_oncotree(Path(oncotree_tsv))
    mapper = DiseaseMapper(tree, read_crosswalk(Path(crosswalk), tree))
    build = Build(mapper)
    import_civic(civic_files[0], build)
    import_cgi(Path(cgi_file), build)
    for i, e in enumerate(sorted(build.entries.values(), key=_entry_order), 1):
        e["id"] = f"ONC{i:05d}"
    entries = sorted(build.entries.values(), key=_entry_order)
    entries = [{"id": e["id"], **{k: v for k, v in e.items() if k != "id"}} for e in entries]
    if curated is None and (Path(crosswalk).parent / CURATED_BIOMARKERS).exists():
        curated = Path(crosswalk).parent / CURATED_BIOMARKERS
    biomarkers = read_curated_biomarkers(Path(curated), tree) if curated else []
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    kb = {"schema": 1, "entries": entries}
    if curated:
        kb["biomarkers"] = biomarkers
    dump_json(kb, out / "actionability.json")
    dump_json({"release": oncotree_release,
               "nodes": {c: [n["name"], n["parent"], n["main_type"]] for c, n in sorted(tree.items())}},
              out / "oncotree.json")
    by_count = lambda kv: (-kv[1], kv[0])  # noqa: E731 - most frequent first, then by name
    report = {
        "rows_read": {s: build.rows[s] for s in ("civic", "cgi")},
        "rows_kept": {s: build.rows[f"{s}_kept"] for s in ("civic", "cgi")},
        "entries": len(entries),
        "merged_into_existing_entry": dict(sorted(build.merged.items())),
        "dropped": {s: dict(sorted(c.items(), key=by_count)) for s, c in sorted(build.dropped.items())},
        "unmapped_diseases": [{"source": s, "term": t, "rows": n}
                              for (s, t), n in sorted(mapper.unmapped.items(), key=by_count)],
        "unparsed_variants": {s: dict(sorted(c.items(), key=by_count)) for s, c in sorted(build.unparsed.items())},
    }
    dump_json(report, out / "build_report.json")
    crosswalk_copy = out / "disease_oncotree_crosswalk.tsv"
    if Path(crosswalk).resolve() != crosswalk_copy.resolve():
        crosswalk_copy.write_bytes(Path(crosswalk).read_bytes())
    outputs = ["actionability.json", "oncotree.json", "build_report.json", "disease_oncotree_crosswalk.tsv"]
    if curated:
        curated_copy = out / CURATED_BIOMARKERS
        if Path(curated).resolve() != curated_copy.resolve():
            curated_copy.write_bytes(Path(curated).read_bytes())
        outputs.append(CURATED_BIOMARKERS)
    manifest = {
        "knowledge_base": "oncology actionability (somatic small variants and copy number)",
        "builder": "genotailor kb-build-oncology",
        "genotailor_version": __version__,
        "level_mapping": {"civic": CIVIC_LEVELS, "cgi": CGI_LEVELS},
        "sources": [
            {"name": "CIViC", "release": civic_release, "licence": "CC0-1.0", "url": "https://civicdb.org",
             "file": civic_files[0].name, "sha256": sha256_file(civic_files[0])},
            {"name": "Cancer Genome Interpreter biomarkers", "release": cgi_release, "licence": "CC0-1.0",
             "url": CGI_URL, "file": Path(cgi_file).name, "sha256": sha256_file(cgi_file)},
            {"name": "OncoTree", "release": oncotree_release, "licence": "CC-BY-4.0",
             "url": "https://oncotree.mskcc.org", "file": Path(oncotree_tsv).name, "sha256": sha256_file(oncotree_tsv),
             "citation": "Kundra et al., JCO Clin Cancer Inform 2021"},
        ],
        "files": {name: sha256_file(out / name) for name in outputs},
        # evidence for biomarkers that are not one gene's variants (MSI-H): curated facts, not a release
        **({"curated": {"file": CURATED_BIOMARKERS, "biomarkers": sorted({b["biomarker"] for b in biomarkers}),
                        "content": "regulatory approvals and their pivotal publications (PMIDs)"}} if curated else {}),
        # what the knowledge base holds: a tumour-panel gene absent here gets no tier above III
        "genes": sorted({e["gene"] for e in entries}),
    }
    dump_json(manifest, out / "manifest.json")
    return {"manifest": manifest, "report": report}
