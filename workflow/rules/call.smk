# Variant calling hand-off: built-in callers write raw call sets; every VCF, built-in or
# external, then passes one normalization into results/{patient}/calls/{sample}.vcf.gz.


rule call_germline:
    input:
        unpack(forced_genotyping_sites),
        bam="results/{patient}/align/{sample}.bam",
        bai="results/{patient}/align/{sample}.bam.bai",
        ref=REFERENCE,
        panel=panel_of,
    output:
        vcf=temp("results/{patient}/calls/{sample}.germline.raw.vcf.gz"),
        versions="results/{patient}/versions/call_germline/{sample}.json",
    params:
        sites=forced_genotyping_flags,
        mq=config["calling"]["min_mapping_quality"],
        bq=config["calling"]["min_base_quality"],
        consent=consent_flags,
    log:
        "logs/call_germline/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/call_germline/{patient}/{sample}.tsv"
    threads: threads_of("call")
    resources:
        mem_mb=mem_mb_of("call"),
        runtime=runtime_of("call"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor --versions {output.versions} call-germline --bam {input.bam:q} --reference {input.ref:q} --regions {input.panel:q}"
        " {params.sites} --min-mq {params.mq} --min-bq {params.bq} {params.consent}"
        " --out {output.vcf} 2> {log}"


rule call_somatic:
    input:
        unpack(somatic_bams),
        ref=REFERENCE,
        panel=panel_of,
    output:
        vcf=temp("results/{patient}/calls/{sample}.somatic.raw.vcf.gz"),
        versions="results/{patient}/versions/call_somatic/{sample}.json",
    params:
        normal=normal_flag,
        mq=config["calling"]["min_mapping_quality"],
        bq=config["calling"]["min_base_quality"],
        s=config["calling"]["somatic"],
    log:
        "logs/call_somatic/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/call_somatic/{patient}/{sample}.tsv"
    threads: threads_of("call")
    resources:
        mem_mb=mem_mb_of("call"),
        runtime=runtime_of("call"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor --versions {output.versions} call-somatic --tumor-bam {input.tumor:q} {params.normal} --reference {input.ref:q}"
        " --regions {input.panel:q} --min-mq {params.mq} --min-bq {params.bq}"
        " --min-depth {params.s[min_depth]} --min-alt-reads {params.s[min_alt_reads]}"
        " --min-vaf {params.s[min_vaf]} --max-normal-vaf {params.s[max_normal_vaf]}"
        " --min-normal-depth {params.s[min_normal_depth]} --out {output.vcf} 2> {log}"


rule normalize_vcf:
    input:
        unpack(gvcf_sites),
        vcf=raw_vcf,
        verified=verified,
        ref=REFERENCE,
    output:
        vcf="results/{patient}/calls/{sample}.vcf.gz",
        tbi="results/{patient}/calls/{sample}.vcf.gz.tbi",
        summary="results/{patient}/calls/{sample}.norm.json",
        stats="results/{patient}/qc/{sample}.bcftools_stats.txt",
        versions="results/{patient}/versions/normalize_vcf/{sample}.json",
    params:
        column=vcf_column,
        sites=gvcf_sites_flag,
        consent=consent_flags,
    log:
        "logs/normalize_vcf/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/normalize_vcf/{patient}/{sample}.tsv"
    threads: threads_of("default")
    resources:
        mem_mb=mem_mb_of("normalize"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor --versions {output.versions} normalize-vcf --vcf {input.vcf:q} --sample {wildcards.sample} --column={params.column:q}"
        " --reference {input.ref:q} {params.sites} {params.consent} --out {output.vcf} --summary {output.summary}"
        " --stats {output.stats} 2> {log}"
