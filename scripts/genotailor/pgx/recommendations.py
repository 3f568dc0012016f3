"""Drug recommendations from pharmacogene results (CPIC, or a drug label), as structured facts.

The knowledge base is `workflow/resources/pgx/recommendations.yaml`: one entry per drug with its
genes, guideline (URL, PubMed IDs, CPIC level) and ordered rules mapping gene results to an
action category, an optional dose factor and CPIC's strength of recommendation. An entry with
`source: fda_label` follows a US drug label instead: it has no CPIC level, `guideline` is the
label's URL and every rule has strength `label` (the label requires it; not a CPIC grade). Each
result names its source (`source`: "CPIC guideline" or "FDA drug label"). Its header
describes the format. `load_recommendations` reads and validates it against the gene knowledge
base (`genes/{GENE}.json`): every phenotype term (from the gene's diplotype table or phenotype
method), activity score and allele a rule names must exist there, or, for genes the knowledge
base assigns no phenotype to (outside calls such as HLA-B or MT-RNR1), in the file's own
`outside_call_vocabulary`, which may also add terms that only outside calls give (CYP2D6
"Indeterminate") but must not repeat the knowledge base's.

`recommend(gene_results)` applies the rules to the PGx engine's per-gene results and returns one
result per drug whose genes appear in them:

- the first rule (in file order) whose conditions all hold decides; conditions on a gene the
  patient was not assessed for are open, and an open rule before the deciding one makes the
  drug `not_assessed` (genes listed as optional count as "condition false" instead);
- an ambiguous call is evaluated for its headline diplotype and every alternative: if they all
  lead to the same action that action is reported (with the weakest strength among them),
  otherwise the drug is `indeterminate`. The exception is a tie the engine's cis rule decided
  (unphased TPMT c.460G>A + c.719A>G: *1/*3A, the documented *3A haplotype, or *3B/*3C, both
  variants on separate chromosomes, which is rare): the drug follows the diplotypes level with
  the headline (`tie.leading`), as CPIC's genotype tables do, and each set-aside reading whose
  action or dose differs is listed in `alternative_actions` and named in `reason`, so the
  report shows what it would mean and that phasing would settle it;
- `untested: true` holds only for a gene the patient was not assessed for and `indeterminate: true`
  only for a tested gene that has no phenotype (CPIC's "Indeterminate"): rules for the guideline's
  one-gene answers, placed before the rules that need the gene; a result decided by an untested
  gene says so in `reason`, so it is never read as a negative or normal result for it;
- a usable result that no rule covers, or a result without the field a rule needs (e.g. an
  outside call without a phenotype), gives `indeterminate` with the reason.

Results are actionable/standard with `action` one of ACTIONS, or not_assessed/indeterminate with
`action` "undetermined", `strength` "not_applicable" and the reason also given as the note.
`attach_to_genes` copies each result into the `drugs` list of the genes it involves.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.pgx import DEFAULT_KB
from genotailor.pgx.definitions import cached_gene
from genotailor.pgx.matcher import activity_scores, phenotype_of, phenotype_terms
from genotailor.pgx.values import Mutable, Value

DEFAULT_PATH = DEFAULT_KB / "recommendations.yaml"

ACTIONS = ("standard", "reduce_dose", "increase_dose", "avoid", "use_alternative", "monitor", "consider_alternative")
# CPIC's strengths, strongest first, then `label`: a rule from a drug label (source fda_label),
# which is what the label requires, not a CPIC grade, so it has no place on CPIC's scale. It is
# last only so that the CPIC grades keep their order; the loader allows `label` in label entries
# only and requires it there, so the weakest-strength choice among an ambiguous call's
# alternatives (`STRENGTHS.index`, within one drug) never compares `label` with a CPIC grade.
STRENGTHS = ("strong", "moderate", "optional", "no_recommendation", "label")
LABEL_STRENGTH = "label"
# Where a drug's rules come from (`source` in the YAML; cpic when omitted) -> what results say.
SOURCES = {"cpic": "CPIC guideline", "fda_label": "FDA drug label"}
DEFAULT_SOURCE = "cpic"
CONDITIONS = ("phenotype", "activity_score", "carries", "lacks", "diplotype", "called", "untested", "indeterminate",
              "any_of")
UNDETERMINED_ACTION = "undetermined"
UNDETERMINED_STRENGTH = "not_applicable"
MISSING_STATUSES = ("not_assessed", "not_called")

_TOP_KEYS = {"schema_version", "compiled", "outside_call_vocabulary", "shared", "drugs"}
_DRUG_KEYS = {"drug", "genes", "optional_genes", "cpic_level", "guideline", "guideline_version", "pmid", "rules",
              "needs_unambiguous_genotype", "source"}
_RULE_KEYS = {"when", "action", "dose_factor", "dose_basis", "timing", "strength", "note"}
# What a dose factor is a fraction of (`dose_basis`; starting when omitted): the report says it.
DOSE_BASES = ("starting", "maintenance")
# Allele-like tokens of an outside-call diplotype: star alleles (*57:01, *1x2), mitochondrial
# HGVS changes (m.1555A>G) and words for the reference sequence. A diplotype made only of such
# tokens that does not name an allele is read as "does not carry it"; anything else is unreadable.
_ALLELE_TOKEN = re.compile(r"^(\*[0-9A-Za-z]+(?::[0-9A-Za-z]+)*|m\.\d+[ACGT]+>[ACGT]+)$")
_REFERENCE_WORDS = {"reference", "ref", "wild type", "wild-type", "wildtype", "wt"}
_STATUS_WORD = re.compile(r"(\S+)\s+(positive|negative)\b", re.IGNORECASE)


# --- the knowledge base -----------------------------------------------------------------------

class Vocabulary(Mutable):
    """Terms rules may use, per gene, and the gene knowledge base's definitions."""

    __slots__ = ("kb_dir", "phenotypes", "activity_scores", "alleles", "definitions", "kb_phenotypes")

    def __init__(self, kb_dir: Path):
        self.kb_dir = kb_dir
        self.phenotypes: dict = {}  # gene -> set of phenotype terms
        self.activity_scores: dict = {}  # gene -> set of floats
        self.alleles: dict = {}  # gene -> set of allele names
        self.definitions: dict = {}  # gene -> GeneDefinition (with phenotypes)
        self.kb_phenotypes: dict = {}  # gene -> the terms the knowledge base gives

    def knows(self, gene):
        return gene in self.phenotypes or gene in self.alleles

    def lookup(self, gene, diplotype):
        """(phenotype, activity score text) of a diplotype ("*1/*4", or one allele for a
        hemizygous gene) from the gene knowledge base's table or phenotype method."""
        definition = self.definitions.get(gene)
        if definition is None or not diplotype:
            return None, None
        return phenotype_of(definition, [n.strip() for n in str(diplotype).split("/", 1)])


