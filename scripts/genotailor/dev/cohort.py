"""`genotailor dev cohort`: a synthetic biobank joint VCF with a truth table, for cohort mode.

Every knowledge-base position of the called genes gets a record (REF/ALT as the knowledge base
writes them); diplotypes are drawn per gene from its named alleles with the frequencies of
`data/allele_frequencies.tsv` (stated, sourced, Hardy-Weinberg pairs; the knowledge base's
reference allele takes the rest), males carry one G6PD allele (haploid chrX genotypes). Each
haplotype is written at the defining positions as `ix.render` gives it (the matcher's own rendering
of a definition; IUPAC codes as their first non-reference base). Off-target records (random SNVs
near the genes, inside the regions a reader fetches, and elsewhere on the same chromosomes) make the
file look like a real one. A few genotypes are missing (`./.`) and a few depths below the calling
minimum; the truth table names them so tests can check that cohort mode reports them.

Written files (in OUT): `cohort.vcf.gz` (+ .tbi), `samples.txt`, `sex.tsv`, `truth.tsv`
(sample, gene, diplotype as sorted allele names joined by " + ", sex) and `planted.tsv` (sample,
gene, position, kind no_call|low_depth).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from genotailor.core.tools import run
from genotailor.pgx import CALLED_GENES, DEFAULT_KB

FREQUENCIES = Path(__file__).with_name("data") / "allele_frequencies.tsv"
MAX_DP = 100


def allele_frequencies(path=FREQUENCIES) -> dict:
    """{gene: {allele name: frequency}} of the stated table."""
    out: dict = {}
    with open(path) as fh:
        rows = csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")
        for r in rows:
            out.setdefault(r["gene"], {})[r["allele"]] = float(r["frequency"])
    return out


def _genotype_table(max_alleles: int):
    """Object array [code, depth] -> FORMAT text; codes: (a, b) diploid pairs, then haploid a, then
    missing diploid and missing haploid (depth written as '.')."""
    texts = []
    for a in range(max_alleles):
        for b in range(max_alleles):
            texts.append(f"{min(a, b)}/{max(a, b)}")
    texts += [str(a) for a in range(max_alleles)]
    table = np.empty((len(texts) + 2, MAX_DP), dtype=object)
    for i, t in enumerate(texts):
        for d in range(MAX_DP):
            table[i, d] = f"{t}:{d}"
    table[len(texts), :] = "./.:."
    table[len(texts) + 1, :] = ".:."
    return table


def write_cohort(out: Path, samples: int, seed: int = 1, genes=CALLED_GENES, kb_dir=DEFAULT_KB,
                 off_target: int = 2, missing_rate: float = 0.001, low_depth_rate: float = 0.002,
                 min_depth: int = 8) -> dict:
    """Write the synthetic cohort into `out`; returns counts. `off_target`: off-target records per
    knowledge-base record."""
    from genotailor.pgx.definitions import cached_gene
    from genotailor.pgx.matcher import gene_index

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = [f"S{i + 1:06d}" for i in range(samples)]
    male = rng.random(samples) < 0.5
    freqs = allele_frequencies()
    max_alleles = 4
    table = _genotype_table(max_alleles)
    n_pairs = max_alleles * max_alleles
    miss_dip, miss_hap = n_pairs + max_alleles, n_pairs + max_alleles + 1

    records = []  # (chrom, pos, line prefix, codes array, depth array)
    truth_rows, planted = [], []
    for name in sorted(genes):
        gene = cached_gene(name, kb_dir)
        ix = gene_index(gene)
        ref_name = gene.reference_allele.name
        stated = freqs.get(name, {})
        unknown = [a for a in stated if a not in ix.names]
        if unknown:
            raise ValueError(f"{FREQUENCIES}: {name} has no allele {unknown[0]!r} in the knowledge base")
        alleles = [ref_name] + sorted(stated, key=ix.names.index)
        p = np.asarray([1.0 - sum(stated.values())] + [stated[a] for a in alleles[1:]])
        haps = [ix.render(ix.names.index(a)) for a in alleles]
        h1 = rng.choice(len(alleles), size=samples, p=p)
        h2 = rng.choice(len(alleles), size=samples, p=p)
        haploid = male & (name == "G6PD")
        for s in range(samples):
            pair = [alleles[h1[s]]] if haploid[s] else sorted((alleles[h1[s]], alleles[h2[s]]))
            truth_rows.append((names[s], name, " + ".join(pair)))
        for position in sorted(gene.positions, key=lambda q: q.pos):
            observed = {haps[k].get(position.pos, position.ref) for k in range(len(alleles))}
            alts = list(position.alts) + sorted(a for a in observed if a != position.ref and a not in position.alts)
            order = [position.ref, *alts]
            if len(order) > max_alleles:
                order = order[:1] + [a for a in order[1:] if a in observed][: max_alleles - 1]
                alts = order[1:]
            idx = np.asarray([order.index(haps[k].get(position.pos, position.ref)) for k in range(len(alleles))])
            a1, a2 = idx[h1], idx[h2]
            codes = np.where(haploid, n_pairs + a1, a1 * max_alleles + a2)
            dp = rng.integers(20, 60, size=samples)
            low = rng.random(samples) < low_depth_rate
            dp[low] = rng.integers(2, min_depth, size=int(low.sum()))
            gone = rng.random(samples) < missing_rate
            codes[gone] = np.where(haploid[gone], miss_hap, miss_dip)
            for s in np.nonzero(gone)[0].tolist():
                planted.append((names[s], name, position.pos, "no_call"))
            for s in np.nonzero(low & ~gone)[0].tolist():
                planted.append((names[s], name, position.pos, "low_depth"))
            prefix = f"{gene.chrom}\t{position.pos}\t{position.rsid or '.'}\t{position.ref}\t{','.join(alts) or '.'}" \
                     "\t50\tPASS\t.\tGT:DP\t"
            records.append((gene.chrom, position.pos, prefix, codes, dp))

    # Off-target records: SNVs near each gene's positions (inside fetched clusters) and further away.
    taken = {(c, p) for c, p, *_ in records}
    spans: dict = {}
    for c, p, *_ in records:
        lo, hi = spans.get(c, (p, p))
        spans[c] = (min(lo, p), max(hi, p))
    kb_records = len(records)
    for c, (lo, hi) in sorted(spans.items()):
        n = off_target * sum(1 for r in records[:kb_records] if r[0] == c)
        near = rng.integers(max(1, lo - 20_000), hi + 20_000, size=n)
        far = rng.integers(1, max(hi * 2, 1_000_000), size=n // 2)
        for pos in sorted(set(near.tolist()) | set(far.tolist())):
            if (c, pos) in taken:
                continue
            taken.add((c, pos))
            ref = "ACGT"[pos % 4]
            alt = "ACGT"[(pos + 1 + pos // 7 % 3) % 4]
            u = rng.random(samples)
            codes = np.where(u < 0.02, 1 * max_alleles + 1, np.where(u < 0.15, 1, 0))
            if c == "chrX":
                codes = np.where(male, n_pairs + (codes > 0), codes)
            dp = rng.integers(20, 60, size=samples)
            records.append((c, pos, f"{c}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.\tGT:DP\t", codes, dp))

    from genotailor.core.reference import GRCH38_LENGTHS, chrom_order

    records.sort(key=lambda r: (chrom_order(r[0]), r[1]))
    plain = out / "cohort.vcf"
    with open(plain, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n")
        fh.write('##FILTER=<ID=PASS,Description="All filters passed">\n')
        fh.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        fh.write('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">\n')
        for c in sorted(spans, key=chrom_order):
            fh.write(f"##contig=<ID={c},length={GRCH38_LENGTHS[c]}>\n")
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n")
        for _c, _p, prefix, codes, dp in records:
            fh.write(prefix + "\t".join(table[codes, np.minimum(dp, MAX_DP - 1)].tolist()) + "\n")
    vcf = out / "cohort.vcf.gz"
    run(["bgzip", "-f", "-@", "2", str(plain)], "dev cohort: compressing the joint VCF")
    run(["tabix", "-f", "-p", "vcf", str(vcf)], "dev cohort: indexing the joint VCF")
    (out / "samples.txt").write_text("".join(f"{s}\n" for s in names))
    (out / "sex.tsv").write_text("sample\tsex\n" + "".join(f"{s}\t{'male' if m else 'female'}\n"
                                                            for s, m in zip(names, male.tolist())))
    sex_of = dict(zip(names, male.tolist()))
    with open(out / "truth.tsv", "w") as fh:
        fh.write("sample\tgene\tdiplotype\tsex\n")
        for s, g, d in sorted(truth_rows):
            fh.write(f"{s}\t{g}\t{d}\t{'male' if sex_of[s] else 'female'}\n")
    with open(out / "planted.tsv", "w") as fh:
        fh.write("sample\tgene\tposition\tkind\n")
        for row in sorted(planted):
            fh.write("\t".join(map(str, row)) + "\n")
    return {"samples": samples, "knowledge_base_records": kb_records, "off_target_records": len(records) - kb_records,
            "planted_no_calls": sum(1 for r in planted if r[3] == "no_call"),
            "planted_low_depths": sum(1 for r in planted if r[3] == "low_depth"), "vcf": str(vcf)}


def read_truth(path) -> dict:
    """{(sample, gene): sorted allele names tuple}."""
    with open(path) as fh:
        return {(r["sample"], r["gene"]): tuple(r["diplotype"].split(" + "))
                for r in csv.DictReader(fh, delimiter="\t")}


def accuracy(samples_dir, truth_path, planted_path) -> dict:
    """Per gene, over the per-sample JSONs in `samples_dir`: samples, top calls equal to the truth
    (sorted allele names), truth among the candidates (headline or an alternative; also counted when
    more alternatives exist than are listed), samples with some evidence at the gene, and samples
    with complete evidence at the gene; planted missing genotypes and low depths found in
    `missing_positions` with their status."""
    import json

    truth = read_truth(truth_path)
    planted: dict = {}
    with open(planted_path) as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            planted.setdefault((r["sample"], r["gene"]), []).append((int(r["position"]), r["kind"]))
    stats: dict = {}
    found = expected = 0
    for path in sorted(Path(samples_dir).glob("*.pgx.json")):
        sample = path.name[: -len(".pgx.json")]
        doc = json.loads(path.read_text())
        for g in doc["pgx"]:
            key = (sample, g["gene"])
            if key not in truth:
                continue
            st = stats.setdefault(g["gene"], {"samples": 0, "assessed": 0, "top": 0, "contained": 0,
                                              "complete": 0, "complete_top": 0})
            want = truth[key]
            got = tuple(sorted(g["alleles"])) if g["alleles"] else ()
            cands = {got} | {tuple(sorted(a["alleles"])) for a in g["alternatives"]}
            complete = not g["missing_positions"]
            st["samples"] += 1
            st["assessed"] += g["status"] != "not_assessed"  # no defining position with a genotype
            st["top"] += got == want
            st["contained"] += want in cands or g["alternatives_total"] > len(g["alternatives"])
            st["complete"] += complete
            st["complete_top"] += complete and got == want
            missing = {m["position"]: m["status"] for m in g["missing_positions"]}
            for pos, kind in planted.get(key, []):
                expected += 1
                found += missing.get(pos) == kind
    return {"genes": stats, "planted": expected, "planted_reported": found}
