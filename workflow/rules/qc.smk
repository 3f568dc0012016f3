# Per-sample QC status from the tool metrics and the config's gates (pass / warn / fail).
# A failed sample is still analysed and reported, marked as failed.


rule qc_sample:
    input:
        unpack(qc_inputs),
        panel=panel_of,
    output:
        "results/{patient}/qc/{sample}.qc.json",
    params:
        flags=qc_flags,
        gates=QC_SETTINGS,
    log:
        "logs/qc/{patient}/{sample}.log",
    benchmark:
        "logs/benchmarks/qc/{patient}/{sample}.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor qc --sample {wildcards.sample} {params.flags} --settings {params.gates:q} --out {output} 2> {log}"
