"""Cohort mode: every gene of every sample of a multi-sample (joint) VCF, read once.

The per-patient path (`run.run_pgx`) reads one sample column; a biobank's joint VCF has thousands.
Here each knowledge-base record is read and split once for all selected samples, and each sample's
FORMAT text is parsed once per distinct text (`vcfopen.sample_values`, the per-patient reader's own
function), giving per record two small integer arrays over the samples: an evidence class
(genotype, phasing, phase set, and whether DP is absent, below `min_depth` or not) and the depth.

Matching is the same work for every sample sharing a genotype pattern, so each gene is called once
per distinct pattern of classes over its records (plus the sample's sex) with the per-patient
engine itself (`genotypes.evidence_from_records`, `rules.interpret`), and each drug rule once per
distinct combination of its genes' patterns (`recommendations.recommend`). The only per-sample
values a result carries beyond its pattern are the depths at its positions: the pattern's result
is computed with a marker depth per record, serialised once, and the sample's depths are put in
place of the markers when its JSON is written. The per-sample JSON is therefore the per-patient
JSON of that sample, byte for byte (tests/test_pgx_cohort.py checks this on 200+ samples).

Memory: the class and depth arrays (8 bytes per sample and knowledge-base record, ~10 MB per 1,000
samples for the ~1,200 positions) plus one block of per-sample JSON texts (`BLOCK` samples at a
time); it grows linearly with the samples of a chunk, so the workflow splits a cohort into chunks.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from operator import itemgetter
from pathlib import Path

import numpy as np

from genotailor.core.contigs import GRCH38_LENGTHS, match_contigs
from genotailor.core.errors import InputError
from genotailor.pgx import CALLED_GENES, DEFAULT_KB, SEXES
from genotailor.pgx.genotypes import position_clusters

# Per-sample JSONs built in memory at a time (bounds the memory of writing them).
BLOCK = 500
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Marker depths of a pattern's representative: far outside any real depth, one per record.
_MARK = 10**12
_DEPTH_TEXT = re.compile(r'"depth":(-?\d+)')

TABLE_COLUMNS = ("sample", "gene", "status", "diplotype", "phenotype", "activity_score", "missing_positions")


class JointVcf:
    """One bgzipped, indexed multi-sample VCF, or several (one per chromosome) with the same samples."""

    def __init__(self, paths):
        import pysam

        from genotailor.pgx.vcfopen import IndexedVcf

        self.paths = [str(p) for p in paths]
        if not self.paths:
            raise InputError("no joint VCF given")
        self.files = []
        self.samples = None
        for path in self.paths:
            if not Path(path).is_file():
                raise InputError(f"{path}: joint VCF not found")
            index = next((f"{path}{ext}" for ext in (".tbi", ".csi") if Path(f"{path}{ext}").exists()), None)
            if index is None:
                raise InputError(f"{path}: no tabix index ({path}.tbi or .csi): the joint VCF must be bgzipped and "
                                 f"indexed (bgzip it, then tabix -p vcf {path})")
            samples, declared = IndexedVcf._header(path)
            if not samples:
                raise InputError(f"{path}: the VCF has no sample column")
            dup = sorted(s for s, n in Counter(samples).items() if n > 1)
            if dup:
                raise InputError(f"{path}: sample(s) named twice in the header: {', '.join(dup[:10])}")
            if self.samples is None:
                self.samples = samples
            elif samples != self.samples:
                raise InputError(f"{path}: its samples differ from those of {self.paths[0]} (per-chromosome files of "
                                 "one cohort must have the same samples in the same order)")
            try:
                tabix = pysam.TabixFile(path, index=index, encoding="latin-1")
            except (OSError, ValueError) as e:
                raise InputError(f"{path}: cannot read it as a bgzipped, indexed VCF ({e})") from None
            indexed = set(tabix.contigs)
            # '10' is read as chr10 and a header length of another build refused, as for one patient's VCF
            names = match_contigs(path, {**dict.fromkeys(sorted(indexed)), **declared}, GRCH38_LENGTHS, "GRCh38")
            self.files.append((path, tabix, {ref: vcf for ref, vcf in names.to_vcf.items() if vcf in indexed}))

    def lines(self, chrom, start, end):
        """(path, data lines overlapping [start, end)) of the file holding the reference contig `chrom`
        (spelled `chr10` or `10` in the file); none if no file does."""
        for path, tabix, contigs in self.files:
            if chrom in contigs:
                return path, tabix.fetch(contigs[chrom], start, end)
        return self.paths[0], ()


def read_sample_list(path, available) -> list[str]:
    """Sample IDs of a list file (one per line; blank lines and '#' comments skipped), in its order;
    every one must be in the VCF, none twice."""
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise InputError(f"{path}: cannot read the sample list ({e.strerror})") from None
    names = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not names:
        raise InputError(f"{path}: the sample list is empty")
    known = set(available)
    absent = [s for s in names if s not in known]
    if absent:
        raise InputError(f"{path}: {len(absent)} sample(s) not in the joint VCF: {', '.join(absent[:10])}"
                         f"{' ...' if len(absent) > 10 else ''} (list only samples of the VCF header)")
    dup = sorted(s for s, n in Counter(names).items() if n > 1)
    if dup:
        raise InputError(f"{path}: sample(s) listed twice: {', '.join(dup[:10])}")
    return names


def read_sex_file(path, samples) -> dict:
    """Sex per sample from a TSV (sample<TAB>sex, sex one of female/male/unknown; a header line
    `sample<TAB>sex` is allowed); samples not listed are `unknown`."""
    out = {}
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as e:
        raise InputError(f"{path}: cannot read the sex file ({e.strerror})") from None
    wanted = set(samples)
    problems = []
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#") or (n == 1 and line.split("\t")[:2] == ["sample", "sex"]):
            continue
        f = line.rstrip("\r\n").split("\t")
        if len(f) < 2 or f[1] not in SEXES:
            problems.append(f"line {n}: expected sample<TAB>sex with sex one of {', '.join(SEXES)}, got {line!r}")
            continue
        if f[0] in wanted:
            out[f[0]] = f[1]
    if problems:
        raise InputError(f"{path}: " + "; ".join(problems[:5]))
    return out


def select(samples, sample_list=None, chunk=None, chunk_size=None) -> list[str]:
    """The samples to call: the list's (or the VCF's) order, then chunk `chunk` (0-based) of
    `chunk_size` if given."""
    chosen = list(sample_list) if sample_list is not None else list(samples)
    if chunk is not None:
        if not chunk_size or chunk_size < 1:
            raise InputError("--chunk needs --chunk-size (a positive number of samples)")
        if chunk < 0 or chunk * chunk_size >= len(chosen):
            raise InputError(f"chunk {chunk} is past the end: {len(chosen)} samples make "
                             f"{-(-len(chosen) // chunk_size)} chunks of {chunk_size}")
        chosen = chosen[chunk * chunk_size:(chunk + 1) * chunk_size]
    bad = [s for s in chosen if not SAFE_ID.match(s)]
    if bad:
        raise InputError(f"sample ID(s) unusable as file names: {', '.join(map(repr, bad[:5]))} (IDs must match "
                         f"{SAFE_ID.pattern}; rename them with bcftools reheader)")
    return chosen


def cohort_samples(vcfs, sample_list=None) -> list[str]:
    """The samples a cohort run calls (checked: the VCFs are indexed and agree, the list names only
    their samples, IDs are usable as file names): what the workflow splits into chunks."""
    joint = JointVcf(vcfs)
    listed = read_sample_list(sample_list, joint.samples) if sample_list else None
    return select(joint.samples, listed)


class _Site:
    """One knowledge-base record over the selected samples: its alleles, the distinct evidence
    classes (gt, phased, ps, depth class) and per sample the class index and depth (-1: none)."""

    __slots__ = ("pos", "ref", "alleles", "filters", "classes", "cls", "dp")

    def __init__(self, pos, ref, alleles, filters, classes, cls, dp):
        self.pos, self.ref, self.alleles, self.filters = pos, ref, alleles, filters
        self.classes, self.cls, self.dp = classes, cls, dp


def _read_site(path, f, values, min_depth) -> _Site:
    from genotailor.pgx.vcfopen import record_site, sample_values

    ref, alleles, filters = record_site(f)
    distinct = list(dict.fromkeys(values))
    code = {v: i for i, v in enumerate(distinct)}
    classes, class_of, dp_of = {}, [], []
    for text in distinct:
        gt, phased, dp, ps = sample_values(path, f, text, alleles)
        key = (gt, phased, ps, 0 if dp is None else (1 if dp < min_depth else 2))
        class_of.append(classes.setdefault(key, len(classes)))
        dp_of.append(-1 if dp is None else dp)
    codes = np.fromiter(map(code.__getitem__, values), dtype=np.int32, count=len(values))
    cls = np.asarray(class_of, dtype=np.int32)[codes]
    dp = np.asarray(dp_of, dtype=np.int64)[codes]
    return _Site(int(f[1]), ref, alleles, filters, list(classes), cls, dp)


def read_gene_sites(joint: JointVcf, gene, columns, min_depth, gap: int = 10_000) -> list[_Site]:
    """The records at the gene's defining positions (file order), read with one fetch per cluster
    of positions as the per-patient reader does, only lines at those positions split."""
    wanted = sorted({p.pos for p in gene.positions})
    clusters = position_clusters(wanted, gap)
    keep = {str(p) for p in wanted}
    pick = itemgetter(*columns) if len(columns) > 1 else (lambda f: (f[columns[0]],))
    need = max(columns) + 1
    sites = []
    for lo, hi in clusters:
        path, lines = joint.lines(gene.chrom, lo - 1, hi)
        for line in lines:
            if line.split("\t", 2)[1] not in keep:
                continue
            f = line.rstrip("\r\n").split("\t")
            if len(f) < need:
                raise InputError(f"{path}: record at {f[0]}:{f[1]} has fewer columns than the header names")
            sites.append(_read_site(path, f, pick(f), min_depth))
    return sites


def _mark(rank: int, depth_class: int, min_depth: int):
    if depth_class == 0:
        return None
    return min_depth + _MARK + rank if depth_class == 2 else min_depth - 1 - _MARK - rank


_ACR, _DRUGS = "\x00alternatives_change_recommendations\x00", "\x00drugs\x00"


class _GeneCalls:
    """One gene over the samples: its genotype pattern per sample and, per pattern, the engine's
    result as text around the drug fields (`parts`), the table row and the drug-relevant state;
    the depth matrix (records x samples) fills the marker depths per sample."""

    def __init__(self, gene, sites, sex_codes, sexes, min_depth):
        from genotailor.pgx.cyp2d6_structure import with_copy_number
        from genotailor.pgx.genotypes import call_position, resolve_spanning_deletions
        from genotailor.pgx.recommendations import rule_inputs
        from genotailor.pgx.rules import interpret
        from genotailor.pgx.vcfopen import Record

        self.gene = gene
        rows = [s.cls for s in sites] + [sex_codes]
        uniq, inverse = _groups(np.vstack(rows))
        self.pattern = inverse.astype(np.int32)
        self.depths = np.vstack([s.dp for s in sites]) if sites else np.zeros((0, len(sex_codes)), np.int64)
        ranks_at: dict = {}
        for rank, site in enumerate(sites):
            ranks_at.setdefault(site.pos, []).append(rank)
        slots = [(p, ranks_at.get(p.pos, ())) for p in gene.positions]
        slot_of = {r: i for i, (_, ranks) in enumerate(slots) for r in ranks}
        # A position's evidence depends only on its records' classes: computed once per distinct set
        # (PositionCalls are shared between patterns; the engine replaces them, never changes them).
        position_calls: dict = {}

        def evidence(i, column):
            p, ranks = slots[i]
            key = (i, *(column[r] for r in ranks))
            pc = position_calls.get(key)
            if pc is None:
                recs = []
                for r in ranks:
                    site = sites[r]
                    gt, phased, ps, depth_class = site.classes[column[r]]
                    recs.append(Record(site.pos, site.ref, site.alleles, site.filters, gt, phased,
                                       _mark(r, depth_class, min_depth), ps))
                pc = position_calls[key] = call_position(gene.chrom, p, None, min_depth, recs)
            return pc

        # Patterns mostly differ from the commonest one at a few records: start from its evidence.
        base_k = int(np.bincount(self.pattern).argmax())
        base_column = uniq[:, base_k]
        listed = base_column.tolist()
        base_calls = [evidence(i, listed) for i in range(len(slots))]
        states: dict = {}
        self.parts, self.rows, self.state, self.state_results = [], [], [], []
        for k in range(uniq.shape[1]):
            column = uniq[:, k]
            calls = list(base_calls)
            differ = np.nonzero(column[:-1] != base_column[:-1])[0].tolist()
            if differ:
                listed = column.tolist()
                for i in {slot_of[r] for r in differ}:
                    calls[i] = evidence(i, listed)
            resolved = resolve_spanning_deletions(gene, calls)
            result = interpret(gene, resolved, sexes[int(column[-1])])
            if gene.gene == "CYP2D6":  # a joint VCF has no reads: copy number not measured, as per patient
                result = with_copy_number(result, None, gene, resolved)
            # the table's diplotype is a call only: an ambiguous or uncalled gene's first candidate would
            # read as that sample's result and enter the cohort's diplotype frequencies
            called = result["diplotype"] if result["status"] == "called" else None
            self.rows.append((result["status"], called, result["phenotype"], result["activity_score"],
                              len(result["missing_positions"])))
            state = states.setdefault(rule_inputs(result), len(states))
            if state == len(self.state_results):
                self.state_results.append(result)
            self.state.append(state)
            self.parts.append(_parts(result, min_depth))
        self.state = np.asarray(self.state, dtype=np.int32)


def _parts(result: dict, min_depth: int):
    """The result's JSON text split around its drug fields: (text before the
    `alternatives_change_recommendations` value, text between it and the `drugs` value, the rest as
    a %-format with one %d per marker depth, the records of those depths in order)."""
    text = json.dumps({**result, "alternatives_change_recommendations": _ACR, "drugs": _DRUGS}, sort_keys=True,
                      separators=(",", ":"))
    head, rest = text.split(json.dumps(_ACR), 1)
    middle, tail = rest.split(json.dumps(_DRUGS), 1)
    if _DEPTH_TEXT.search(head + middle):
        raise AssertionError("depths are expected after the drug fields only")
    split = _DEPTH_TEXT.split(tail)  # text, depth, text, depth, ..., text
    marks = np.asarray(split[1::2], dtype=np.int64)
    ranks = np.where(marks >= min_depth + _MARK, marks - min_depth - _MARK, min_depth - 1 - _MARK - marks)
    return head, middle, '"depth":%d'.join(t.replace("%", "%%") for t in split[0::2]), ranks


def _groups(keys: np.ndarray):
    """(distinct columns as a 2-D array, index of each column's distinct column) of a 2-D integer
    array, distinct columns in order of first appearance (a dict of the columns' bytes: faster than
    sorting them with np.unique(axis=1) for the ~300-row matrices of the larger genes)."""
    cols = np.ascontiguousarray(keys.T, dtype=np.int64)
    index: dict = {}
    inverse = np.fromiter((index.setdefault(c.tobytes(), len(index)) for c in cols), dtype=np.int64,
                          count=len(cols))
    _, first = np.unique(inverse, return_index=True)  # the first column of each group
    return keys[:, first], inverse


def run_cohort(vcfs, out_dir, sample_list=None, sex_file=None, genes=CALLED_GENES, kb_dir=DEFAULT_KB,
               min_depth=8, chunk=None, chunk_size=None, write_json=True) -> dict:
    """Call every gene for every selected sample; write `samples/{sample}.pgx.json` (the per-patient
    JSON) and `table.tsv` into `out_dir`. Returns counts (samples, genes, patterns per gene)."""
    from genotailor.pgx.definitions import cached_gene
    from genotailor.pgx.recommendations import attach_to_genes, load_recommendations, recommend

    joint = JointVcf(vcfs)
    listed = read_sample_list(sample_list, joint.samples) if sample_list else None
    samples = select(joint.samples, listed, chunk, chunk_size)
    sex = read_sex_file(sex_file, samples) if sex_file else {}
    unknown = [g for g in genes if not (Path(kb_dir) / "genes" / f"{g}.json").exists()]
    if unknown:
        raise InputError(f"no allele definitions for gene(s) {', '.join(unknown)} in {kb_dir}/genes")
    sexes = list(SEXES)
    sex_codes = np.asarray([sexes.index(sex.get(s, "unknown")) for s in samples], dtype=np.int32)
    position = {s: i for i, s in enumerate(joint.samples)}
    columns = [9 + position[s] for s in samples]
    drug_rules = load_recommendations(Path(kb_dir) / "recommendations.yaml", kb_dir)

    genes = sorted(genes)  # the per-patient result lists genes by name
    calls = {}
    for name in genes:
        gene = cached_gene(name, kb_dir)
        calls[name] = _GeneCalls(gene, read_gene_sites(joint, gene, columns, min_depth), sex_codes, sexes, min_depth)

    # Drug rules: one evaluation per distinct combination of the drug-relevant states of its genes.
    present = set(genes)
    active = [d for d in drug_rules if present & set(d.genes)]
    drug_runs = []  # (drug rule, group per sample, result per group)
    for d in active:
        mine = [g for g in d.genes if g in present]
        uniq, inverse = _groups(np.vstack([calls[g].state[calls[g].pattern] for g in mine]))
        results = [recommend([calls[g].state_results[uniq[i, k]] for i, g in enumerate(mine)], [d])[0]
                   for k in range(uniq.shape[1])]
        drug_runs.append((d, inverse, results))
    drug_runs.sort(key=lambda r: r[2][0]["drug"])  # `recommend` lists drugs by name
    drug_text = [[json.dumps(r, sort_keys=True, separators=(",", ":")) for r in results]
                 for _, _, results in drug_runs]

    # Each gene's text per (pattern, results of its drugs): the pattern's parts around its drug fields.
    pieces = {}
    for name in genes:
        involved = [i for i, (d, _, _) in enumerate(drug_runs) if name in d.genes]
        uniq, inverse = _groups(np.vstack([calls[name].pattern] + [drug_runs[i][1] for i in involved]))
        heads, tails = [], []
        attached: dict = {}
        for k in range(uniq.shape[1]):
            head, middle, tail, ranks = calls[name].parts[uniq[0, k]]
            key = tuple(uniq[1:, k].tolist())
            if key not in attached:
                stub = {"gene": name, "drugs": []}
                attach_to_genes([stub], [drug_runs[i][2][uniq[j + 1, k]] for j, i in enumerate(involved)])
                attached[key] = (json.dumps(stub["alternatives_change_recommendations"], sort_keys=True,
                                            separators=(",", ":")),
                                 json.dumps(stub["drugs"], sort_keys=True, separators=(",", ":")))
            acr, drugs = attached[key]
            heads.append(head + acr + middle + drugs)
            tails.append((tail, ranks))
        pieces[name] = (inverse, heads, tails)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if write_json:
        (out_dir / "samples").mkdir(exist_ok=True)
        for lo in range(0, len(samples), BLOCK):
            _write_block(out_dir / "samples", samples, lo, min(lo + BLOCK, len(samples)), genes, calls, pieces,
                         drug_runs, drug_text)
    _write_table(out_dir / "table.tsv", samples, genes, calls)
    return {"samples": len(samples), "genes": len(genes),
            "patterns": {g: len(calls[g].parts) for g in genes}, "drug_rules": len(drug_runs),
            "drug_evaluations": sum(len(r[2]) for r in drug_runs)}


def _write_block(folder, samples, lo, hi, genes, calls, pieces, drug_runs, drug_text):
    texts = [[] for _ in range(hi - lo)]
    for name in genes:
        inverse, heads, tails = pieces[name]
        depths = calls[name].depths
        block = inverse[lo:hi]
        for k in np.unique(block).tolist():
            idx = np.nonzero(block == k)[0]
            head, (fmt, ranks) = heads[k], tails[k]
            if len(ranks):
                rows = depths[np.ix_(ranks, idx + lo)].T.tolist()
                for j, row in zip(idx.tolist(), rows):
                    texts[j].append(head + fmt % tuple(row))
            else:
                text = head + fmt % ()
                for j in idx.tolist():
                    texts[j].append(text)
    for j in range(hi - lo):
        s = lo + j
        drugs = ",".join(drug_text[i][inv[s]] for i, (_, inv, _) in enumerate(drug_runs))
        doc = '{"drugs":[' + drugs + '],"pgx":[' + ",".join(texts[j]) + "]}\n"
        with open(folder / f"{samples[s]}.pgx.json", "w") as fh:
            fh.write(doc)


def _table_value(v):
    return "" if v is None else str(v)


def _write_table(path, samples, genes, calls):
    """Sample x gene (long form): status, diplotype, phenotype, activity score, positions without a call."""
    rows_by_gene = {name: ["\t".join(map(_table_value, row)) for row in calls[name].rows] for name in genes}
    with open(path, "w") as fh:
        fh.write("\t".join(TABLE_COLUMNS) + "\n")
        patterns = {g: calls[g].pattern.tolist() for g in genes}
        for s, sample in enumerate(samples):
            for g in genes:
                fh.write(f"{sample}\t{g}\t{rows_by_gene[g][patterns[g][s]]}\n")


def read_table(path):
    import pandas as pd

    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def summarise(tables, out_dir) -> dict:
    """The cohort table (TSV and Parquet) and per-gene diplotype, phenotype and status frequencies
    from one or more chunk tables (concatenated in the order given)."""
    import pandas as pd

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frames = [read_table(t) for t in tables]
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if list(table.columns) != list(TABLE_COLUMNS):
        raise InputError(f"{tables[0]}: not a cohort chunk table (columns {', '.join(TABLE_COLUMNS)})")
    dup = table.duplicated(["sample", "gene"])
    if dup.any():
        first = table[dup].iloc[0]
        raise InputError(f"sample {first['sample']} appears in more than one chunk table")
    table.to_csv(out_dir / "cohort_pgx.tsv", sep="\t", index=False, lineterminator="\n")
    typed = table.copy()
    typed["activity_score"] = pd.to_numeric(typed["activity_score"].replace("", None), errors="coerce")
    typed["missing_positions"] = typed["missing_positions"].astype("int32")
    for c in ("diplotype", "phenotype"):
        typed[c] = typed[c].replace("", None)
    typed.to_parquet(out_dir / "cohort_pgx.parquet", engine="pyarrow", index=False, compression="zstd")
    freq_rows = []
    n_samples = table["sample"].nunique()
    for gene, sub in table.groupby("gene", sort=True):
        for kind in ("diplotype", "phenotype", "status"):
            counts = sub[kind].replace("", "(none)").value_counts()
            for value, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                freq_rows.append(f"{gene}\t{kind}\t{value}\t{count}\t{count / len(sub):.6f}\n")
    with open(out_dir / "frequencies.tsv", "w") as fh:
        fh.write("gene\tkind\tvalue\tcount\tfrequency\n")
        fh.writelines(freq_rows)
    return {"samples": n_samples, "rows": len(table)}
