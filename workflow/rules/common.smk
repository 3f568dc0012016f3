# The sample sheet, read once and validated before any job runs, turned into lookup tables;
# input functions and resources shared by the rules.
import json
import re
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod

SCRIPTS = Path(workflow.basedir).parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

from genotailor.core.samplesheet import load_sheet  # noqa: E402
from genotailor.core.errors import GenotailorError  # noqa: E402
from genotailor.core.runconfig import config_problems, knowledge_bases  # noqa: E402
from genotailor.core.workdir import escaping_links  # noqa: E402
from genotailor.pgx.cohort import cohort_samples  # noqa: E402

# The config's files and the sheet are checked together; every problem is reported at once.
_PROBLEMS = config_problems(config)
try:
    SHEET = load_sheet(
        config["samples"], check_files=True, verify_checksums=False, panels=config["panels"]
    )
except GenotailorError as exc:
    _PROBLEMS.append(str(exc))
else:
    # results/ and logs/ hold no link that would send a job's files elsewhere (an imported BAM's
    # link, made by the workflow, excepted).
    _PROBLEMS += escaping_links(
        Path.cwd(),
        {
            f"results/{p.id}/align/{s.id}.bam": s.path
            for p in SHEET.patients
            for s in p.samples
            if s.entry == "bam"
        },
    )
if _PROBLEMS:
    raise WorkflowError("\n".join(_PROBLEMS))

# Rules run the package as `python -m genotailor`: it is found through PYTHONPATH, and `python`
# is the conda env's under --sdm conda, else the interpreter running Snakemake (e.g. .venv's).
# umask 027: every file a job writes (reports, VCFs, logs) is readable by its owner and group
# only, never by other users of a shared machine (docs/usage.md, "Data protection").
_PREFIX = f"set -euo pipefail; umask 027; export PYTHONPATH={shlex.quote(str(SCRIPTS))}; "
if DeploymentMethod.CONDA not in workflow.deployment_settings.deployment_method:
    _PREFIX += f"export PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH; "
shell.prefix(_PREFIX)

REFERENCE = config["reference"]["fasta"]
REF_NAME = Path(REFERENCE).name.removesuffix(".gz").rsplit(".", 1)[0]
# The knowledge bases: the workflow's own unless the config names others (wherever Snakemake runs).
_KB = knowledge_bases(config)
PGX_KB = _KB["pgx"]
HOTSPOTS = _KB["hotspots"]
ONCOLOGY_KB = _KB["oncology"]
TRANSCRIPT_MODELS = _KB["transcript_models"]
GERMLINE_KB = _KB["germline"]
MSI_LOCI = _KB["msi_loci"]
# QC gates and the locus depth, handed to `genotailor qc` as one JSON argument.
# The config as run (after command-line overrides), recorded in provenance.
CONFIG_AS_RUN = json.dumps(config, sort_keys=True, separators=(",", ":"))
QC_SETTINGS = json.dumps(config["qc"], sort_keys=True, separators=(",", ":"))

PATIENTS = {p.id: p for p in SHEET.patients}
SAMPLES = {s.id: s for s in SHEET.samples()}
READ_ENTRIES = ("fastq", "bam", "cram")


def _alternatives(ids):
    return "|".join(re.escape(i) for i in sorted(ids)) or "(?!)"


def samples_with(*entries):
    return [s.id for s in SAMPLES.values() if s.entry in entries]


# Wildcards match the safe-ID pattern the sheet enforces (no `/`, so never a path fragment)
# rather than an alternation of every ID: an alternation is embedded in every output pattern of
# its rule, and planning grows with the square of the cohort. Rules that could make the same file
# get different file names instead (`{sample}.germline.raw.vcf.gz`, `{sample}.somatic.raw.vcf.gz`);
# the one alternation left picks the samples entering as BAM/CRAM (import_alignment, align.smk).
# `{sample}.vcf.gz` must not claim a `{sample}.….raw.vcf.gz`, hence no sample ID ends in `.raw`.
SAFE_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_raw = sorted(s for s in SAMPLES if s.endswith(".raw"))
if _raw:
    raise WorkflowError(
        f"sample id(s) {', '.join(_raw)} end in '.raw', which the workflow's file names use: rename them"
    )


wildcard_constraints:
    patient=SAFE_ID,
    sample=SAFE_ID + r"(?<!\.raw)",
    unit=SAFE_ID,


