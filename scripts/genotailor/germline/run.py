"""`genotailor germline`: a germline VCF -> diagnostic findings for the patient's indications and,
only with consent, ACMG secondary findings.

Reads the hand-off VCF, the reference, the shipped transcript models, the compiled ClinVar table
(`clinvar.tsv.gz`), the panels file and the compiled ACMG SF list. Only the genes the patient is
analysed for are read from the VCF: the indication panels' genes, and the SF genes only when
secondary findings are consented — without consent their records are never read, and nothing
about them is written. Writes the stage JSON of `workflow/schemas/germline.schema.json`.
"""

from __future__ import annotations

from pathlib import Path

import pysam

from genotailor.core.consent import PAD
from genotailor.core.consequence import annotate_allele, run_csq_sites
from genotailor.core.contigs import header_contigs, match_contigs
from genotailor.core.errors import InputError
from genotailor.core.kbfiles import clinvar_gene_coverage, load_acmg_sf, load_germline_panels
from genotailor.core.reference import Reference
from genotailor.core.transcripts import models_by_gene
from genotailor.germline.classify import CANDIDATE, alleles_by_gene, benign_class, classify, meaning, sf_reportable

CLINVAR_URL = "https://www.ncbi.nlm.nih.gov/clinvar/variation/{}/"
LIMITATIONS = (
    "Pathogenic and likely pathogenic mean ClinVar's aggregate classification at the stated review level; "
    "this release does not apply the ACMG/AMP criteria itself.",
    "A predicted loss-of-function variant that ClinVar does not know is a candidate that needs expert review, "
    "not a diagnosis.",
    "Small variants only: copy-number changes, large deletions and duplications, structural variants and repeat "
    "expansions are not assessed; a negative result does not exclude the condition.",
    "Phase is not known: two variants in a recessive gene are biallelic only if they lie on different chromosomes.",
)


def resolve_indications(indications, panels_doc) -> tuple[list[dict], list[str]]:
    """(panels used, genes) of the patient's indications: panel names or gene symbols."""
    panels, genes = [], []
    for item in indications:
        if item in panels_doc["panels"]:
            p = panels_doc["panels"][item]
            panels.append({"name": item, "title": p["title"], "genes": list(p["genes"]), "source": p["source"]})
            genes += p["genes"]
        elif item in panels_doc["mechanism"]:
            panels.append({"name": item, "title": f"{item} (gene requested)", "genes": [item],
                           "source": "gene named in the sample sheet"})
            genes.append(item)
        else:
            names = ", ".join(sorted(panels_doc["panels"]))
            raise InputError(f"indication {item!r} is neither a panel ({names}) nor a gene of the panels file")
    return panels, list(dict.fromkeys(genes))


class ClinVar:
    """The compiled ClinVar table, looked up by allele."""

    def __init__(self, kb_dir: Path):
        path = Path(kb_dir) / "clinvar.tsv.gz"
        if not path.exists():
            raise InputError(f"{path}: ClinVar table not found — build it with genotailor kb-build-clinvar")
        self.tabix = pysam.TabixFile(str(path))
        self.contigs = set(self.tabix.contigs)

    def get(self, chrom, pos, ref, alt) -> dict | None:
        if chrom not in self.contigs:
            return None
        for line in self.tabix.fetch(chrom, pos - 1, pos):
            f = line.split("\t")
            if int(f[1]) == pos and f[2] == ref and f[3] == alt:
                return {"variation_id": f[4], "gene": f[5], "clnsig": f[6].split("|"), "review_status": f[7],
                        "stars": int(f[8]), "conflict": f[9] == "yes",
                        "conflicting_classifications": None if f[10] == "." else f[10],
                        "hgvs_g": f[11], "condition": None if f[13] == "." else f[13]}
        return None


def _genotype(rec, sample) -> tuple[tuple, int | None]:
    call = rec.samples[sample]
    gt = tuple(a for a in (call.get("GT") or ()) if a is not None)
    try:
        dp = call.get("DP")
    except KeyError:
        dp = None
    return gt, dp


def _zygosity(gt, alt_index, chrom, sex) -> str:
    n = sum(1 for a in gt if a == alt_index)
    if len(gt) == 1 or (chrom in ("chrX", "chrY") and sex == "male" and n == len(gt)):
        return "hemizygous"
    return "homozygous" if n == len(gt) else "heterozygous"


