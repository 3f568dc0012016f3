# Biomarkers read only the hand-off contract (results/{patient}/calls/{sample}.vcf.gz) and coverage.


# CYP2D6 copy number from the germline sample's read depth, read by the PGx stage. The locus
# features come with the knowledge base; a panel without the locus or its flanks is "not assessed".
rule cyp2d6_copy_number:
    input:
        bam="results/{patient}/align/{sample}.bam",
        bai="results/{patient}/align/{sample}.bam.bai",
        qc="results/{patient}/qc/{sample}.qc.json",
        kb=PGX_KB,
        features=f"{PGX_KB}/cyp2d_locus_features.tsv",
    output:
        json="results/{patient}/pgx/{sample}.cyp2d6_cn.json",
    params:
        kind=sample_kind_of,
        min_mapq=config["calling"]["min_mapping_quality"],
    log:
        "logs/cyp2d6_copy_number/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/cyp2d6_copy_number/{patient}/{sample}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor cyp2d6-cn --bam {input.bam:q} --sample {wildcards.sample} --kind {params.kind}"
        " --qc {input.qc:q} --features {input.features:q} --kb {input.kb:q} --min-mapq {params.min_mapq}"
        " --out {output.json:q} 2> {log}"


rule pgx:
    input:
        unpack(pgx_inputs),
        kb=PGX_KB,
        kb_manifest=f"{PGX_KB}/manifest.json",
        drug_rules=f"{PGX_KB}/recommendations.yaml",
        sheet=config["samples"],
    output:
        json="results/{patient}/pgx/{patient}.pgx.json",
        outside="results/{patient}/pgx/{patient}.outside_calls.tsv",
    params:
        sample=pgx_sample_id,
        sex=sex_of,
        coverage=coverage_flag,
        copy_number=cyp2d6_cn_flag,
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
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    # The patient's outside calls (sheet) are written first, then the engine reads them.
    shell:
        "python -m genotailor outside-calls --sheet {input.sheet:q} --patient {wildcards.patient} --out {output.outside:q}"
        " 2> {log}; python -m genotailor pgx --vcf {input.vcf:q} --sample {params.sample} --sex {params.sex} {params.coverage}"
        " {params.copy_number}"
        " --outside-calls {output.outside:q} --genes {params.genes} --kb {input.kb:q}"
        " --min-depth {params.min_depth} --json {output.json:q} 2>> {log}"


rule somatic:
    input:
        unpack(somatic_inputs),
        kb=ONCOLOGY_KB,
        kb_manifest=f"{ONCOLOGY_KB}/manifest.json",
        models=TRANSCRIPT_MODELS,
        hotspots=HOTSPOTS,
        ref=config["reference"]["fasta"],
    output:
        json="results/{patient}/somatic/{sample}.json",
        versions="results/{patient}/versions/somatic/{sample}.json",
    params:
        tumor_type=tumor_type_of,
        territory=somatic_territory_flags,
        tmb=tmb_flags,
        vaf_tags=vaf_tags_flag,
        msi=msi_result_flag,
    log:
        "logs/somatic/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/somatic/{patient}/{sample}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor --versions {output.versions:q} somatic --vcf {input.vcf:q} --tumor {wildcards.sample}"
        " --tumor-type {params.tumor_type:q} --reference {input.ref:q} --models {input.models:q} --kb {input.kb:q}"
        " --hotspots {input.hotspots:q} {params.territory} {params.tmb} {params.vaf_tags} {params.msi}"
        " --json {output.json:q} 2> {log}"


# Microsatellite instability of a tumour against its matched normal (both with reads): repeat
# lengths at the loci list's microsatellites, MSI-H / MSS / not assessed with the reason.
rule msi:
    input:
        unpack(msi_inputs),
        loci=MSI_LOCI,
        kb=ONCOLOGY_KB,
        kb_manifest=f"{ONCOLOGY_KB}/manifest.json",
    output:
        json="results/{patient}/msi/{sample}.json",
        versions="results/{patient}/versions/msi/{sample}.json",
    params:
        flags=msi_flags,
    log:
        "logs/msi/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/msi/{patient}/{sample}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor --versions {output.versions:q} msi --tumor-bam {input.tumor_bam:q} --tumor {wildcards.sample}"
        " --normal-bam {input.normal_bam:q} {params.flags} --loci {input.loci:q} --kb {input.kb:q}"
        " --json {output.json:q} 2> {log}"


# Somatic copy number of a tumour with reads: CNVkit against its matched normal (`genotailor cnv`).
rule cnv:
    input:
        unpack(cnv_inputs),
        kb=ONCOLOGY_KB,
        kb_manifest=f"{ONCOLOGY_KB}/manifest.json",
    output:
        json="results/{patient}/cnv/{sample}.json",
        versions="results/{patient}/versions/cnv/{sample}.json",
    params:
        flags=cnv_flags,
    log:
        "logs/cnv/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/cnv/{patient}/{sample}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor --versions {output.versions:q} cnv --tumor-bam {input.tumor:q} --tumor {wildcards.sample}"
        " --targets {input.targets:q} {params.flags} --kb {input.kb:q} --json {output.json:q} 2> {log:q}"


rule germline:
    input:
        unpack(germline_vcf),
        kb=GERMLINE_KB,
        kb_manifest=f"{GERMLINE_KB}/manifest.json",
        panels=f"{GERMLINE_KB}/panels.yaml",
        models=TRANSCRIPT_MODELS,
        ref=REFERENCE,
    output:
        json="results/{patient}/germline/{sample}.json",
        versions="results/{patient}/versions/germline/{sample}.json",
    params:
        flags=germline_flags,
    log:
        "logs/germline/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/germline/{patient}/{sample}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor --versions {output.versions:q} germline --vcf {input.vcf:q} --sample {wildcards.sample}"
        " {params.flags} --reference {input.ref:q} --models {input.models:q} --kb {input.kb:q}"
        " --json {output.json:q} 2> {log:q}"


# What the patient's test examined: per requested gene and biomarker class, assessed / partly /
# not assessed with the reason (mosdepth over the genes' coding exons in each sample with reads).
rule ledger:
    input:
        unpack(ledger_inputs),
        sheet=config["samples"],
        ref=REFERENCE,
        models=TRANSCRIPT_MODELS,
        germline_kb=GERMLINE_KB,
        germline_manifest=f"{GERMLINE_KB}/manifest.json",
        germline_panels=f"{GERMLINE_KB}/panels.yaml",
        oncology_kb=ONCOLOGY_KB,
        oncology_manifest=f"{ONCOLOGY_KB}/manifest.json",
        pgx_kb=PGX_KB,
        pgx_manifest=f"{PGX_KB}/manifest.json",
    output:
        json="results/{patient}/ledger/{patient}.ledger.json",
        versions="results/{patient}/versions/ledger/{patient}.json",
    params:
        flags=ledger_flags,
    log:
        "logs/ledger/{patient}.log",
    benchmark:
        "logs/benchmarks/ledger/{patient}.tsv"
    threads: threads_of("coverage")
    resources:
        mem_mb=mem_mb_of("coverage"),
        runtime=runtime_of("coverage"),
        **CLUSTER,
    conda:
        "../../envs/coverage.yaml"
    shell:
        "python -m genotailor --versions {output.versions:q} ledger --sheet {input.sheet:q} --patient {wildcards.patient}"
        " --reference {input.ref:q} --models {input.models:q} --germline-kb {input.germline_kb:q}"
        " --oncology-kb {input.oncology_kb:q} --pgx-kb {input.pgx_kb:q} {params.flags} --threads {threads}"
        " --out {output.json:q} 2> {log:q}"