# ---- resources: threads, memory and runtime per step (from the config, growing per retry), ----
# ---- and where cluster jobs go ----
def _resource(step, key):
    table = config["resources"]
    return table.get(step, {}).get(key, table["default"][key])


def threads_of(step):
    return _resource(step, "threads")


def mem_mb_of(step):
    base = _resource(step, "mem_mb")

    def mem_mb(wildcards, attempt):
        return base * attempt

    return mem_mb


def runtime_of(step):
    base = _resource(step, "runtime")

    def runtime(wildcards, attempt):
        return base * attempt

    return runtime


def cluster_resources():
    """Where cluster jobs go (config `resources.cluster`), as the SLURM executor's resource names.

    Only values that are set: an empty `qos` would reach sbatch as `--qos=''`.
    """
    names = {"partition": "slurm_partition", "account": "slurm_account", "qos": "qos", "extra": "slurm_extra"}
    site = config["resources"].get("cluster") or {}
    return {names[key]: value for key, value in site.items() if value}


CLUSTER = cluster_resources()


# ---- input functions ----
def verified(wildcards):
    """The sample's checksum record when the sheet declares sha256 values (files hashed before use)."""
    if SAMPLES[wildcards.sample].checksums():
        return f"results/{wildcards.patient}/inputs/{wildcards.sample}.sha256.tsv"
    return []


def fastq_pair(wildcards):
    """FASTQ pair (R1, R2) of one sequencing unit."""
    unit = next(u for u in SAMPLES[wildcards.sample].units if u.id == wildcards.unit)
    return {"r1": str(unit.r1), "r2": str(unit.r2)}


def read_group(wildcards):
    """SAM read-group line of one sequencing unit (tab-escaped for the aligners)."""
    unit = next(u for u in SAMPLES[wildcards.sample].units if u.id == wildcards.unit)
    s = wildcards.sample
    return f"@RG\\tID:{s}.{unit.id}\\tSM:{s}\\tLB:{s}\\tPL:{unit.platform}\\tPU:{unit.id}"


def unit_bams(wildcards):
    """Coordinate-sorted BAMs of every sequencing unit of a sample."""
    return [
        f"results/{wildcards.patient}/align/{wildcards.sample}/{u.id}.bam"
        for u in SAMPLES[wildcards.sample].units
    ]


def external_alignment(wildcards):
    """The BAM or CRAM a sample enters with."""
    return str(SAMPLES[wildcards.sample].path)


def bwa_prefix(wildcards, output):
    """bwa names its index files after a prefix: the first output without its extension."""
    return output[0].removesuffix(".amb")


def aligner_index():
    """Index files the configured aligner needs."""
    if config["aligner"] == "bwa":
        return multiext(f"results/reference/bwa/{REF_NAME}", ".amb", ".ann", ".bwt", ".pac", ".sa")
    return [f"results/reference/minimap2/{REF_NAME}.mmi"]


def _consents_pgx(wildcards):
    return PATIENTS[wildcards.patient].consent_pgx


def loci_of(wildcards):
    """Loci whose depth is measured: the biomarker loci, or without PGx consent the cancer
    hotspots alone (no pharmacogene position of that patient is looked at)."""
    if _consents_pgx(wildcards):
        return "results/reference/biomarker_loci.bed"
    return "results/reference/hotspot_loci.bed"


def forced_genotyping_sites(wildcards):
    """The knowledge-base positions germline calling genotypes; none without PGx consent."""
    if _consents_pgx(wildcards):
        return {"sites": "results/reference/pgx_sites.tsv.gz", "alleles": "results/reference/pgx_alleles.tsv.gz"}
    return {}


def forced_genotyping_flags(wildcards, input):
    if "sites" in input.keys():
        return f"--sites {shlex.quote(input.sites)} --alleles {shlex.quote(input.alleles)}"
    return ""


def gvcf_sites(wildcards):
    """The knowledge-base positions a gVCF's reference blocks are read at; none without PGx consent."""
    return {"sites": "results/reference/pgx_sites.tsv.gz"} if _consents_pgx(wildcards) else {}


def gvcf_sites_flag(wildcards, input):
    return f"--sites {shlex.quote(input.sites)}" if "sites" in input.keys() else ""


def panel_path(sample):
    """Target BED of a sample (its `panel:` in the sheet, else the default panel)."""
    return config["panels"][sample.panel or "default"]


