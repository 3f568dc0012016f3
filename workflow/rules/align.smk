# Alignment: fastp | aligner | fixmate streamed per sequencing unit, then merge, duplicate
# marking and index per sample. Samples entering with a BAM or CRAM start at the end of this file.


rule verify_checksums:
    input:
        sheet=config["samples"],
    output:
        "results/{patient}/inputs/{sample}.sha256.tsv",
    log:
        "logs/verify_checksums/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/verify_checksums/{patient}/{sample}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor verify-checksums --sheet {input.sheet:q} --sample {wildcards.sample} --out {output} 2> {log}"


rule align_unit:
    input:
        unpack(fastq_pair),
        verified=verified,
        ref=REFERENCE,
        index=aligner_index(),
    output:
        bam=temp("results/{patient}/align/{sample}/{unit}.bam"),
        fastp="results/{patient}/qc/{sample}/{unit}.fastp.json",
        versions="results/{patient}/versions/align/{sample}.{unit}.json",
    params:
        aligner=config["aligner"],
        rg=read_group,
    log:
        "logs/align/{patient}/{sample}.{unit}.log",
    benchmark:
        "logs/benchmarks/align/{patient}/{sample}.{unit}.tsv"
    threads: threads_of("align")
    resources:
        mem_mb=mem_mb_of("align"),
        runtime=runtime_of("align"),
        **CLUSTER,
    conda:
        "../../envs/align.yaml"
    shell:
        "python -m genotailor --versions {output.versions} align --r1 {input.r1:q} --r2 {input.r2:q} --aligner {params.aligner}"
        " --index {input.index[0]:q} --read-group {params.rg:q} --threads {threads}"
        " --fastp-json {output.fastp} --out {output.bam} 2> {log}"


# merge -p: units share @PG IDs (minimap2, samtools); without -p merge renames them with random
# suffixes and the BAM is no longer byte-identical across runs.
rule markdup:
    input:
        unit_bams,
    output:
        bam=protected("results/{patient}/align/{sample}.bam"),
        bai="results/{patient}/align/{sample}.bam.bai",
        stats="results/{patient}/align/{sample}.markdup.txt",
        flagstat="results/{patient}/align/{sample}.flagstat.json",
        versions="results/{patient}/versions/markdup/{sample}.json",
    params:
        consent=consent_flags,
    log:
        "logs/markdup/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/markdup/{patient}/{sample}.tsv"
    threads: threads_of("markdup")
    resources:
        mem_mb=mem_mb_of("markdup"),
        runtime=runtime_of("markdup"),
        **CLUSTER,
    conda:
        "../../envs/align.yaml"
    shell:
        "python -m genotailor --versions {output.versions} markdup --out {output.bam} --stats {output.stats} --threads {threads}"
        " --flagstat {output.flagstat}"
        " {params.consent} {input:q} 2> {log}"


# A sample's analysis-ready BAM comes from import_alignment when it enters as BAM/CRAM (its
# constraint), else from markdup.
ruleorder: import_alignment > markdup


rule import_alignment:
    input:
        aln=external_alignment,
        verified=verified,
        ref=REFERENCE,
    output:
        bam="results/{patient}/align/{sample}.bam",
        bai="results/{patient}/align/{sample}.bam.bai",
        flagstat="results/{patient}/align/{sample}.flagstat.json",
        versions="results/{patient}/versions/import_alignment/{sample}.json",
    params:
        consent=consent_flags,
    log:
        "logs/import_alignment/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/import_alignment/{patient}/{sample}.tsv"
    wildcard_constraints:
        sample=_alternatives(samples_with("bam", "cram")),
    threads: threads_of("default")
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("align"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor --versions {output.versions} import-alignment --input {input.aln:q} --sample {wildcards.sample}"
        " --reference {input.ref:q} {params.consent} --out {output.bam} --flagstat {output.flagstat} 2> {log}"


rule coverage_loci:
    input:
        bam="results/{patient}/align/{sample}.bam",
        bai="results/{patient}/align/{sample}.bam.bai",
        loci=loci_of,
    output:
        regions="results/{patient}/coverage/{sample}.loci.regions.bed.gz",
        summary="results/{patient}/coverage/{sample}.loci.mosdepth.summary.txt",
        dist="results/{patient}/coverage/{sample}.loci.mosdepth.global.dist.txt",
        versions="results/{patient}/versions/coverage_loci/{sample}.json",
    params:
        prefix="results/{patient}/coverage/{sample}.loci",
    log:
        "logs/coverage/{patient}/{sample}.loci.log",
    benchmark:
        "logs/benchmarks/coverage/{patient}/{sample}.loci.tsv"
    threads: threads_of("coverage")
    resources:
        mem_mb=mem_mb_of("coverage"),
        runtime=runtime_of("coverage"),
        **CLUSTER,
    conda:
        "../../envs/coverage.yaml"
    shell:
        "python -m genotailor --versions {output.versions} coverage --bam {input.bam:q} --regions {input.loci:q} --prefix {params.prefix}"
        " --threads {threads} 2> {log}"


# The TMB territory of a tumour with reads, and of its matched normal with reads. Not run for
# other germline samples: the panel may hold genes of a category the patient did not consent to.
rule coverage_panel:
    input:
        bam="results/{patient}/align/{sample}.bam",
        bai="results/{patient}/align/{sample}.bam.bai",
        panel=panel_of,
    output:
        summary="results/{patient}/coverage/{sample}.panel.mosdepth.summary.txt",
        regions="results/{patient}/coverage/{sample}.panel.regions.bed.gz",
        versions="results/{patient}/versions/coverage_panel/{sample}.json",
    params:
        prefix="results/{patient}/coverage/{sample}.panel",
    log:
        "logs/coverage/{patient}/{sample}.panel.log",
    benchmark:
        "logs/benchmarks/coverage/{patient}/{sample}.panel.tsv"
    threads: threads_of("coverage")
    resources:
        mem_mb=mem_mb_of("coverage"),
        runtime=runtime_of("coverage"),
        **CLUSTER,
    conda:
        "../../envs/coverage.yaml"
    shell:
        "python -m genotailor --versions {output.versions} coverage --bam {input.bam:q} --regions {input.panel:q} --prefix {params.prefix}"
        " --threads {threads} 2> {log}"
