# Biobank cohorts: PGx for every sample of a joint VCF (config `cohort`), in chunks of samples, one
# job per chunk, then one merge. Not part of `all`: run `snakemake cohort` (the target rule below).


rule pgx_cohort_chunk:
    input:
        unpack(cohort_inputs),
        kb=PGX_KB,
        kb_manifest=f"{PGX_KB}/manifest.json",
        drug_rules=f"{PGX_KB}/recommendations.yaml",
    output:
        table="results/cohort/pgx/chunks/{chunk}/table.tsv",
        samples=directory("results/cohort/pgx/chunks/{chunk}/samples"),
    params:
        flags=cohort_flags,
        out=cohort_chunk_folder,
        size=COHORT.get("chunk_size", 1),
        genes=",".join(config["pgx"]["genes"]),
        min_depth=config["calling"]["min_depth"],
    wildcard_constraints:
        chunk=r"\d+",
    log:
        "logs/pgx_cohort/{chunk}.log",
    benchmark:
        "logs/benchmarks/pgx_cohort/{chunk}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("pgx_cohort"),
        runtime=runtime_of("pgx_cohort"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor pgx-cohort --vcf {input.vcf:q} {params.flags} --chunk {wildcards.chunk}"
        " --chunk-size {params.size} --genes {params.genes} --kb {input.kb:q} --min-depth {params.min_depth}"
        " --out {params.out:q} > {log} 2>&1"


rule pgx_cohort_merge:
    input:
        tables=cohort_chunk_tables,
    output:
        table="results/cohort/pgx/cohort_pgx.tsv",
        parquet="results/cohort/pgx/cohort_pgx.parquet",
        frequencies="results/cohort/pgx/frequencies.tsv",
    log:
        "logs/pgx_cohort/merge.log",
    benchmark:
        "logs/benchmarks/pgx_cohort/merge.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("pgx_cohort_merge"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor pgx-cohort-merge --tables {input.tables:q} --out results/cohort/pgx 2> {log}"


rule cohort:
    input:
        "results/cohort/pgx/cohort_pgx.tsv",
        "results/cohort/pgx/cohort_pgx.parquet",
        "results/cohort/pgx/frequencies.tsv",