def panel_of(wildcards):
    """Target BED of the sample of a job."""
    return panel_path(SAMPLES[wildcards.sample])


# The tumour each matched normal belongs to, built once: a per-call scan of the sheet would make
# planning grow with the square of the cohort.
_TUMOUR_OF_NORMAL = {t.normal: t for t in reversed(list(SAMPLES.values())) if t.kind == "tumor" and t.normal}


def _tumour_of(sample):
    """The tumour sample whose matched normal `sample` is, or None."""
    return _TUMOUR_OF_NORMAL.get(sample.id)


def consent_flags(wildcards):
    """The consent options of a step that sees a germline sample's reads or calls: without
    secondary-findings consent, the ACMG SF genes (except the patient's indication genes, and with
    PGx consent the pharmacogenes) are left out of its BAM and VCFs. Tumour samples: none."""
    patient, sample = PATIENTS[wildcards.patient], SAMPLES[wildcards.sample]
    if sample.kind != "germline" or patient.consent_secondary:
        return ""
    flags = ["--withhold-secondary-findings", "--germline-kb", GERMLINE_KB, "--models", TRANSCRIPT_MODELS]
    genes = indication_genes_of(patient)
    if genes:
        flags += ["--keep-genes", ",".join(genes)]
    if patient.consent_pgx:
        flags.append("--pgx-consent")
    tumour = _tumour_of(sample)
    if tumour is not None:
        flags += ["--keep-regions", config["panels"][tumour.panel or "default"]]
    return " ".join(shlex.quote(f) for f in flags)


_INDICATION_GENES = {}


def indication_genes_of(patient):
    """The genes of the patient's indication panels (and genes named in the sheet); the panels
    file is read once per run, not once per job."""
    from genotailor.core.kbfiles import indication_genes

    key = tuple(patient.indications)
    if key not in _INDICATION_GENES:
        _INDICATION_GENES[key] = indication_genes(key, Path(GERMLINE_KB))
    return _INDICATION_GENES[key]


def germline_sample(patient):
    """The germline sample PGx is called from and inherited-disease findings come from (the first
    in the sheet; a tumour patient's matched normal); None if there is none."""
    return next((s for s in patient.samples if s.kind == "germline"), None)


def germline_analysed(patient):
    """Whether the patient's germline sample is analysed for inherited disease: indications given,
    or secondary findings consented."""
    return germline_sample(patient) is not None and bool(patient.indications or patient.consent_secondary)


def germline_flags(wildcards):
    patient = PATIENTS[wildcards.patient]
    g = config["germline"]
    flags = ["--sex", patient.sex, "--min-stars", str(g["min_stars"])]
    if patient.indications:
        flags += ["--panels", ",".join(patient.indications)]
    if patient.consent_secondary:
        flags.append("--secondary-findings")
    if g["report_vus"]:
        flags.append("--report-vus")
    return " ".join(shlex.quote(f) for f in flags)


def germline_vcf(wildcards):
    """The normalized VCF of the patient's germline sample."""
    base = f"results/{wildcards.patient}/calls/{wildcards.sample}"
    return {"vcf": f"{base}.vcf.gz", "tbi": f"{base}.vcf.gz.tbi"}


def raw_vcf(wildcards):
    """The VCF that enters normalization: the sample's own (hand-off in) or a built-in call set."""
    sample = SAMPLES[wildcards.sample]
    if sample.entry == "vcf":
        return str(sample.path)
    caller = "germline" if sample.kind == "germline" else "somatic"
    return f"results/{wildcards.patient}/calls/{wildcards.sample}.{caller}.raw.vcf.gz"


def vcf_column(wildcards):
    """Sample column to take from the VCF entering normalization."""
    sample = SAMPLES[wildcards.sample]
    return sample.vcf_sample if sample.entry == "vcf" and sample.vcf_sample else ""


def somatic_bams(wildcards):
    """Tumour BAM and, when the sheet names one, the matched normal's BAM."""
    tumor = SAMPLES[wildcards.sample]
    bams = {"tumor": f"results/{wildcards.patient}/align/{tumor.id}.bam"}
    if tumor.normal:
        bams["normal"] = f"results/{wildcards.patient}/align/{tumor.normal}.bam"
    return bams


def normal_flag(wildcards):
    tumor = SAMPLES[wildcards.sample]
    return f"--normal-bam results/{wildcards.patient}/align/{tumor.normal}.bam" if tumor.normal else ""