def run_germline(vcf, sample: str, indications, secondary_findings: bool, reference, models_gff, kb_dir,
                 min_stars: int = 1, report_vus: bool = False, sex: str = "unknown") -> dict:
    panels_doc = load_germline_panels(kb_dir)
    acmg = load_acmg_sf(kb_dir)
    panels, panel_genes = resolve_indications(indications, panels_doc)
    sf_genes = [g for g in acmg["genes"] if g not in panel_genes] if secondary_findings else []
    analysed = panel_genes + sf_genes
    models = models_by_gene(str(models_gff))
    missing = [g for g in analysed if g not in models]
    if missing:
        raise InputError(f"no transcript model for {', '.join(missing)} in {models_gff}")
    clinvar = ClinVar(kb_dir)
    coverage = clinvar_gene_coverage(kb_dir)
    # a gene the ClinVar table holds no record of: its variants are still looked at (a predicted
    # loss of function is a candidate), but none can be classified, so no negative holds for it
    without_records = [{"gene": g, "category": "diagnostic" if g in panel_genes else "secondary",
                        "reason": f"no ClinVar records for {g} in the knowledge base (ClinVar release "
                                  f"{coverage['release']}): no variant of it can be classified"}
                       for g in analysed if g not in coverage["gene_coverage"]]
    lengths = Reference(reference).lengths

    variants = []  # (gene, chrom, pos, ref, alt, zygosity, genotype, depth)
    not_examined = []  # {gene, category, reason}
    with pysam.VariantFile(str(vcf)) as vf:
        if sample not in vf.header.samples:
            raise InputError(f"VCF {vcf}: no sample column '{sample}' (columns: {', '.join(vf.header.samples)})")
        if vf.index is None:
            raise InputError(f"VCF {vcf}: not indexed — bgzip and tabix it (the hand-off VCF is)")
        # a contig is in the VCF when its header declares it or its index holds records on it
        declared = {**dict.fromkeys(vf.index.keys()), **header_contigs(vf.header)}
        names = match_contigs(vcf, declared, lengths, f"the reference {Path(reference).name}")
        contigs = sorted({names.reference(c) for c in declared} - {None}, key=list(lengths).index)
        for gene in analysed:
            t = models[gene]
            start, end = min(e[0] for e in t.exons), max(e[1] for e in t.exons)
            where = names.vcf(t.chrom)
            if where is None:
                reason = (f"contig {t.chrom} is not in the reference {Path(reference).name}" if t.chrom not in lengths
                          else f"contig {t.chrom} (or {t.chrom.removeprefix('chr')}) is not in the VCF")
                not_examined.append({"gene": gene, "category": "diagnostic" if gene in panel_genes else "secondary",
                                     "reason": reason})
                continue
            try:
                records = vf.fetch(where, max(0, start - 1 - PAD), end + PAD)
            except ValueError as exc:
                raise InputError(f"VCF {vcf}: cannot read contig {where} ({exc}) — declare it in the header "
                                 "(##contig) and index the VCF again (tabix -p vcf)") from None
            for rec in records:
                keys = rec.filter.keys()
                if keys and keys != ["PASS"]:
                    continue
                gt, dp = _genotype(rec, sample)
                for i, alt in enumerate(rec.alts or (), start=1):
                    if alt == "*" or alt.startswith("<") or i not in gt:
                        continue
                    variants.append((gene, t.chrom, rec.pos, rec.ref, alt, _zygosity(gt, i, t.chrom, sex),
                                     "/".join(map(str, gt)) if gt else ".", dp))
    if analysed and len(not_examined) == len(analysed):
        raise InputError(
            f"VCF {vcf}: none of the {len(analysed)} genes analysed for this patient lies on a contig of the VCF "
            f"(e.g. {not_examined[0]['gene']}: {not_examined[0]['reason']}): nothing was examined — give the "
            "sample's GRCh38 VCF (contigs named chr1..chr22, chrX, chrY or 1..22, X, Y)")
    sites = sorted({v[1:5] for v in variants}, key=lambda s: (contigs.index(s[0]), s[1], s[2], s[3]))
    csq = run_csq_sites(sites, reference, models_gff, contigs) if sites else {}

    candidates, benign = [], []
    with pysam.FastaFile(str(reference)) as fasta:
        for gene, chrom, pos, ref, alt, zyg, gt, dp in variants:
            c = annotate_allele(fasta, models, chrom, pos, ref, alt, csq.get((chrom, pos, ref, alt), []))
            if c.gene is not None and c.gene != gene:
                continue  # the allele lies in another model gene; that gene reports it if it is analysed
            entry = clinvar.get(chrom, pos, ref, alt)
            mechanism = panels_doc["mechanism"].get(gene)
            cls = classify(entry, c.consequence, mechanism, min_stars, report_vus)
            if cls is None:
                if benign_class(entry, min_stars):
                    benign.append(_not_reported(gene, chrom, pos, ref, alt, c, zyg, entry, min_stars))
                continue
            finding = {"gene": gene, "chrom": chrom, "pos": pos, "ref": ref, "alt": alt,
                       "transcript": c.transcript, "refseq": c.refseq, "hgvs_c": c.hgvs_c, "hgvs_p": c.hgvs_p,
                       "consequence": c.consequence, "genotype": gt, "zygosity": zyg, "depth": dp,
                       "classification": cls, "mechanism": mechanism or "not stated"}
            if entry is not None:
                finding["clinvar"] = {
                    "variation_id": entry["variation_id"], "accession": f"VCV{int(entry['variation_id']):09d}",
                    "url": CLINVAR_URL.format(entry["variation_id"]), "clnsig": entry["clnsig"],
                    "review_status": entry["review_status"], "stars": entry["stars"],
                    "conflict": entry["conflict"], "conflicting_classifications": entry["conflicting_classifications"],
                    "condition": entry["condition"]}
            candidates.append(finding)

    inheritance = {g: v["inheritance"] for g, v in acmg["genes"].items()}
    findings = []
    diagnostic = [f for f in candidates if f["gene"] in panel_genes]
    counts = alleles_by_gene(diagnostic)
    for f in diagnostic:
        f["category"] = "diagnostic"
        f["panels"] = [p["name"] for p in panels if f["gene"] in p["genes"]]
        f["inheritance"] = inheritance.get(f["gene"], "not stated")
        f["meaning"] = meaning(f["inheritance"], f["zygosity"], counts[f["gene"]], sex)
        if f["classification"] == CANDIDATE:
            f["meaning"] = "predicted loss of function, not in ClinVar at the required review level: " \
                           "needs expert review before any clinical use; " + f["meaning"]
        findings.append(f)
    secondary = []
    for gene in sf_genes:
        rule = acmg["genes"][gene]["rule"]
        reported = sf_reportable(rule, [f for f in candidates if f["gene"] == gene])
        n = alleles_by_gene(reported)[gene]
        for f in reported:
            f["category"] = "secondary"
            f["panels"] = []
            f["inheritance"] = acmg["genes"][gene]["inheritance"]
            f["sf_rule"] = rule
            f["condition"] = "; ".join(c["name"] for c in acmg["genes"][gene]["conditions"])
            f["meaning"] = meaning(f["inheritance"], f["zygosity"], n, sex)
            secondary.append(f)
    findings += secondary
    skipped = {n["gene"] for n in not_examined}
    unclassifiable = [w for w in without_records if w["gene"] not in skipped]
    doc = {
        "sample": sample,
        "indications": panels,
        "genes_analysed": [g for g in panel_genes if g not in skipped],
        "genes_not_examined": not_examined,
        "genes_without_kb_records": unclassifiable,
        "classification": {"clinvar_release": coverage["release"], "min_stars": min_stars,
                           "report_vus": report_vus},
        "secondary_findings": ({"analysed": True, "list": acmg["list"],
                                "genes_analysed": len([g for g in sf_genes if g not in skipped])}
                               if secondary_findings else {"analysed": False}),
        "findings": findings,
        "classified_not_reported": benign,
        "limitations": list(LIMITATIONS) + _not_examined_sentences(not_examined)
        + _without_records_sentence([w["gene"] for w in unclassifiable],
                                    coverage["release"]),
    }
    return doc