class Condition(Value):
    """`value`: list of terms, (min, max), True, or a tuple of Conditions for any_of."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: object):
        self.kind, self.value = kind, value


class Rule(Value):
    """One rule of a drug: `number` its 1-based position in the drug's list, `when` gene ->
    Condition, `dose_factor` None, a float or (low, high); `dose_basis` the dose it is a fraction
    of (DOSE_BASES); `timing` None, or when the factor applies if not from the start."""

    __slots__ = ("number", "when", "action", "dose_factor", "strength", "note", "dose_basis", "timing")

    def __init__(self, number: int, when: dict, action: str, dose_factor: object, strength: str, note: str,
                 dose_basis: str = "starting", timing: str | None = None):
        self.number, self.when, self.action = number, when, action
        self.dose_factor, self.strength, self.note = dose_factor, strength, note
        self.dose_basis, self.timing = dose_basis, timing


class DrugRule(Value):
    """One drug of the knowledge base (`source`: a key of SOURCES; `vocab`, the vocabulary it was
    checked against, is not part of its value)."""

    __slots__ = ("drug", "genes", "guideline", "pmids", "cpic_level", "guideline_version", "rules",
                 "optional_genes", "needs_unambiguous_genotype", "source", "vocab")
    _hidden = ("vocab",)

    def __init__(self, drug: str, genes: tuple, guideline: str, pmids: tuple, cpic_level: str,
                 guideline_version: str, rules: tuple, optional_genes: tuple = (),
                 needs_unambiguous_genotype: bool = False, source: str = DEFAULT_SOURCE,
                 vocab: Vocabulary | None = None):
        self.drug, self.genes, self.guideline, self.pmids = drug, genes, guideline, pmids
        self.cpic_level, self.guideline_version, self.rules = cpic_level, guideline_version, rules
        self.optional_genes, self.needs_unambiguous_genotype = optional_genes, needs_unambiguous_genotype
        self.source, self.vocab = source, vocab


def _as_float(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _read_kb_vocabulary(kb_dir: Path, genes) -> Vocabulary:
    vocab = Vocabulary(Path(kb_dir))
    for gene in sorted(genes):
        if not (Path(kb_dir) / "genes" / f"{gene}.json").exists():
            continue
        definition = cached_gene(gene, kb_dir)  # the same parse the engine uses
        vocab.alleles[gene] = {a.name for a in definition.alleles}
        terms = phenotype_terms(definition)  # from the diplotype table or the phenotype method
        if terms:
            vocab.definitions[gene] = definition
            vocab.phenotypes[gene] = set(terms)
            vocab.kb_phenotypes[gene] = frozenset(terms)
            scores = activity_scores(definition)
            if scores:
                vocab.activity_scores[gene] = scores
    return vocab


def compiled_path(path) -> Path:
    """The JSON mirror of a recommendations YAML file (`recommendations.compiled.json`)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.compiled.json")


def parse_yaml(path: Path, text: str):
    import yaml  # only when the JSON mirror is missing or stale

    from genotailor.core.yamlio import load_yaml

    try:
        return load_yaml(text)
    except yaml.YAMLError as e:
        raise InputError(f"{path}: not valid YAML: {e}") from None


def decode_text(path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start})") from None


def read_document(path) -> object:
    """The parsed recommendations file.

    The YAML file is the source. Its JSON mirror (`kb.pgx_recommendations.compile_recommendations`) holds the same
    document and the SHA-256 of the YAML bytes it was made from; it is used only when that
    checksum matches, so an edited YAML file is always read itself (a YAML parse costs ~25 ms
    of every `genotailor pgx` run, a JSON one ~1 ms)."""
    path = Path(path)
    data = path.read_bytes()
    mirror = compiled_path(path)
    if mirror.exists():
        try:
            compiled = json.loads(mirror.read_text())
        except ValueError:
            compiled = None
        if (isinstance(compiled, dict) and compiled.get("source_sha256") == hashlib.sha256(data).hexdigest()
                and "document" in compiled):
            return compiled["document"]
    return parse_yaml(path, decode_text(path, data))


