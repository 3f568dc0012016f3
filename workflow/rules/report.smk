# Per-patient reports (JSON contract, self-contained HTML, PDF, FHIR bundle), the cohort summary,
# the cohort's MultiQC report, what the run cost, and provenance.


rule provenance:
    input:
        sheet=config["samples"],
        ref=REFERENCE,
        kb=PGX_KB,
        kb_manifest=f"{PGX_KB}/manifest.json",
        drug_rules=f"{PGX_KB}/recommendations.yaml",
        hotspots=HOTSPOTS,
        oncology_kb=ONCOLOGY_KB,
        oncology_manifest=f"{ONCOLOGY_KB}/manifest.json",
        models=TRANSCRIPT_MODELS,
        germline_kb=GERMLINE_KB,
        germline_manifest=f"{GERMLINE_KB}/manifest.json",
        germline_panels=f"{GERMLINE_KB}/panels.yaml",
    output:
        json="results/provenance/provenance.json",
        config="results/provenance/config.yaml",
        sheet="results/provenance/samples.yaml",
    params:
        config=CONFIG_AS_RUN,
        aligner=config["aligner"],
    log:
        "logs/provenance/provenance.log",
    benchmark:
        "logs/benchmarks/provenance/provenance.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor provenance --config-json {params.config:q} --sheet {input.sheet:q} --reference {input.ref:q}"
        " --kb {input.kb:q} --hotspots {input.hotspots:q} --oncology-kb {input.oncology_kb:q}"
        " --transcript-models {input.models:q} --germline-kb {input.germline_kb:q} --aligner {params.aligner}"
        " --out {output.json} --config-out {output.config} --sheet-out {output.sheet} 2> {log}"


rule tool_versions:
    input:
        all_tool_versions,
    output:
        "results/provenance/tools.json",
    log:
        "logs/provenance/tools.log",
    benchmark:
        "logs/benchmarks/provenance/tools.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor tool-versions --out {output} {input:q} 2> {log}"


rule report:
    input:
        unpack(report_inputs),
        sheet=config["samples"],
    output:
        json=report(
            "results/{patient}/report/{patient}.json",
            caption="../report/patient_report.rst",
            category="Reports",
            labels={"patient": "{patient}", "format": "JSON"},
        ),
        html=report(
            "results/{patient}/report/{patient}.html",
            caption="../report/patient_report.rst",
            category="Reports",
            labels={"patient": "{patient}", "format": "HTML"},
        ),
        pdf=report(
            "results/{patient}/report/{patient}.pdf",
            caption="../report/patient_report.rst",
            category="Reports",
            labels={"patient": "{patient}", "format": "PDF"},
        ),
        fhir=report(
            "results/{patient}/report/{patient}.fhir.json",
            caption="../report/patient_fhir.rst",
            category="Reports",
            labels={"patient": "{patient}", "format": "FHIR"},
        ),
    params:
        flags=report_flags,
        job_logs=job_log_flags,
        date=config["report_date"],
        min_locus_depth=config["qc"]["min_locus_depth"],
    log:
        "logs/report/{patient}.log",
    benchmark:
        "logs/benchmarks/report/{patient}.tsv"
    threads: threads_of("report")
    resources:
        mem_mb=mem_mb_of("report"),
        runtime=runtime_of("report"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor report --sheet {input.sheet:q} --patient {wildcards.patient} {params.flags}"
        " --provenance {input.provenance:q} --date {params.date} --min-locus-depth {params.min_locus_depth}"
        " {params.job_logs} --json {output.json:q} --html {output.html:q} --pdf {output.pdf:q} --fhir {output.fhir:q}"
        " 2> {log}"


rule cohort_summary:
    input:
        expand("results/{patient}/report/{patient}.json", patient=PATIENTS),
    output:
        tsv=report(
            "results/cohort/summary.tsv",
            caption="../report/cohort_summary.rst",
            category="Cohort",
            labels={"table": "QC per sample"},
        ),
        findings=report(
            "results/cohort/findings.tsv",
            caption="../report/cohort_summary.rst",
            category="Cohort",
            labels={"table": "findings per patient"},
        ),
        html=report(
            "results/cohort/summary.html",
            caption="../report/cohort_summary.rst",
            category="Cohort",
            labels={"table": "summary page"},
        ),
    log:
        "logs/cohort/summary.log",
    benchmark:
        "logs/benchmarks/cohort/summary.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor cohort-summary --out {output.tsv:q} --findings {output.findings:q}"
        " --html {output.html:q} {input:q} 2> {log}"


rule multiqc:
    input:
        reports=expand("results/{patient}/report/{patient}.json", patient=PATIENTS),
        metrics=cohort_qc_metrics,
    output:
        report(
            "results/cohort/multiqc_report.html",
            caption="../report/multiqc.rst",
            category="Cohort",
            labels={"table": "MultiQC"},
        ),
    params:
        workdir=multiqc_workdir,
    log:
        "logs/cohort/multiqc.log",
    benchmark:
        "logs/benchmarks/cohort/multiqc.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor multiqc --reports {input.reports:q} --metrics {input.metrics:q}"
        " --workdir {params.workdir:q} --out {output:q} 2> {log}"


rule run_cost:
    input:
        unpack(cost_inputs),
    output:
        report(
            "results/cohort/cost.tsv",
            caption="../report/cost.rst",
            category="Cohort",
            labels={"table": "cost per sample"},
        ),
    params:
        flags=cost_flags,
    log:
        "logs/cohort/cost.log",
    benchmark:
        "logs/benchmarks/cohort/cost.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb_of("default"),
        runtime=runtime_of("default"),
        **CLUSTER,
    conda:
        "../../envs/genotailor.yaml"
    shell:
        "python -m genotailor cost {params.flags} --out {output:q} {input.reports:q} 2> {log}"
