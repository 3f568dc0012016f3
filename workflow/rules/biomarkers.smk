# Biomarkers read only the hand-off contract (results/{patient}/calls/{sample}.vcf.gz) and coverage.


rule outside_calls:
    input:
        sheet=config["samples"],
    output:
        "results/{patient}/pgx/{patient}.outside_calls.tsv",
    log:
        "logs/outside_calls/{patient}.log",
    benchmark:
        "logs/benchmarks/outside_calls/{patient}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor outside-calls --sheet {input.sheet:q} --patient {wildcards.patient} --out {output} 2> {log}"


rule pgx:
    input:
        unpack(pgx_inputs),
        kb=PGX_KB,
        kb_manifest=f"{PGX_KB}/manifest.json",
        drug_rules=f"{PGX_KB}/recommendations.yaml",
    output:
        "results/{patient}/pgx/{patient}.pgx.json",
    params:
        sample=pgx_sample_id,
        sex=sex_of,
        coverage=coverage_flag,
        genes=",".join(config["pgx"]["genes"]),
        min_depth=config["calling"]["min_depth"],
    log:
        "logs/pgx/{patient}.log",
    benchmark:
        "logs/benchmarks/pgx/{patient}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor pgx --vcf {input.vcf:q} --sample {params.sample} --sex {params.sex} {params.coverage}"
        " --outside-calls {input.outside:q} --genes {params.genes} --kb {input.kb:q}"
        " --min-depth {params.min_depth} --json {output} 2> {log}"


rule somatic_annotate:
    input:
        vcf="results/{patient}/calls/{sample}.vcf.gz",
        hotspots=HOTSPOTS,
    output:
        "results/{patient}/somatic/{sample}.json",
    log:
        "logs/somatic_annotate/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/somatic_annotate/{patient}/{sample}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor somatic-annotate --vcf {input.vcf:q} --hotspots {input.hotspots:q} --json {output} 2> {log}"