def somatic_inputs(wildcards):
    """A tumour's normalized VCF and, when it has reads, the panel depth of it and of its normal."""
    tumor = SAMPLES[wildcards.sample]
    base = f"results/{wildcards.patient}"
    inputs = {"vcf": f"{base}/calls/{tumor.id}.vcf.gz"}
    if tumor.entry in READ_ENTRIES:
        inputs["coverage_tumor"] = f"{base}/coverage/{tumor.id}.panel.regions.bed.gz"
        normal = SAMPLES.get(tumor.normal) if tumor.normal else None
        if normal is not None and normal.entry in READ_ENTRIES:
            inputs["coverage_normal"] = f"{base}/coverage/{normal.id}.panel.regions.bed.gz"
    if msi_normal(tumor) is not None:
        inputs["msi"] = f"{base}/msi/{tumor.id}.json"
    return inputs


def msi_normal(tumor):
    """The matched normal MSI compares a tumour with: one with reads, when the tumour has reads too."""
    normal = SAMPLES.get(tumor.normal) if tumor.normal else None
    if tumor.kind == "tumor" and tumor.entry in READ_ENTRIES and normal is not None and normal.entry in READ_ENTRIES:
        return normal
    return None


def msi_inputs(wildcards):
    """The BAMs (and indexes) of a tumour and its matched normal."""
    tumor = SAMPLES[wildcards.sample]
    normal = msi_normal(tumor)
    base = f"results/{wildcards.patient}/align"
    return {"tumor_bam": f"{base}/{tumor.id}.bam", "tumor_bai": f"{base}/{tumor.id}.bam.bai",
            "normal_bam": f"{base}/{normal.id}.bam", "normal_bai": f"{base}/{normal.id}.bam.bai"}


def msi_flags(wildcards):
    """The tumour's normal, purity, panel and tumour type, and the config's MSI settings."""
    tumor = SAMPLES[wildcards.sample]
    m = config["oncology"]["msi"]
    flags = ["--normal", msi_normal(tumor).id, "--panel", panel_of(wildcards),
             "--tumor-type", PATIENTS[wildcards.patient].tumor_type,
             "--threshold", m["threshold_percent"], "--min-loci", m["min_informative_loci"],
             "--min-reads", m["min_reads"], "--min-purity", m["min_purity"], "--fdr", m["fdr"],
             "--min-distance", m["min_distance"], "--anchor", m["anchor"]]
    if tumor.purity is not None:
        flags += ["--purity", tumor.purity]
    return " ".join(shlex.quote(str(f)) for f in flags)


def msi_result_flag(wildcards, input):
    """`--msi` with the tumour's MSI result, when MSI ran for it."""
    return f"--msi {shlex.quote(input.msi)}" if "msi" in input.keys() else ""


def somatic_territory_flags(wildcards, input):
    """TMB territory: the panel depth files when there are reads, else the panel BED itself."""
    if "coverage_tumor" in input.keys():
        flags = f"--coverage-tumor {input.coverage_tumor}"
        if "coverage_normal" in input.keys():
            flags += f" --coverage-normal {input.coverage_normal}"
        return flags
    return f"--panel {shlex.quote(panel_of(wildcards))}"


def has_copy_number(sample):
    """A tumour with reads gets the copy-number step (CNVkit reads its BAM)."""
    return sample.kind == "tumor" and sample.entry in READ_ENTRIES


def cnv_inputs(wildcards):
    """A tumour's BAM, its matched normal's when that has reads, and the panel's targets."""
    tumor = SAMPLES[wildcards.sample]
    base = f"results/{wildcards.patient}/align"
    inputs = {"tumor": f"{base}/{tumor.id}.bam", "tumor_bai": f"{base}/{tumor.id}.bam.bai",
              "targets": panel_path(tumor)}
    normal = SAMPLES.get(tumor.normal) if tumor.normal else None
    if normal is not None and normal.entry in READ_ENTRIES:
        inputs["normal"] = f"{base}/{normal.id}.bam"
        inputs["normal_bai"] = f"{base}/{normal.id}.bam.bai"
    elif (config["oncology"].get("cnv") or {}).get("reference"):
        inputs["cnv_reference"] = config["oncology"]["cnv"]["reference"]
    return inputs