def _not_reported(gene, chrom, pos, ref, alt, c, zygosity, entry, min_stars) -> dict:
    """A variant the patient carries that ClinVar classes benign / likely benign: named, not a finding."""
    return {"gene": gene, "chrom": chrom, "pos": pos, "ref": ref, "alt": alt, "hgvs_c": c.hgvs_c,
            "hgvs_p": c.hgvs_p, "zygosity": zygosity, "clinvar_class": benign_class(entry, min_stars),
            "clnsig": entry["clnsig"], "stars": entry["stars"], "review_status": entry["review_status"],
            "variation_id": entry["variation_id"], "url": CLINVAR_URL.format(entry["variation_id"])}


def _without_records_sentence(genes, release) -> list[str]:
    if not genes:
        return []
    return [f"No ClinVar records in the knowledge base (ClinVar release {release}) for {', '.join(genes)}: none of "
            f"{'its' if len(genes) == 1 else 'their'} variants can be classified, so no negative result holds for "
            f"{'it' if len(genes) == 1 else 'them'} (genotailor kb-update clinvar builds the table from a complete "
            "release)."]


def _not_examined_sentences(not_examined) -> list[str]:
    """One sentence per reason: the genes no variant was looked for in, so no negative is read into them."""
    by_reason: dict[str, list[str]] = {}
    for n in not_examined:
        by_reason.setdefault(n["reason"], []).append(n["gene"])
    return [f"{', '.join(genes)}: not examined — {reason}; no result is given for "
            f"{'this gene' if len(genes) == 1 else 'these genes'}." for reason, genes in by_reason.items()]