def load_recommendations(path=DEFAULT_PATH, kb_dir=DEFAULT_KB) -> list[DrugRule]:
    """Read and validate the recommendations file; raise InputError naming the file and entry."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: recommendations file not found")
    return validate_document(path, read_document(path), kb_dir)


def validate_document(path: Path, doc, kb_dir) -> list[DrugRule]:
    """The drugs of a parsed recommendations document, or InputError listing every problem."""
    if not isinstance(doc, dict) or not isinstance(doc.get("drugs"), list):
        raise InputError(f"{path}: expected a mapping with a 'drugs' list")
    entries = doc["drugs"]
    problems: list[str] = []
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        problems.append(f"unknown top-level key(s) {', '.join(sorted(unknown))}")
    genes_used = set()
    for e in entries:
        if isinstance(e, dict) and isinstance(e.get("genes"), list):
            genes_used.update(g for g in e["genes"] if isinstance(g, str))
    vocab = _read_kb_vocabulary(kb_dir, genes_used)
    _add_outside_vocabulary(doc.get("outside_call_vocabulary") or {}, vocab, problems)
    drugs, seen = [], set()
    for i, entry in enumerate(entries):
        where = f"drugs[{i}]"
        if isinstance(entry, dict) and isinstance(entry.get("drug"), str):
            where = f"drug '{entry['drug']}'"
        drug = _parse_drug(entry, where, vocab, problems)
        if drug is None:
            continue
        if drug.drug in seen:
            problems.append(f"{where}: listed twice")
        seen.add(drug.drug)
        drugs.append(drug)
    if problems:
        if len(problems) == 1:
            raise InputError(f"{path}: {problems[0]}")
        raise InputError(f"{path}: {len(problems)} problems\n" + "\n".join(f"  - {p}" for p in problems))
    return drugs


def _add_outside_vocabulary(block, vocab: Vocabulary, problems):
    if not isinstance(block, dict):
        problems.append("outside_call_vocabulary: expected a mapping of gene -> {phenotypes, alleles}")
        return
    for gene, spec in block.items():
        if not isinstance(spec, dict) or not set(spec) <= {"phenotypes", "alleles"}:
            problems.append(f"outside_call_vocabulary {gene}: expected keys 'phenotypes' and/or 'alleles'")
            continue
        if spec.get("phenotypes"):
            terms = {str(p) for p in spec["phenotypes"]}
            repeated = terms & vocab.kb_phenotypes.get(gene, frozenset())
            if repeated:
                # The knowledge base's terms come from genes/{GENE}.json only; this block may add
                # terms only outside calls give (e.g. CYP2D6 Indeterminate).
                problems.append(f"outside_call_vocabulary {gene}: the gene knowledge base already gives "
                                f"{', '.join(sorted(repeated))}; list only terms it does not give")
            else:
                vocab.phenotypes.setdefault(gene, set()).update(terms)
        if spec.get("alleles"):
            vocab.alleles.setdefault(gene, set()).update(str(a) for a in spec["alleles"])


def _is_mapping(obj, keys, where, problems) -> bool:
    """False (a problem noted) unless obj is a mapping; its keys outside `keys` are noted too."""
    if not isinstance(obj, dict):
        problems.append(f"{where}: expected a mapping")
        return False
    unknown = set(obj) - keys
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    return True


def _parse_drug(entry, where, vocab, problems):
    if not _is_mapping(entry, _DRUG_KEYS, where, problems):
        return None
    name = entry.get("drug")
    genes = entry.get("genes")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: 'drug' (the drug name) is required")
        return None
    if not isinstance(genes, list) or not genes or not all(isinstance(g, str) for g in genes):
        problems.append(f"{where}: 'genes' must be a non-empty list of gene symbols")
        return None
    for g in genes:
        if not vocab.knows(g):
            problems.append(f"{where}: gene {g} has no phenotype vocabulary (not in the gene knowledge base "
                            "and not in outside_call_vocabulary)")
    optional = entry.get("optional_genes") or []
    if not isinstance(optional, list) or not set(optional) <= set(genes):
        problems.append(f"{where}: 'optional_genes' must be a subset of 'genes'")
        optional = []
    source = entry.get("source", DEFAULT_SOURCE)
    if source not in SOURCES:
        problems.append(f"{where}: source '{source}' is not one of {', '.join(SOURCES)}")
        source = None
    label = source == "fda_label"
    guideline = entry.get("guideline")
    if not isinstance(guideline, str) or not guideline.startswith("https://"):
        what = "drug label" if label else "guideline"
        problems.append(f"{where}: 'guideline' must be the {what}'s https URL")
    pmids = entry.get("pmid")
    if label and pmids is None:
        pmids = []  # a label entry may cite no publication
    elif not isinstance(pmids, list) or not (pmids or label) or not all(re.fullmatch(r"\d{6,9}", str(p))
                                                                        for p in pmids):
        problems.append(f"{where}: 'pmid' must be a non-empty list of PubMed IDs")
        pmids = []
    if label and "cpic_level" in entry:
        problems.append(f"{where}: 'cpic_level' is a CPIC grade; a drug-label entry (source fda_label) has none")
    elif not label and not entry.get("cpic_level"):
        problems.append(f"{where}: 'cpic_level' is required")
    rules_in = entry.get("rules")
    if not isinstance(rules_in, list) or not rules_in:
        problems.append(f"{where}: 'rules' must be a non-empty list")
        rules_in = []
    rules = []
    for n, r in enumerate(rules_in, start=1):
        rule = _parse_rule(r, f"{where} rule {n}", n, genes, vocab, problems)
        if rule is not None:
            rules.append(rule)
    for rule in rules:
        if source == "fda_label" and rule.strength != LABEL_STRENGTH:
            problems.append(f"{where} rule {rule.number}: strength '{rule.strength}' is a CPIC grade; "
                            f"rules of a drug-label entry have strength '{LABEL_STRENGTH}'")
        elif source == "cpic" and rule.strength == LABEL_STRENGTH:
            problems.append(f"{where} rule {rule.number}: strength '{LABEL_STRENGTH}' is for drug-label entries "
                            "(source fda_label); give CPIC's strength")
    return DrugRule(
        drug=name.strip(),
        genes=tuple(genes),
        guideline=guideline if isinstance(guideline, str) else "",
        pmids=tuple(str(p) for p in pmids),
        cpic_level=str(entry.get("cpic_level") or ""),
        guideline_version=str(entry.get("guideline_version") or ""),
        rules=tuple(rules),
        optional_genes=tuple(optional),
        needs_unambiguous_genotype=bool(entry.get("needs_unambiguous_genotype", False)),
        source=source or DEFAULT_SOURCE,
        vocab=vocab,
    )


def _parse_rule(r, where, number, genes, vocab, problems):
    if not _is_mapping(r, _RULE_KEYS, where, problems):
        return None
    ok = True
    action = r.get("action")
    if action not in ACTIONS:
        problems.append(f"{where}: action '{action}' is not one of {', '.join(ACTIONS)}")
        ok = False
    strength = r.get("strength")
    if strength not in STRENGTHS:
        problems.append(f"{where}: strength '{strength}' is not one of {', '.join(STRENGTHS)}")
        ok = False
    note = r.get("note")
    if not isinstance(note, str) or not note.strip():
        problems.append(f"{where}: a 'note' (one plain sentence) is required")
        ok = False
    dose = r.get("dose_factor")
    if dose is not None:
        dose = _parse_dose(dose)
        if dose is None:
            problems.append(f"{where}: dose_factor must be a positive number or [low, high] with low <= high")
            ok = False
    basis, timing = r.get("dose_basis", "starting"), r.get("timing")
    if ("dose_basis" in r or "timing" in r) and r.get("dose_factor") is None:
        problems.append(f"{where}: dose_basis and timing describe a dose_factor; give one or remove them")
        ok = False
    if basis not in DOSE_BASES:
        problems.append(f"{where}: dose_basis '{basis}' is not one of {', '.join(DOSE_BASES)}")
        ok = False
    if timing is not None and (not isinstance(timing, str) or not timing.strip()):
        problems.append(f"{where}: timing must be a phrase saying when the dose factor applies "
                        "(e.g. 'after more than 12 weeks of effective treatment')")
        ok = False
    when = r.get("when")
    conditions = {}
    if not isinstance(when, dict) or not when:
        problems.append(f"{where}: 'when' must map at least one gene to a condition")
        ok = False
    else:
        for gene, spec in when.items():
            if gene not in genes:
                problems.append(f"{where}: gene {gene} is not in the drug's genes")
                ok = False
                continue
            cond = _parse_condition(spec, gene, where, vocab, problems)
            if cond is None:
                ok = False
            else:
                conditions[gene] = cond
    if not ok:
        return None
    return Rule(number, conditions, action, dose, strength, note.strip(), basis, timing.strip() if timing else None)


def _parse_dose(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                          for v in value):
        low, high = float(value[0]), float(value[1])
        return (low, high) if 0 < low <= high else None
    return None


def _parse_condition(spec, gene, where, vocab, problems):
    if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in CONDITIONS:
        problems.append(f"{where}: {gene} condition must have exactly one of {', '.join(CONDITIONS)}")
        return None
    kind, value = next(iter(spec.items()))
    if kind == "any_of":
        if not isinstance(value, list) or not value:
            problems.append(f"{where}: {gene} any_of must list conditions")
            return None
        parts = [_parse_condition(v, gene, where, vocab, problems) for v in value]
        if any(p is None for p in parts):
            return None
        return Condition(kind, tuple(parts))
    if kind == "phenotype":
        terms = value if isinstance(value, list) else [value]
        known = vocab.phenotypes.get(gene)
        if not known:
            problems.append(f"{where}: {gene} has no phenotype vocabulary")
            return None
        bad = [t for t in terms if t not in known]
        if bad:
            for t in bad:
                problems.append(f"{where}: {gene} phenotype '{t}' is not in the vocabulary "
                                f"(known: {', '.join(sorted(known))})")
            return None
        return Condition(kind, tuple(terms))
    if kind == "activity_score":
        if not isinstance(value, dict) or set(value) != {"min", "max"}:
            problems.append(f"{where}: {gene} activity_score must be {{min: x, max: y}}")
            return None
        low, high = _as_float(value["min"]), _as_float(value["max"])
        known = vocab.activity_scores.get(gene)
        if low is None or high is None or low > high:
            problems.append(f"{where}: {gene} activity_score needs numeric min <= max")
            return None
        if not known:
            problems.append(f"{where}: {gene} has no activity scores in the gene knowledge base")
            return None
        if not any(low <= s <= high for s in known):
            problems.append(f"{where}: {gene} activity_score [{low:g}, {high:g}] matches no activity score in "
                            f"the gene knowledge base (known: {', '.join(f'{s:g}' for s in sorted(known))})")
            return None
        return Condition(kind, (low, high))
    if kind in ("carries", "lacks"):
        alleles = value if isinstance(value, list) else [value]
        known = vocab.alleles.get(gene) or set()
        bad = [a for a in alleles if str(a) not in known]
        if bad:
            for a in bad:
                problems.append(f"{where}: {gene} allele '{a}' is not a known allele of the gene")
            return None
        return Condition(kind, tuple(str(a) for a in alleles))
    if kind == "diplotype":
        values = value if isinstance(value, list) else [value]
        known = vocab.alleles.get(gene) or set()
        for d in values:
            halves = str(d).split("/")
            if len(halves) != 2 or not all(h in known for h in halves):
                problems.append(f"{where}: {gene} diplotype '{d}' is not a pair of known alleles")
                return None
        return Condition(kind, tuple(_norm_diplotype(str(d)) for d in values))
    if kind in ("called", "untested", "indeterminate"):
        if value is not True:
            problems.append(f"{where}: {gene} '{kind}' takes only the value true")
            return None
        if kind == "indeterminate" and not vocab.phenotypes.get(gene):
            problems.append(f"{where}: {gene} has no phenotype vocabulary, so 'indeterminate' cannot be told")
            return None
        return Condition(kind, True)
    return None  # unreachable: kind checked above


# --- evaluation -------------------------------------------------------------------------------

class _Candidate(Value):
    """One possible genotype of a gene: the headline call or one alternative."""

    __slots__ = ("diplotype", "phenotype", "activity", "activity_text")

    def __init__(self, diplotype: str | None, phenotype: str | None, activity: float | None,
                 activity_text: str | None):
        self.diplotype, self.phenotype, self.activity, self.activity_text = diplotype, phenotype, activity, activity_text


class _Missing:
    """A gene the patient was not assessed for (absent, not_assessed or not_called)."""

    def __init__(self, reason):
        self.reason = reason


def _norm_diplotype(d):
    parts = [p.strip() for p in str(d).split("/")]
    return "/".join(sorted(parts)) if len(parts) == 2 else str(d).strip()


def _candidate(gene, vocab, diplotype, phenotype, activity):
    kb_phenotype, kb_activity = vocab.lookup(gene, diplotype)
    phenotype = phenotype or kb_phenotype
    text = activity if activity is not None else kb_activity
    value = _as_float(text)
    if value is None:
        text = None
    elif not isinstance(text, str):
        text = f"{value:g}"
    return _Candidate(diplotype, phenotype, value, text)


def _gene_states(gene, result, vocab):
    """(a _Missing marker or the candidate genotypes, headline first; the tied diplotypes the cis
    rule sets aside).

    For an ambiguous call the candidates are the headline and its alternatives, except the tied
    ones set aside when the headline is a reading listed in CIS_READINGS (see `_cis_leading`)."""
    if result is None:
        return _Missing(f"{gene} not assessed"), []
    status = result.get("status")
    if status in MISSING_STATUSES:
        word = "not assessed" if status == "not_assessed" else "not called"
        extra = f" ({result['reason']})" if result.get("reason") else ""
        return _Missing(f"{gene} {word}{extra}"), []
    cands = [_candidate(gene, vocab, result.get("diplotype"), result.get("phenotype"), result.get("activity_score"))]
    aside = []
    if status == "ambiguous":
        cis = _cis_leading(result)
        seen = {cands[0].diplotype}
        for alt in result.get("alternatives") or []:
            if alt.get("diplotype") in seen:
                continue
            seen.add(alt.get("diplotype"))
            c = _candidate(gene, vocab, alt.get("diplotype"), alt.get("phenotype"), alt.get("activity_score"))
            (aside if cis is not None and c.diplotype in cis[1] else cands).append(c)
    return cands, aside


def rule_inputs(result: dict) -> tuple:
    """Everything the drug rules read of one gene result (`_gene_states`, `_cis_leading`,
    `_unlisted_alternatives`), as a hashable key: results with equal keys get equal
    recommendations, so cohort mode evaluates each drug once per distinct combination of keys."""
    status = result.get("status")
    if status in MISSING_STATUSES:
        return (result.get("gene"), status, result.get("reason"))
    if status != "ambiguous":
        return (result.get("gene"), status, result.get("diplotype"), result.get("phenotype"),
                result.get("activity_score"), _unlisted_alternatives(result))
    tie = result.get("tie") or {}
    alternatives = tuple((a.get("diplotype"), a.get("phenotype"), a.get("activity_score"))
                         for a in result.get("alternatives") or [])
    return (result.get("gene"), status, result.get("diplotype"), result.get("phenotype"), result.get("activity_score"),
            _unlisted_alternatives(result), alternatives, tie.get("resolved_by"), tuple(tie.get("leading") or ()),
            tuple(tie.get("diplotypes") or ()))


# Unphased readings the recommendations follow when the engine's cis rule picked them from a tie:
# the observed variants together on one documented, common haplotype rather than split over
# both chromosomes. Only where the guideline itself reads the genotype that way: CPIC's TPMT
# guideline takes heterozygous c.460G>A + c.719A>G as *1/*3A (the *3A haplotype is the common
# one; *3B/*3C compound heterozygosity is rare). Every other tie is weighed in full.
CIS_READINGS = {"TPMT": {"*1/*3A"}}


def _cis_leading(result):
    """(the diplotypes the recommendation follows, the tied ones set aside) when the engine's
    cis rule decided a tie on a reading listed in CIS_READINGS; None otherwise."""
    tie = result.get("tie") or {}
    if tie.get("resolved_by") != "cis" or not tie.get("leading"):
        return None
    if result.get("diplotype") not in CIS_READINGS.get(result.get("gene"), ()):
        return None
    leading = set(tie["leading"])
    return leading, set(tie.get("diplotypes") or ()) - leading


def _unlisted_alternatives(result) -> bool:
    """True when the engine capped the alternatives it lists (`alternatives_total` counts all)."""
    if not result:
        return False
    total = result.get("alternatives_total")
    return isinstance(total, int) and total > len(result.get("alternatives") or [])


def _allele_tokens(diplotype):
    """Alleles named by an outside-call diplotype string, or None if it does not read as alleles."""
    if not diplotype:
        return None
    return [t.strip() for t in str(diplotype).split("/") if t.strip()]


def _strip_gene(token, gene):
    """'HLA-B*57:01' or 'B*57:01' -> '*57:01'."""
    for prefix in (gene, gene.replace("-", ""), gene.split("-")[-1]):
        if token.upper().startswith(prefix.upper()) and token[len(prefix):].startswith("*"):
            return token[len(prefix):]
    return token


def _allele_match(token, allele):
    """'*57:01:01' carries '*57:01' (higher-resolution HLA typing); other names match exactly."""
    if token == allele:
        return True
    return allele.startswith("*") and ":" in allele and token.startswith(allele + ":")


def _carries(gene, cand, alleles, vocab):
    """True/False, or None when the diplotype does not say whether the allele is present."""
    text = cand.diplotype or ""
    stated = {}
    for m in _STATUS_WORD.finditer(f"{text} {cand.phenotype or ''}"):
        stated[_strip_gene(m.group(1), gene)] = m.group(2).lower() == "positive"
    if stated:
        verdicts = [stated[a] for a in alleles if a in stated]
        if any(verdicts):
            return True
        if len(verdicts) == len(alleles):
            return False
        return None
    tokens = _allele_tokens(text)
    if not tokens:
        return None
    tokens = [_strip_gene(t, gene) for t in tokens]
    if any(_allele_match(t, a) for t in tokens for a in alleles):
        return True
    known = vocab.alleles.get(gene) or set()
    if all(t in known or _ALLELE_TOKEN.match(t) or t.lower() in _REFERENCE_WORDS for t in tokens):
        return False
    return None


def _test(gene, cond: Condition, cand: _Candidate, vocab):
    """Kleene truth value of one condition on one candidate genotype (None = cannot tell)."""
    if cond.kind == "phenotype":
        return None if cand.phenotype is None else cand.phenotype in cond.value
    if cond.kind == "activity_score":
        if cand.activity is None:
            return None
        low, high = cond.value
        return low - 1e-9 <= cand.activity <= high + 1e-9
    if cond.kind == "carries":
        return _carries(gene, cand, cond.value, vocab)
    if cond.kind == "lacks":
        v = _carries(gene, cand, cond.value, vocab)
        return None if v is None else not v
    if cond.kind == "diplotype":
        return None if not cand.diplotype else _norm_diplotype(cand.diplotype) in cond.value
    if cond.kind == "called":
        return True if (cand.diplotype or cand.phenotype) else None
    if cond.kind == "untested":
        return False  # a candidate is a result
    if cond.kind == "indeterminate":  # tested, but no phenotype follows (CPIC's "Indeterminate")
        return cand.phenotype == "Indeterminate" or (cand.phenotype is None and cand.activity is None)
    if cond.kind == "any_of":
        values = [_test(gene, c, cand, vocab) for c in cond.value]
        if any(v is True for v in values):
            return True
        return False if all(v is False for v in values) else None
    return None


def _unusable_reason(gene, cond: Condition, cand: _Candidate):
    kinds = {c.kind for c in cond.value} if cond.kind == "any_of" else {cond.kind}
    if "activity_score" in kinds:
        return f"{gene} activity score is not available"
    if kinds == {"diplotype"}:
        return f"{gene} diplotype is not available"
    if kinds & {"carries", "lacks"}:
        alleles = [a for c in ((cond,) if cond.kind != "any_of" else cond.value) for a in c.value
                   if c.kind in ("carries", "lacks")]
        return f"{gene} result '{cand.diplotype}' does not say whether {', '.join(alleles)} is present"
    return f"{gene} phenotype is not available"


def _test_missing(cond: Condition):
    """A condition on a gene the patient was not assessed for: True for `untested` (a rule for
    the guideline's answer without the gene), False for `indeterminate` (that needs a result),
    None (open) otherwise."""
    parts = cond.value if cond.kind == "any_of" else (cond,)
    if any(c.kind == "untested" for c in parts):
        return True
    return False if all(c.kind == "indeterminate" for c in parts) else None


def _first_rule(drug: DrugRule, assignment: dict):
    """("rule", Rule) | ("open", {"missing": [...], "unusable": [...]}) | ("none", None)."""
    for rule in drug.rules:
        verdict = True
        missing, unusable = [], []
        for gene, cond in rule.when.items():
            cand = assignment[gene]
            if isinstance(cand, _Missing):
                v = _test_missing(cond)
                if v is None and gene in drug.optional_genes:
                    v = False
                elif v is None:
                    missing.append(cand.reason)
            else:
                v = _test(gene, cond, cand, drug.vocab)
                if v is None:
                    unusable.append(_unusable_reason(gene, cond, cand))
            if v is False:
                verdict = False
                break
            if v is None:
                verdict = None
        if verdict is True:
            return "rule", rule
        if verdict is None:
            return "open", {"missing": missing, "unusable": unusable}
    return "none", None


def _join(items):
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _shown_value(drug: DrugRule, gene, cand):
    """What a report shows for the gene: the phenotype, activity score or diplotype the rules use."""
    if isinstance(cand, _Missing):
        return None
    kinds = set()
    for rule in drug.rules:
        c = rule.when.get(gene)
        if c is not None:
            kinds |= {x.kind for x in c.value} if c.kind == "any_of" else {c.kind}
    if "activity_score" in kinds:
        return cand.activity_text
    if "phenotype" in kinds and cand.phenotype:
        return cand.phenotype
    return cand.diplotype or cand.phenotype


def _undetermined(base, status, reason):
    base.update(action=UNDETERMINED_ACTION, dose_factor=None, strength=UNDETERMINED_STRENGTH, note=reason,
                status=status, reason=reason)
    return base


def _evaluate(drug: DrugRule, by_gene: dict) -> dict:
    both = {g: _gene_states(g, by_gene.get(g), drug.vocab) for g in drug.genes}
    states = {g: st for g, (st, _) in both.items()}
    set_aside = {g: aside for g, (_, aside) in both.items() if aside}
    shown, diplotypes = {}, {}
    for g, st in states.items():
        if isinstance(st, _Missing):
            shown[g], diplotypes[g] = None, None
            continue
        vals = list(dict.fromkeys(_shown_value(drug, g, c) for c in st))
        shown[g] = " or ".join(str(v) for v in vals) if len(vals) > 1 else vals[0]
        dips = list(dict.fromkeys(c.diplotype for c in st if c.diplotype))
        diplotypes[g] = " or ".join(dips) if dips else None
    base = {
        "drug": drug.drug,
        "genes": list(drug.genes),
        "guideline": drug.guideline,
        "pmid": list(drug.pmids),
        "cpic_level": drug.cpic_level or None,  # None for a drug-label entry
        "source": SOURCES[drug.source],
        "phenotypes": shown,
        "diplotypes": diplotypes,
    }
    ambiguous = [g for g, st in states.items() if not isinstance(st, _Missing) and len(st) > 1]
    optional_missing = [st.reason for g, st in states.items()
                        if isinstance(st, _Missing) and g in drug.optional_genes]
    # The dosing algorithm takes the exact genotypes of the drug's required genes; an optional
    # gene (warfarin's CYP4F2) is weighed like any other below.
    unsure = [g for g in dict.fromkeys([*ambiguous, *set_aside]) if g not in drug.optional_genes]
    if drug.needs_unambiguous_genotype and unsure:
        base["changed_by_alternatives"] = unsure
        return _undetermined(base, "indeterminate",
                             f"{_join(unsure)} call is ambiguous; the dosing algorithm needs a single genotype")
    truncated = [g for g in ambiguous if _unlisted_alternatives(by_gene.get(g))]
    if truncated:
        base["changed_by_alternatives"] = list(truncated)
        return _undetermined(base, "indeterminate",
                             f"{_join(truncated)} call is ambiguous and not all alternatives are listed")

    genes = list(states)
    choices = [[st] if isinstance(st, _Missing) else st for st in states.values()]
    outcomes = [_first_rule(drug, dict(zip(genes, combo))) for combo in itertools.product(*choices)]

    missing = [m for kind, info in outcomes if kind == "open" for m in info["missing"]]
    if missing:
        return _undetermined(base, "not_assessed", _join(missing))
    rules = [r for kind, r in outcomes if kind == "rule"]
    if rules and (len(rules) < len(outcomes) or len({r.action for r in rules}) > 1):
        verb = "call is" if len(ambiguous) == 1 else "calls are"
        base["changed_by_alternatives"] = list(ambiguous)
        return _undetermined(base, "indeterminate",
                             f"{_join(ambiguous)} {verb} ambiguous and the alternatives imply different actions")
    kind, info = outcomes[0]
    if kind == "open":
        return _undetermined(base, "indeterminate", _join(info["unusable"]))
    if kind == "none":
        unknown_terms = [f"{g} phenotype '{c.phenotype}' is not a recognised phenotype term"
                         for g, st in states.items() if not isinstance(st, _Missing)
                         for c in st if c.phenotype and g in drug.vocab.phenotypes
                         and c.phenotype not in drug.vocab.phenotypes[g]]
        if unknown_terms:
            return _undetermined(base, "indeterminate", _join(unknown_terms))
        untested = [st.reason for st in states.values() if isinstance(st, _Missing)]
        if untested:
            # no rule covers the tested genes without the missing one: it is what is lacking
            return _undetermined(base, "not_assessed", _join(untested))
        values = ", ".join(f"{g} {shown[g]}" for g in genes if shown[g] is not None) or f"the results of {_join(genes)}"
        return _undetermined(base, "indeterminate", f"the knowledge base has no recommendation for {values}")

    first = rules[0]
    doses = {r.dose_factor for r in rules}
    strength = max((r.strength for r in rules), key=STRENGTHS.index)
    dose = first.dose_factor if len(doses) == 1 else None
    base.update(
        action=first.action,
        dose_factor=list(dose) if isinstance(dose, tuple) else dose,
        strength=strength,
        note=first.note,
        status="standard" if first.action == "standard" else "actionable",
    )
    if dose is not None and first.dose_basis != "starting":
        base["dose_basis"] = first.dose_basis
    if dose is not None and first.timing:
        base["timing"] = first.timing
    reasons = []
    if ambiguous:
        verb = "call is" if len(ambiguous) == 1 else "calls are"
        reasons.append(f"{_join(ambiguous)} {verb} ambiguous; all alternatives lead to the same action")
        if len(doses) > 1:
            reasons.append("the alternatives differ in dose, so no dose factor is given")
    untested = [g for g, c in first.when.items() if isinstance(states[g], _Missing) and _test_missing(c)]
    optional_missing = [states[g].reason for g in drug.optional_genes
                        if isinstance(states.get(g), _Missing) and g not in untested]
    if optional_missing:
        reasons.append(f"{_join(optional_missing)}; the recommendation does not use it")
    if untested:  # never to be read as a negative or normal result for the missing gene
        reasons.append(f"{_join(states[g].reason for g in untested)}; this is the guideline's recommendation "
                       "for a patient not tested for it")
    other = _other_actions(drug, states, set_aside, first)
    if other:
        base["alternative_actions"] = other
        base["changed_by_alternatives"] = sorted({o["gene"] for o in other})
        reasons.append(_other_actions_text(other))
    if reasons:
        base["reason"] = "; ".join(reasons)
    return base


def _other_actions(drug: DrugRule, states: dict, set_aside: dict, chosen) -> list[dict]:
    """What each diplotype set aside by the cis rule would lead to, where another rule of the
    drug (another action, dose, strength or note) would apply."""
    out = []
    for gene, aside in sorted(set_aside.items()):
        for cand in aside:
            choices = [[cand] if g == gene else ([st] if isinstance(st, _Missing) else st)
                       for g, st in states.items()]
            outcomes = [_first_rule(drug, dict(zip(states, combo))) for combo in itertools.product(*choices)]
            rules = [r for kind, r in outcomes if kind == "rule"]
            if len(rules) == len(outcomes) and len({r.number for r in rules}) == 1:
                r = rules[0]
                if r.number == chosen.number:
                    continue  # the same rule: the same recommendation
                action, factor, strength = r.action, r.dose_factor, r.strength
            else:
                action, factor, strength = UNDETERMINED_ACTION, None, UNDETERMINED_STRENGTH
            out.append({"gene": gene, "diplotype": cand.diplotype, "phenotype": cand.phenotype,
                        "action": action, "dose_factor": list(factor) if isinstance(factor, tuple) else factor,
                        "strength": strength})
    return out


# how the reason of an ambiguous call says the action another diplotype would lead to
_ACTION_PHRASES = {"standard": "standard dosing", "reduce_dose": "reduce the dose", "increase_dose": "increase the dose",
                   "avoid": "avoid the drug", "use_alternative": "use an alternative drug",
                   "consider_alternative": "consider an alternative drug", "monitor": "use with extra monitoring"}


def _other_actions_text(other: list[dict]) -> str:
    def what(o):
        if o["action"] == UNDETERMINED_ACTION:
            return "no single action"
        text = _ACTION_PHRASES[o["action"]]
        dose = o["dose_factor"]
        if dose is None:
            return text
        share = (f"{100 * dose[0]:g}–{100 * dose[1]:g}%" if isinstance(dose, list) else f"{100 * dose:g}%") + \
            " of the usual dose"
        if o["action"] in ("reduce_dose", "increase_dose"):
            return f"{text} to {share}"
        return f"{text}, if used at {share}"

    parts = [f"{o['gene']} {o['diplotype']} (" + (f"{o['phenotype']}: " if o["phenotype"] else "") + f"{what(o)})"
             for o in other]
    return ("given for the leading diplotype (the observed variants together on one documented haplotype); "
            "the genotypes also fit " + " and ".join(parts) + ", with the variants on different chromosomes, "
            "which phased genotypes or family testing would rule out")


def recommend(gene_results: list[dict], kb=None) -> list[dict]:
    """One result per knowledge-base drug that involves a gene present in `gene_results`."""
    drugs = kb if kb is not None else load_recommendations()
    by_gene = {}
    for r in gene_results:
        by_gene.setdefault(r["gene"], r)
    results = [_evaluate(d, by_gene) for d in drugs if by_gene.keys() & set(d.genes)]
    return sorted(results, key=lambda r: r["drug"])


REPORT_KEYS = ("drug", "action", "strength", "guideline", "source", "dose_factor", "dose_basis", "timing", "note",
               "status", "genes", "reason", "alternative_actions")


def attach_to_genes(gene_results: list[dict], drug_results: list[dict]) -> list[dict]:
    """Copy each drug result into `drugs` of every gene result it involves (report contract form).

    Entries for the same drugs already present are replaced, so calling this twice is harmless.
    """
    names = {d["drug"] for d in drug_results}
    for g in gene_results:
        # Whether the diplotypes that also fit would change a recommendation, and which.
        g["alternatives_change_recommendations"] = sorted(
            d["drug"] for d in drug_results if g["gene"] in (d.get("changed_by_alternatives") or ()))
        kept = [d for d in g.get("drugs") or [] if d.get("drug") not in names]
        new = [{k: d[k] for k in REPORT_KEYS if k in d} for d in drug_results if g["gene"] in d["genes"]]
        g["drugs"] = sorted(kept + new, key=lambda d: d["drug"])
    return gene_results