def cnv_flags(wildcards, input):
    """`genotailor cnv` options: the matched normal (else the config's panel-of-normals reference),
    the sheet's purity, the tumour type and the config's thresholds (`oncology.cnv`)."""
    tumor = SAMPLES[wildcards.sample]
    flags = ["--tumor-type", PATIENTS[wildcards.patient].tumor_type]
    if "normal" in input.keys():
        flags += ["--normal-bam", input.normal, "--normal", tumor.normal]
    elif "cnv_reference" in input.keys():
        flags += ["--reference", input.cnv_reference]
    if tumor.purity is not None:
        flags += ["--purity", str(tumor.purity)]
    for key, value in sorted((config["oncology"].get("cnv") or {}).items()):
        if key != "reference":
            flags += [f"--{key.replace('_', '-')}", str(value)]
    return " ".join(shlex.quote(f) for f in flags)


def tumor_type_of(wildcards):
    """The patient's OncoTree code."""
    return PATIENTS[wildcards.patient].tumor_type


def vaf_tags_flag(wildcards):
    """The tumour VCF's VAF/depth tags the sample sheet names (vaf_tags), for `genotailor somatic`;
    empty when the sheet names none (the caller's tags are then recognised by convention)."""
    text = SAMPLES[wildcards.sample].vaf_tags_text
    return f"--vaf-tags {shlex.quote(text)}" if text else ""


def tmb_flags(wildcards):
    t = config["oncology"]["tmb"]
    flags = f"--min-vaf {t['min_vaf']} --min-depth {t['min_depth']} --min-callable-mb {t['min_callable_mb']}"
    return flags + (" --count-synonymous" if t["count_synonymous"] else "")


def qc_inputs(wildcards):
    """Metrics behind a sample's QC status: fastp per unit, flagstat and locus coverage."""
    sample = SAMPLES[wildcards.sample]
    base = f"results/{wildcards.patient}"
    inputs = {"norm": f"{base}/calls/{sample.id}.norm.json"}
    if sample.entry in READ_ENTRIES:
        inputs["flagstat"] = f"{base}/align/{sample.id}.flagstat.json"
        inputs["loci"] = f"{base}/coverage/{sample.id}.loci.regions.bed.gz"
    if sample.entry == "fastq":
        inputs["fastp"] = [f"{base}/qc/{sample.id}/{u.id}.fastp.json" for u in sample.units]
    return inputs


def pgx_inputs(wildcards):
    """Normalized VCF (and locus coverage, when there are reads) of the patient's PGx sample."""
    patient = PATIENTS[wildcards.patient]
    sample = germline_sample(patient)
    base = f"results/{patient.id}"
    inputs = {"vcf": f"{base}/calls/{sample.id}.vcf.gz"}
    if sample.entry in READ_ENTRIES:
        inputs["coverage"] = f"{base}/coverage/{sample.id}.loci.regions.bed.gz"
    if cyp2d6_cn_sample(patient):
        inputs["cyp2d6_cn"] = f"{base}/pgx/{sample.id}.cyp2d6_cn.json"
    return inputs


def cyp2d6_cn_sample(patient):
    """The PGx sample whose reads give CYP2D6's copy number (the cyp2d6_copy_number job), or None:
    with PGx consent, CYP2D6 among the genes called and a germline sample with reads."""
    sample = germline_sample(patient) if patient.consent_pgx else None
    if sample and sample.entry in READ_ENTRIES and "CYP2D6" in config["pgx"]["genes"]:
        return sample
    return None


def pgx_sample_id(wildcards):
    return germline_sample(PATIENTS[wildcards.patient]).id


def coverage_flag(wildcards, input):
    return f"--coverage {shlex.quote(input.coverage)}" if "coverage" in input.keys() else ""


def cyp2d6_cn_flag(wildcards, input):
    """The CYP2D6 copy number from read depth, when the PGx sample has reads."""
    return f"--cyp2d6-cn {shlex.quote(input.cyp2d6_cn)}" if "cyp2d6_cn" in input.keys() else ""


def sample_kind_of(wildcards):
    """germline | tumor, as the sheet gives it."""
    return SAMPLES[wildcards.sample].kind


