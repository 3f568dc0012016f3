# Reference-derived files: the aligner index and the biomarker loci the workflow genotypes.


rule minimap2_index:
    input:
        REFERENCE,
    output:
        index=f"results/reference/minimap2/{REF_NAME}.mmi",
        versions="results/reference/versions/minimap2_index.json",
    log:
        "logs/reference/minimap2_index.log",
    benchmark:
        "logs/benchmarks/reference/minimap2_index.tsv"
    threads: threads_of("align")
    resources:
        mem_mb=mem_mb_of("index"),
        runtime=runtime_of("index"),
        **CLUSTER,
    conda:
        "../../envs/align.yaml"
    shell:
        "python -m genotailor --versions {output.versions} index-reference --aligner minimap2 --fasta {input:q}"
        " --out {output.index} --threads {threads} 2> {log}"


rule bwa_index:
    input:
        REFERENCE,
    output:
        index=multiext(f"results/reference/bwa/{REF_NAME}", ".amb", ".ann", ".bwt", ".pac", ".sa"),
        versions="results/reference/versions/bwa_index.json",
    params:
        prefix=bwa_prefix,
    log:
        "logs/reference/bwa_index.log",
    benchmark:
        "logs/benchmarks/reference/bwa_index.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("index"),
        runtime=runtime_of("index"),
        **CLUSTER,
    conda:
        "../../envs/align.yaml"
    shell:
        "python -m genotailor --versions {output.versions} index-reference --aligner bwa --fasta {input:q} --out {params.prefix} 2> {log}"


rule biomarker_loci:
    input:
        kb=PGX_KB,
        hotspots=HOTSPOTS,
        fai=f"{REFERENCE}.fai",
    output:
        bed="results/reference/biomarker_loci.bed",
        sites="results/reference/pgx_sites.tsv.gz",
        alleles="results/reference/pgx_alleles.tsv.gz",
        hotspot_bed="results/reference/hotspot_loci.bed",
    log:
        "logs/reference/biomarker_loci.log",
    benchmark:
        "logs/benchmarks/reference/biomarker_loci.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor loci --kb {input.kb:q} --hotspots {input.hotspots:q} --fai {input.fai:q}"
        " --bed {output.bed} --sites {output.sites} --alleles {output.alleles} --hotspot-bed {output.hotspot_bed} 2> {log}"