def report_inputs(wildcards):
    """Everything one patient's report is assembled from."""
    patient = PATIENTS[wildcards.patient]
    base = f"results/{patient.id}"
    inputs = {
        "qc": [f"{base}/qc/{s.id}.qc.json" for s in patient.samples],
        "calls": [f"{base}/calls/{s.id}.norm.json" for s in patient.samples],
        "somatic": [f"{base}/somatic/{s.id}.json" for s in patient.samples if s.kind == "tumor"],
        "cnv": [f"{base}/cnv/{s.id}.json" for s in patient.samples if has_copy_number(s)],
        "provenance": "results/provenance/provenance.json",
        "versions": tool_versions_of(wildcards),
        "ledger": f"{base}/ledger/{patient.id}.ledger.json",
    }
    if patient.consent_pgx and germline_sample(patient):
        inputs["pgx"] = f"{base}/pgx/{patient.id}.pgx.json"
    if germline_analysed(patient):
        inputs["germline"] = f"{base}/germline/{germline_sample(patient).id}.json"
    return inputs


def _sample_jobs(sample):
    """The rules that run external tools for one sample, by how it enters."""
    jobs = ["normalize_vcf"]
    if sample.entry in READ_ENTRIES:
        jobs += ["coverage_loci", "call_germline" if sample.kind == "germline" else "call_somatic"]
        jobs += ["markdup"] if sample.entry == "fastq" else ["import_alignment"]
    if sample.kind == "tumor":
        jobs.append("somatic")
    if sample.kind == "tumor" and msi_normal(sample) is not None:
        jobs.append("msi")
    if has_copy_number(sample):
        jobs.append("cnv")
    patient = PATIENTS[sample.patient]
    if germline_analysed(patient) and germline_sample(patient).id == sample.id:
        jobs.append("germline")
    if sample.entry in READ_ENTRIES and (sample.kind == "tumor" or sample.id in _PANEL_COVERAGE_NORMALS):
        jobs.append("coverage_panel")  # the TMB territory of a tumour with reads, and of its normal with reads
    return jobs


# Normals whose panel coverage the somatic step reads (see somatic_inputs).
_PANEL_COVERAGE_NORMALS = {
    t.normal for t in SAMPLES.values()
    if t.kind == "tumor" and t.entry in READ_ENTRIES and t.normal and SAMPLES[t.normal].entry in READ_ENTRIES
}


def _versions_records(patient):
    files = []
    for s in patient.samples:
        base = f"results/{patient.id}/versions"
        files += [f"{base}/{job}/{s.id}.json" for job in _sample_jobs(s)]
        files += [f"{base}/align/{s.id}.{u.id}.json" for u in s.units]
    if any(s.entry == "fastq" for s in patient.samples):
        files.append(f"results/reference/versions/{config['aligner']}_index.json")
    if any(s.entry in READ_ENTRIES for s in patient.samples):
        files.append(f"results/{patient.id}/versions/ledger/{patient.id}.json")  # mosdepth over the territory
    return sorted(files)


def tool_versions_of(wildcards):
    """Versions records of every job that ran an external tool for one patient (and of the
    reference index its reads were aligned against)."""
    return _versions_records(PATIENTS[wildcards.patient])


def all_tool_versions(wildcards):
    """Versions records of every job of the run."""
    return sorted({f for p in PATIENTS.values() for f in _versions_records(p)})


def _patient_jobs(patient):
    """(rule, wildcards) of every job that works for one patient, its report included."""
    jobs = []
    for s in patient.samples:
        wc = {"patient": patient.id, "sample": s.id}
        if s.checksums():
            jobs.append(("verify_checksums", wc))
        jobs += [("align_unit", {**wc, "unit": u.id}) for u in s.units]
        jobs += [(job, wc) for job in _sample_jobs(s)]
        jobs.append(("qc_sample", wc))
    if patient.consent_pgx and germline_sample(patient):
        cn_sample = cyp2d6_cn_sample(patient)
        if cn_sample:
            jobs.append(("cyp2d6_copy_number", {"patient": patient.id, "sample": cn_sample.id}))
        jobs.append(("pgx", {"patient": patient.id}))
    jobs.append(("ledger", {"patient": patient.id}))
    jobs.append(("report", {"patient": patient.id}))
    return jobs


def job_log_flags(wildcards):
    """`--job-log RULE=LOG=BENCHMARK` per job of the patient: where each job's log and benchmark
    are, listed in the report's provenance (paths from the rules' own log and benchmark templates)."""
    flags = []
    for name, wc in _patient_jobs(PATIENTS[wildcards.patient]):
        proxy = getattr(rules, name)
        flags += ["--job-log", f"{name}={str(proxy.log[0]).format(**wc)}={str(proxy.benchmark).format(**wc)}"]
    return " ".join(shlex.quote(f) for f in flags)


def _shared_jobs():
    """(rule, main output) of the jobs that serve the whole run rather than one patient."""
    jobs = [("biomarker_loci", "results/reference/biomarker_loci.bed"),
            ("provenance", "results/provenance/provenance.json"),
            ("tool_versions", "results/provenance/tools.json"),
            ("cohort_summary", "results/cohort/summary.tsv"),
            ("multiqc", "results/cohort/multiqc_report.html")]
    if any(s.entry == "fastq" for s in SAMPLES.values()):
        jobs.append((f"{config['aligner']}_index", aligner_index()[0]))
    return sorted(jobs)


def cost_inputs(wildcards):
    """Every patient's report (its jobs are done) and the shared jobs' outputs: each job's
    benchmark file is written when the job ends."""
    reports = [f"results/{p}/report/{p}.json" for p in PATIENTS]
    return {"reports": reports, "shared": [output for _, output in _shared_jobs()]}


def _threads(name):
    """A rule's threads as declared (the config's `resources`)."""
    threads = getattr(rules, name).rule.resources["_cores"]
    return getattr(threads, "value", threads)


def cost_flags(wildcards):
    """The cost table's options: threads and benchmark template of every rule a report lists, the
    shared jobs' benchmark files, and the price per core-hour when the config sets one."""
    names = sorted({name for p in PATIENTS.values() for name, _ in _patient_jobs(p)})
    flags = []
    for name in names:
        flags += ["--rule", f"{name}={_threads(name)}={getattr(rules, name).benchmark}"]
    for name, _ in _shared_jobs():
        flags += ["--shared", f"{name}={_threads(name)}={getattr(rules, name).benchmark}"]
    if config.get("cost"):
        flags += ["--per-core-hour", str(config["cost"]["per_core_hour"]), "--currency", config["cost"]["currency"]]
    return " ".join(shlex.quote(f) for f in flags)


def report_flags(wildcards, input):
    flags = [arg for q in input.qc for arg in ("--qc", q)] + [arg for c in input.calls for arg in ("--calls", c)]
    flags += [arg for s in input.somatic for arg in ("--stage", f"somatic={s}")]
    flags += [arg for s in input.cnv for arg in ("--stage", f"copy_number={s}")]
    flags += [arg for v in input.versions for arg in ("--tool-versions", v)]
    if "pgx" in input.keys():
        flags += ["--stage", f"pgx={input.pgx}"]
    if "germline" in input.keys():
        flags += ["--stage", f"germline_findings={input.germline}"]
    flags += ["--stage", f"examined={input.ledger}"]
    return " ".join(shlex.quote(f) for f in flags)


def ledger_inputs(wildcards):
    """What the ledger of one patient reads: each sample's QC, the BAMs of samples with reads and
    the panels, and the PGx result when PGx was analysed."""
    patient = PATIENTS[wildcards.patient]
    base = f"results/{patient.id}"
    inputs = {"qc": [f"{base}/qc/{s.id}.qc.json" for s in patient.samples],
              "panels": sorted({panel_path(s) for s in patient.samples})}
    reads = [s for s in patient.samples if s.entry in READ_ENTRIES]
    inputs["bams"] = [f"{base}/align/{s.id}.bam" for s in reads]
    inputs["bais"] = [f"{base}/align/{s.id}.bam.bai" for s in reads]
    if patient.consent_pgx and germline_sample(patient):
        inputs["pgx"] = f"{base}/pgx/{patient.id}.pgx.json"
    inputs["msi"] = [f"{base}/msi/{s.id}.json" for s in patient.samples if msi_normal(s) is not None]
    inputs["cnv"] = [f"{base}/cnv/{s.id}.json" for s in patient.samples if has_copy_number(s)]
    return inputs


def ledger_flags(wildcards, input):
    """The ledger's per-sample options: QC, BAM and panel of each sample; the PGx genes and result."""
    patient = PATIENTS[wildcards.patient]
    a = config["assessment"]
    flags = [arg for q in input.qc for arg in ("--qc", q)] + [arg for c in input.cnv for arg in ("--cnv", c)]
    for s in patient.samples:
        flags += ["--panel", f"{s.id}={panel_path(s)}"]
        if s.entry in READ_ENTRIES:
            flags += ["--bam", f"{s.id}=results/{patient.id}/align/{s.id}.bam"]
    if "pgx" in input.keys():
        flags += ["--pgx", input.pgx, "--pgx-genes", ",".join(config["pgx"]["genes"])]
    for s in patient.samples:
        if msi_normal(s) is not None:
            flags += ["--msi", f"{s.id}=results/{patient.id}/msi/{s.id}.json"]
    flags += ["--germline-min-depth", str(a["germline_min_depth"]), "--tumor-min-depth", str(a["tumor_min_depth"]),
              "--min-callable-fraction", str(a["min_callable_fraction"]), "--splice-margin", str(a["splice_margin"])]
    return " ".join(shlex.quote(f) for f in flags)


def cohort_qc_metrics(wildcards):
    """The tool metrics MultiQC reads: fastp JSON per sequencing unit, samtools markdup stats and
    mosdepth summary and distribution over the biomarker loci of samples with reads, bcftools stats
    of every sample's normalized VCF."""
    files = []
    for patient in PATIENTS.values():
        base = f"results/{patient.id}"
        for s in patient.samples:
            if s.entry == "fastq":
                files += [f"{base}/qc/{s.id}/{u.id}.fastp.json" for u in s.units]
                files.append(f"{base}/align/{s.id}.markdup.txt")
            if s.entry in READ_ENTRIES:
                files += [f"{base}/coverage/{s.id}.loci.mosdepth.{kind}.txt" for kind in ("summary", "global.dist")]
            files.append(f"{base}/qc/{s.id}.bcftools_stats.txt")
    return sorted(files)


def multiqc_workdir(wildcards, output):
    """Folder beside the MultiQC report for the QC-gates section it reads."""
    return str(Path(output[0]).parent / "multiqc")


def all_targets():
    """Every patient's report (JSON, HTML, PDF, FHIR), the cohort summary, QC report and cost
    table, and the provenance record."""
    reports = [
        f"results/{p}/report/{p}.{ext}" for p in PATIENTS for ext in ("json", "html", "pdf", "fhir.json")
    ]
    return reports + [
        "results/cohort/summary.tsv",
        "results/cohort/findings.tsv",
        "results/cohort/summary.html",
        "results/cohort/multiqc_report.html",
        "results/cohort/cost.tsv",
        "results/provenance/provenance.json",
        "results/provenance/tools.json",
    ]


def sex_of(wildcards):
    """Patient's sex as given in the sheet (female | male | unknown)."""
    return PATIENTS[wildcards.patient].sex


def qc_flags(wildcards, input):
    flags = ["--norm", input.norm]
    if "flagstat" in input.keys():
        flags += ["--flagstat", input.flagstat, "--loci", input.loci, "--panel", input.panel]
    if "fastp" in input.keys():
        for f in input.fastp:
            flags += ["--fastp", f]
    return " ".join(shlex.quote(f) for f in flags)


# ---- biobank cohorts (config `cohort`; rules/cohort.smk) ----
COHORT = config.get("cohort") or {}
COHORT_VCFS = []
COHORT_CHUNKS = []
if COHORT:
    COHORT_VCFS = [COHORT["vcf"]] if isinstance(COHORT["vcf"], str) else list(COHORT["vcf"])
    try:
        _n = len(cohort_samples(COHORT_VCFS, COHORT.get("samples")))
    except GenotailorError as exc:
        raise WorkflowError(f"config cohort: {exc}")
    COHORT_CHUNKS = [str(i) for i in range(-(-_n // COHORT["chunk_size"]))]


def cohort_inputs(wildcards):
    """The joint VCF(s) with their indexes, and the sample list and sex file when the config names them."""
    inputs = {"vcf": COHORT_VCFS}
    for key in ("samples", "sex"):
        if COHORT.get(key):
            inputs[key] = COHORT[key]
    return inputs


def cohort_flags(wildcards, input):
    """--samples / --sex for the files the config names."""
    flags = []
    for key in ("samples", "sex"):
        if key in input.keys():
            flags += [f"--{key}", input[key]]
    return " ".join(shlex.quote(f) for f in flags)


def cohort_chunk_folder(wildcards, output):
    """Folder of one chunk's outputs (its table's folder)."""
    return str(Path(output.table).parent)


def cohort_chunk_tables(wildcards):
    """Every chunk's table, in chunk order."""
    return [f"results/cohort/pgx/chunks/{c}/table.tsv" for c in COHORT_CHUNKS]
