"""The sample sheet: the YAML file listing patients, their consent and their samples.

`load_sheet` checks a sheet and returns it as frozen dataclasses. Every problem
is collected and raised together in one `SheetError`, so a user fixes the whole
sheet in one pass. Each problem reads `<location>: <what is wrong> — <how to fix>`,
where the location is a path such as `patient P1 / sample S1 / unit L001 / field r2`.

The shape of each field is checked with workflow/schemas/samples.schema.yaml (the
same schema Snakemake's `validate` can use); this module adds the checks a schema
cannot express: duplicate YAML keys, files, unique ids, tumour/normal pairs,
consent and checksums. `draft_sheet` writes a first sheet from a folder of FASTQs.
"""

import dataclasses
import datetime
import difflib
import functools
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from genotailor.core.checksums import sha256_file
from genotailor.core.errors import GenotailorError, InputError, SheetError
from genotailor.core.formats import open_maybe_gzip
from genotailor.core.kbfiles import load_germline_panels
from genotailor.core.paths import GERMLINE_KB, ONCOLOGY_KB, SCHEMAS
from genotailor.core.yamlio import load_yaml

SCHEMA_PATH = SCHEMAS / "samples.schema.yaml"

ENTRY_POINTS = ("units", "bam", "cram", "vcf")
# Accepted file-name endings for each kind of input file, and how messages name them.
SUFFIXES = {
    "fastq": (".fastq.gz", ".fq.gz", ".fastq", ".fq"),
    "bam": (".bam",),
    "cram": (".cram",),
    "vcf": (".vcf", ".vcf.gz", ".bcf"),
}
FILE_KINDS = {"fastq": "a FASTQ", "bam": "a BAM", "cram": "a CRAM", "vcf": "a VCF"}

_SHA256 = re.compile(r"[0-9A-Fa-f]{64}")
# How location paths name the entries of each keyed collection.
_COLLECTIONS = {"patients": "patient", "samples": "sample", "units": "unit",
                "outside_calls": "outside call"}
_TYPE_WORDS = {"string": "text", "number": "a number", "integer": "a whole number",
               "boolean": "true or false", "object": "a mapping", "array": "a list",
               "null": "an empty value"}


@dataclass(frozen=True)
class Unit:
    """One FASTQ pair (a lane or a run) of a sample."""

    id: str
    r1: Path
    r2: Path
    platform: str
    sha256: dict  # {'r1': hex, 'r2': hex}, only the reads that declare one


@dataclass(frozen=True)
class OutsideCall:
    """A gene result from a dedicated caller; it overrides the VCF-based call."""

    gene: str
    diplotype: str
    method: str
    phenotype: str | None


@dataclass(frozen=True)
class Sample:
    """One sample and its single entry point: 'fastq' (units), 'bam', 'cram' or 'vcf'."""

    id: str
    patient: str
    kind: str
    entry: str
    units: tuple[Unit, ...]
    path: Path | None
    vcf_sample: str | None
    caller: str | None
    purity: float | None
    normal: str | None
    panel: str | None  # None: the config's default panel
    sha256: str | None
    vaf_tags: tuple = ()  # ((key, "INFO/NAME" | "FORMAT/NAME"), ...): a tumour VCF's VAF/depth tags, if named
    specimen: tuple = ()  # ((field, text), ...) of type, collected, received: as the sheet gives them, for the report

    @property
    def vaf_tags_text(self) -> str:
        """The named VAF/depth tags as `genotailor somatic --vaf-tags` reads them ('' when none)."""
        return ",".join(f"{key}={tag}" for key, tag in self.vaf_tags)

    def checksums(self):
        """The (file, expected sha256) pairs this sample declares."""
        pairs = [(getattr(unit, read), digest)
                 for unit in self.units for read, digest in unit.sha256.items()]
        if self.sha256:
            pairs.append((self.path, self.sha256))
        return pairs


@dataclass(frozen=True)
class Patient:
    id: str
    sex: str
    tumor_type: str | None
    consent_pgx: bool
    consent_secondary: bool
    outside_calls: tuple[OutsideCall, ...]
    samples: tuple[Sample, ...]
    indications: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def oncotree_codes() -> frozenset:
    """OncoTree codes of the shipped oncology knowledge base (empty when it is absent)."""
    path = ONCOLOGY_KB / "oncotree.json"
    return frozenset(json.loads(path.read_text())["nodes"]) if path.exists() else frozenset()


@dataclass(frozen=True)
class SampleSheet:
    path: Path
    patients: tuple[Patient, ...]

    def sample(self, sample_id):
        """The sample with this id; KeyError if there is none."""
        for sample in self.samples():
            if sample.id == sample_id:
                return sample
        raise KeyError(f"no sample {sample_id!r} in {self.path}")

    def patient(self, patient_id):
        """The patient with this id; KeyError if there is none."""
        for patient in self.patients:
            if patient.id == patient_id:
                return patient
        raise KeyError(f"no patient {patient_id!r} in {self.path}")

    def samples(self):
        """All samples, in sheet order."""
        return [sample for patient in self.patients for sample in patient.samples]

    def to_dict(self):
        """The sheet as plain JSON-ready data, for provenance records."""
        return _plain(dataclasses.asdict(self))


def load_sheet(path, *, check_files=True, verify_checksums=False, panels=None):
    """Read and check a sample sheet; raise SheetError listing every problem.

    check_files=False skips the file-system checks (existence, readability and
    therefore checksums) but keeps all others. `panels`, the panel names of the
    config, makes a sample's `panel:` an error unless it is one of them.
    """
    path = Path(path).resolve()
    data, problems = _read_yaml(path)
    if not isinstance(data, dict):
        what = ("the file is empty" if data is None
                else f"the top level is {_show(data)}, not a mapping")
        problems.append(((), f"{what} — start the file with `patients:` and list each patient "
                             "under it"))
        raise SheetError(path, [_render(where, text) for where, text in problems])
    problems += _schema_problems(data)
    checker = _Checker(path.parent, data, check_files, verify_checksums, panels)
    problems += checker.problems()
    if problems:
        # Sort by position in the file (stable), so problems read top to bottom.
        problems.sort(key=lambda problem: _position(data, problem[0]))
        raise SheetError(path, [_render(where, text) for where, text in problems])
    return _build(path, data)


# Common Illumina names: SAMPLE[_S1][_L001]_R1[_001].fastq.gz, and SAMPLE_1.fq.gz.
_FASTQ_NAME = re.compile(r"(?P<sample>.+?)(?:_S\d+)?(?:_L(?P<lane>\d+))?_R?(?P<read>[12])"
                         r"(?:_001)?\.(?:fastq|fq)(?:\.gz)?")
# Index (barcode) reads that demultiplexers can write next to the sample reads.
_INDEX_READ = re.compile(r".+_I[12](?:_001)?\.(?:fastq|fq)(?:\.gz)?")

_DRAFT_HEADER = """\
# Draft sample sheet written by `genotailor sheet` from a folder of FASTQ files.
# Paths are relative to the folder this file is saved in. Review every patient
# (sex, tumour samples, tumor_type), then run `genotailor check-sheet` on this file.
patients:
"""


def draft_sheet(fastq_dir, relative_to=None):
    """YAML text of a draft sheet: one germline sample (and patient) per FASTQ name.

    File paths are written relative to `relative_to` (default: the current
    directory). Files not ending like a FASTQ, hidden files, index reads (_I1/_I2)
    and Undetermined_* reads are ignored; FASTQ names that fit no known pattern, and reads without
    their mate, raise InputError listing them all.
    """
    fastq_dir = Path(fastq_dir)
    if not fastq_dir.is_dir():
        raise InputError(f"{fastq_dir}: not a folder — give the folder holding the FASTQ files")
    base = Path(relative_to or Path.cwd()).resolve()
    id_rule = _schema()["$defs"]["id"]
    reads = {}  # sample -> unit -> 'r1'/'r2' -> file
    problems = []
    for file in sorted(fastq_dir.iterdir()):
        name = file.name
        if (name.startswith((".", "Undetermined_")) or not name.endswith(SUFFIXES["fastq"])
                or _INDEX_READ.fullmatch(name) or not file.is_file()):
            continue
        match = _FASTQ_NAME.fullmatch(name)
        if not match:
            problems.append(f"{name}: not a recognised FASTQ name — rename it like "
                            "SAMPLE_S1_L001_R1_001.fastq.gz, SAMPLE_R1.fastq.gz or SAMPLE_1.fq.gz")
            continue
        sample = match["sample"]
        if not re.fullmatch(id_rule["pattern"], sample) or len(sample) > id_rule["maxLength"]:
            problems.append(f"{name}: '{sample}' cannot be a sample id — rename the file; "
                            f"ids use {id_rule['description']}")
            continue
        unit = f"L{int(match['lane']):03d}" if match["lane"] else "run1"
        pair = reads.setdefault(sample, {}).setdefault(unit, {})
        read = "r" + match["read"]
        if read in pair:
            problems.append(f"{name}: same sample, unit ({unit}) and read as {pair[read].name} — "
                            "move one of them out of the folder")
            continue
        pair[read] = file
    for units in reads.values():
        for pair in units.values():
            if len(pair) == 1:
                (read, file), = pair.items()
                mate = "R2" if read == "r1" else "R1"
                problems.append(f"{file.name}: no matching {mate} file — add it, or move this "
                                "file out of the folder")
    if problems:
        raise InputError(f"cannot draft a sheet from {fastq_dir}:\n"
                         + "\n".join(f"  - {problem}" for problem in sorted(problems)))
    if not reads:
        raise InputError(f"{fastq_dir}: no FASTQ files found (.fastq.gz, .fq.gz, .fastq, .fq)")

    lines = [_DRAFT_HEADER]
    for sample in sorted(reads):
        sid = _scalar(sample)
        lines.append(
            f"  {sid}:\n"
            "    sex: unknown  # female | male | unknown\n"
            "    # Set both consent flags only after checking the patient's consent records.\n"
            "    consent:\n"
            "      pharmacogenomics: false\n"
            "      secondary_findings: false\n"
            "    samples:\n"
            f"      {sid}:\n"
            "        kind: germline\n"
            "        units:\n")
        for unit, pair in sorted(reads[sample].items()):
            lines.append(f"          {unit}:\n")
            for read in ("r1", "r2"):
                relative = os.path.relpath(pair[read].resolve(), base)
                lines.append(f"            {read}: {_scalar(relative)}\n")
    return "".join(lines)


class _SheetLoader(yaml.SafeLoader):
    """SafeLoader that keeps mapping keys as written and records duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates = []  # (mapping node, key, first line, repeated line)

    def construct_mapping(self, node, deep=False):
        mapping, first_line = {}, {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark,
                    "found a key that is not plain text", key_node.start_mark)
            # Keys are ids or field names; reading them as text keeps ids such as
            # 007 or 1e5 from silently becoming the numbers 7 and 100000.0.
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in first_line:
                self.duplicates.append((node, key, first_line[key], line))
            else:
                first_line[key] = line
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


# a date stays the text it was written as (2026-11-02), checked as a calendar date by the sheet check
_SheetLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def _read_yaml(path):
    """(data, problems) from the sheet file; unreadable or unparsable files raise at once."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SheetError(path, ["sheet: file not found — check the path"]) from None
    except UnicodeDecodeError:
        raise SheetError(path, ["sheet: not UTF-8 text — save the sheet as plain UTF-8 "
                                "text"]) from None
    except OSError as exc:
        raise SheetError(path, [f"sheet: cannot read the file ({exc.strerror}) — "
                                "check that it is a readable file"]) from None
    try:
        loader = _SheetLoader(text)  # checks every character up front
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        raise SheetError(path, [f"sheet: control character #x{exc.character:04x} at line "
                                f"{line}, column {column} — delete it (often pasted in by "
                                "accident)"]) from None
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = ", ".join(part for part in (exc.context, exc.problem) if part)
        raise SheetError(path, [f"sheet: YAML syntax error{where}: {what} — check the "
                                "indentation (spaces only), colons and quotes there"]) from None
    finally:
        loader.dispose()
    paths = _node_paths(root) if root is not None else {}
    problems = [
        (paths[id(node)] + (key,),
         f"appears twice (lines {first} and {again}) — keep one and rename or delete the "
         "other; YAML readers silently keep only the last")
        for node, key, first, again in loader.duplicates
    ]
    return data, problems


def _node_paths(root):
    """Map id(mapping node) -> its key path, to place duplicate keys in the sheet."""
    paths, stack = {}, [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode) and id(node) not in paths:
            paths[id(node)] = path
            stack += [(value, path + (key.value,)) for key, value in node.value]
    return paths


@functools.cache
def _schema():
    try:
        return load_yaml(SCHEMA_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GenotailorError(f"sample sheet schema not found at {SCHEMA_PATH} — run "
                              "genotailor from its source tree, where scripts/ sits next to "
                              "workflow/") from None


def _schema_problems(data):
    """Schema violations as (path, message) pairs, worded for people editing YAML."""
    problems, seen_required = [], set()
    for error in jsonschema.Draft202012Validator(_schema()).iter_errors(data):
        path = tuple(error.path)
        if error.validator == "required":
            # jsonschema yields one error per missing field; report them all once.
            if path in seen_required:
                continue
            seen_required.add(path)
        problems += _translate(error, path)
    return problems


def _translate(error, path):
    """(path, message) pairs for one jsonschema error; fixes come from the schema's
    examples, title and description."""
    schema, value, rule = error.schema, error.instance, error.validator
    if "propertyNames" in error.absolute_schema_path:
        # The offending value is a key (an id or a gene name): point at that entry.
        path += (value,)
        if rule == "enum":
            return [(path, f"not an allowed {schema['title']} — "
                           + _choices(value, schema["enum"], "allowed values"))]
        if rule == "maxLength":
            return [(path, f"id is {len(value)} characters long — shorten it to "
                           f"{error.validator_value} characters or fewer")]
        return [(path, f"{_show(value)} is not a valid {schema['title']} — "
                       f"use {schema['description']}")]
    key = path[-1] if path else "sheet"
    if rule == "type":
        expected = error.validator_value
        expected = [expected] if isinstance(expected, str) else expected
        wanted = " or ".join(_TYPE_WORDS[name] for name in expected)
        if "string" in expected and isinstance(value, (int, float)) and not isinstance(value, bool):
            fix = f'put it in quotes so it is read as text, e.g. {key}: "{value}"'
        else:
            fix = _example(schema, key)
        return [(path, f"expected {wanted}, got {_show(value)} — {fix}")]
    if rule == "enum":
        return [(path, f"{_show(value)} is not allowed — "
                       + _choices(value, schema["enum"], "use one of"))]
    if rule == "required":
        return [(path, f"missing required field '{name}' — "
                       + _example(schema["properties"][name], name, "add it, e.g."))
                for name in error.validator_value if name not in value]
    if rule == "additionalProperties":
        allowed = list(schema["properties"])
        return [(path, f"unknown key '{name}' — " + _choices(name, allowed, "allowed keys"))
                for name in value if name not in allowed]
    if rule == "oneOf":
        if not isinstance(value, dict):
            return []  # an empty or non-mapping entry: its type error says what to write
        found = [name for name in ENTRY_POINTS if name in value]
        if not found:
            return [(path, "no input given — add exactly one of units (FASTQ pairs), "
                           "bam, cram or vcf")]
        return [(path, f"more than one input given ({', '.join(found)}) — keep exactly one of "
                       "units, bam, cram or vcf; describe other data as a separate sample")]
    if rule == "minLength":
        return [(path, f"is empty — {_example(schema, key)}")]
    if rule == "minProperties":
        return [(path, "has no entries — " + _example(schema, key, "add at least one, e.g."))]
    if rule == "pattern":
        return [(path, f"{_show(value)} is not a valid {schema['title']} — "
                       f"use {schema['description']}")]
    if rule in ("exclusiveMinimum", "minimum", "maximum", "exclusiveMaximum"):
        return [(path, f"{_show(value)} is out of range — use {schema['description']}")]
    # A rule added to the schema without wording here still gets reported.
    return [(path, f"{error.message} — see {SCHEMA_PATH.name}")]


class _Checker:
    """The checks a schema cannot express; tolerant of fields the schema already rejected."""

    def __init__(self, sheet_dir, data, check_files, verify_checksums, panels):
        self.sheet_dir = sheet_dir
        self.panels = None if panels is None else list(panels)
        self.patients = data.get("patients")
        self.check_files = check_files
        self.verify = verify_checksums and check_files
        self.first_use = {}  # resolved file -> location path of its first use
        # Where each sample id is first defined: (patient id, sample fields).
        self.owners = {}
        for pid, patient in _entries(self.patients):
            for sid, sample in _entries(patient.get("samples")):
                self.owners.setdefault(sid, (pid, sample))

    def problems(self):
        found = []
        for pid, patient in _entries(self.patients):
            found += self._patient(("patients", pid), pid, patient)
        return found

    def _patient(self, where, pid, patient):
        found = []
        consent = patient.get("consent")
        calls = patient.get("outside_calls")
        if (isinstance(calls, dict) and calls and isinstance(consent, dict)
                and consent.get("pharmacogenomics") is False):
            found.append((where + ("outside_calls",),
                          "given although consent / pharmacogenomics is false — remove the "
                          "outside calls, or set pharmacogenomics: true if the patient consented"))
        tumours = [sid for sid, sample in _entries(patient.get("samples"))
                   if sample.get("kind") == "tumor"]
        if tumours and patient.get("tumor_type") is None:
            which = "sample" if len(tumours) == 1 else "samples"
            found.append((where + ("tumor_type",),
                          f"missing, but the patient has tumour {which} {', '.join(tumours)} — "
                          "add tumor_type: <OncoTree code>, e.g. tumor_type: MEL"))
        code = patient.get("tumor_type")
        codes = oncotree_codes()
        if isinstance(code, str) and code == code.upper() and codes and code not in codes:  # (lower case: schema)
            close = difflib.get_close_matches(code.upper(), sorted(codes), n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(close)}?" if close else "see https://oncotree.mskcc.org"
            found.append((where + ("tumor_type",), f"'{code}' is not an OncoTree code — {hint}"))
        found += _indication_problems(where + ("indications",), patient.get("indications"))
        for sid, sample in _entries(patient.get("samples")):
            found += self._sample(where + ("samples", sid), pid, sid, sample)
        return found

    def _sample(self, where, pid, sid, sample):
        found = []
        owner = self.owners[sid][0]
        if owner != pid:
            found.append((where, f"sample id already used by patient {owner} — "
                                 "give every sample in the sheet its own id"))
        kind = sample.get("kind")
        purity = sample.get("purity")
        if isinstance(purity, float) and not math.isfinite(purity):
            # YAML's .nan passes every numeric range check of the schema.
            found.append((where + ("purity",), f"{purity} is not a number — use the tumour cell "
                                               "fraction, a number above 0 and at most 1, e.g. 0.6"))
        if kind == "germline":
            found += [(where + (name,), f"only tumour samples have a {name} — remove it, "
                                        "or set kind: tumor if this is a tumour sample")
                      for name in ("purity", "normal") if name in sample]
        panel = sample.get("panel")
        if self.panels is not None and _is_text(panel) and panel not in self.panels:
            found.append((where + ("panel",), f"no panel '{panel}' in the config — "
                          + _choices(panel, self.panels, "use one of")))
        normal = sample.get("normal")
        if kind == "tumor" and isinstance(normal, str) and normal:
            found += self._normal(where + ("normal",), pid, sid, normal)
        entries = [name for name in ENTRY_POINTS if name in sample]
        if len(entries) != 1:  # the schema reports it; the entry-specific checks need one
            return found
        entry = entries[0]
        for name in ("vcf_sample", "caller"):
            if name in sample and entry != "vcf":
                found.append((where + (name,), f"only used with a vcf entry — remove it "
                                               f"(this sample's input is {entry})"))
        if isinstance(sample.get("vaf_tags"), dict):
            found += self._vaf_tags(where + ("vaf_tags",), sample, entry, kind)
        for name, value in (sample.get("specimen") or {}).items() if isinstance(sample.get("specimen"), dict) else ():
            if name in ("collected", "received") and _is_text(value) and not _is_calendar_date(value):
                found.append((where + ("specimen", name), f"{value} is not a calendar date — give a real one "
                                                          "as YYYY-MM-DD, e.g. 2026-11-02"))
        if entry == "units":
            if "sha256" in sample:
                found.append((where + ("sha256",), "a sample-level checksum is for a bam, cram "
                              "or vcf file — put FASTQ checksums under each unit as "
                              "sha256: {r1: ..., r2: ...}"))
            for uid, unit in _entries(sample["units"]):
                found += self._unit(where + ("units", uid), unit)
        elif _is_text(sample[entry]):
            checksum = sample.get("sha256")
            found += self._file(where + (entry,), sample[entry], entry,
                                checksum, where + ("sha256",))
        return found

    def _vaf_tags(self, where, sample, entry, kind):
        """A tumour VCF's named VAF/depth tags: enough of them, and defined in the VCF's header."""
        tags = sample["vaf_tags"]
        if kind != "tumor" or entry != "vcf":
            return [(where, "only read for a tumour sample given as a vcf (the built-in screen writes "
                            "FORMAT/AD) — remove it")]
        if "vaf" not in tags and not {"alt_reads", "depth"} <= set(tags):
            return [(where, "name vaf (with depth), or alt_reads and depth — e.g. {vaf: INFO/TVAF, depth: INFO/TDP}")]
        path = self._resolve(sample["vcf"]) if _is_text(sample["vcf"]) else None
        if not self.check_files or path is None or not path.is_file():
            return []
        defined = _vcf_header_tags(path)
        if defined is None:
            return []  # not readable as VCF text: the vcf check of the workflow names it
        found = []
        for key, tag in tags.items():
            kind_, _, name = tag.partition("/") if _is_text(tag) else ("", "", "")
            if kind_ in defined and name not in defined[kind_]:  # (a malformed tag: the schema's pattern)
                have = ", ".join(sorted(defined[kind_])) or "none"
                found.append((where + (key,), f"{tag} is not defined in the header of {path} (its {kind_} tags: "
                                              f"{have}) — name a tag of that VCF"))
        return found

    def _normal(self, where, pid, sid, normal):
        if normal == sid:
            return [(where, "a tumour cannot be its own normal — name a germline sample of "
                            f"patient {pid}, or remove normal")]
        if normal not in self.owners:
            return [(where, f"no sample '{normal}' in this sheet — name a germline sample of "
                            f"patient {pid}, or remove normal")]
        owner, fields = self.owners[normal]
        if owner != pid:
            return [(where, f"'{normal}' belongs to patient {owner} — name a germline sample "
                            f"of patient {pid}")]
        if fields.get("kind") == "tumor":
            return [(where, f"'{normal}' is a tumour sample — name a germline sample of "
                            f"patient {pid}")]
        tumour_reads = any(name in self.owners[sid][1] for name in ("units", "bam", "cram"))
        if tumour_reads and "vcf" in fields and not any(name in fields for name in ("units", "bam", "cram")):
            return [(where, f"'{normal}' enters as a VCF, but the tumour/normal screen reads the "
                            "normal's reads — give that sample as units, bam or cram, or remove "
                            "normal (the tumour is then screened without a matched normal)")]
        return []

    def _unit(self, where, unit):
        found = []
        checksums = unit.get("sha256") if isinstance(unit.get("sha256"), dict) else {}
        reads = {read: unit[read] for read in ("r1", "r2") if _is_text(unit.get(read))}
        if (len(reads) == 2 and self._resolve(reads["r1"]) is not None
                and self._resolve(reads["r1"]) == self._resolve(reads["r2"])):
            found.append((where + ("r2",), f"same file as r1 ({self._resolve(reads['r2'])}) — "
                                           "r2 must be the second read of the pair (usually R2)"))
            del reads["r2"]
        for read, value in reads.items():
            found += self._file(where + (read,), value, "fastq",
                                checksums.get(read), where + ("sha256", read))
        return found

    def _file(self, where, value, kind, checksum, checksum_where):
        """Name, uniqueness, existence and (optionally) checksum of one input file."""
        found = []
        path = self._resolve(value)
        if not value.lower().endswith(SUFFIXES[kind]):
            found.append((where, f"'{value}' is not {FILE_KINDS[kind]} file name — use a file "
                                 f"ending in {', '.join(SUFFIXES[kind])}"))
        if path in self.first_use:
            found.append((where, f"{path} is already used at {_location(self.first_use[path])}"
                                 " — list each file only once"))
            return found
        if path is None:
            found.append((where, f"'{value}' is a symbolic link that points to itself (a link "
                                 "loop) — make it point to the real file"))
            return found
        self.first_use[path] = where
        if not self.check_files:
            return found
        if not path.exists():
            found.append((where, f"file not found: {path} — check the path; relative paths "
                                 f"start from the sheet's folder {self.sheet_dir}"))
        elif not path.is_file():
            found.append((where, f"{path} is a folder — give the path of a file"))
        elif not os.access(path, os.R_OK):
            found.append((where, f"cannot read {path} — make it readable (chmod +r)"))
        elif self.verify and _is_text(checksum) and _SHA256.fullmatch(checksum):
            actual = sha256_file(path)
            if actual != checksum.lower():
                found.append((checksum_where, f"checksum mismatch for {path}: expected "
                              f"{checksum.lower()}, got {actual} — copy the file again, or "
                              "correct sha256 if the recorded value is wrong"))
        return found

    def _resolve(self, value):
        """The absolute file a sheet path names; None for a symbolic-link loop."""
        try:
            return (self.sheet_dir / value).resolve()
        except (RuntimeError, OSError):  # "Symlink loop" (RuntimeError before Python 3.13)
            return None


def _vcf_header_tags(path) -> dict | None:
    """{"INFO": names, "FORMAT": names} a VCF's header defines (plain, gzip or bgzip text); None when
    it cannot be read as such (BCF, damaged)."""
    defined = {"INFO": set(), "FORMAT": set()}
    try:
        with open_maybe_gzip(path, "rt", errors="replace") as fh:
            for line in fh:
                if not line.startswith("##"):
                    return defined if line.startswith("#CHROM") else None
                for kind in defined:
                    if line.startswith(f"##{kind}=<ID="):
                        defined[kind].add(line[len(kind) + 7:].split(",", 1)[0].rstrip(">\n"))
    except (OSError, EOFError, UnicodeDecodeError):
        return None
    return None


def _indication_problems(where, indications):
    """An indication that is neither a panel nor a gene of the panels file."""
    if not isinstance(indications, list) or not GERMLINE_KB.joinpath("panels.yaml").exists():
        return []
    doc = load_germline_panels()
    panels, genes = sorted(doc["panels"]), sorted(doc["mechanism"])
    found = []
    for item in indications:
        if not isinstance(item, str) or item in doc["panels"] or item in doc["mechanism"]:
            continue
        low = item.lower()
        close = [p for p in panels if p in low or low in p]  # lynch_syndrome -> lynch
        close += [c for c in difflib.get_close_matches(item, panels + genes, n=3, cutoff=0.6) if c not in close]
        close = close[:3]
        hint = f"did you mean {', '.join(close)}? " if close else ""
        found.append((where, f"'{item}' is neither a gene panel nor a gene of workflow/resources/germline/panels.yaml"
                             f" — {hint}panels: {', '.join(panels)}; or name genes of that file, or add the panel "
                             "there"))
    return found


def _is_calendar_date(text: str) -> bool:
    try:
        return re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None and bool(datetime.date.fromisoformat(text))
    except ValueError:
        return False


def _build(path, data):
    """Dataclasses from a sheet that passed every check."""
    sheet_dir = path.parent
    default_platform = _schema()["$defs"]["unit"]["properties"]["platform"]["default"]
    patients = []
    for pid, fields in data["patients"].items():
        samples = []
        for sid, sample in fields["samples"].items():
            units = tuple(
                Unit(id=uid, r1=(sheet_dir / unit["r1"]).resolve(),
                     r2=(sheet_dir / unit["r2"]).resolve(),
                     platform=unit.get("platform", default_platform),
                     sha256={read: digest.lower()
                             for read, digest in (unit.get("sha256") or {}).items()})
                for uid, unit in sample.get("units", {}).items())
            entry = next(name for name in ENTRY_POINTS if name in sample)
            file = sample.get(entry) if entry != "units" else None
            samples.append(Sample(
                id=sid, patient=pid, kind=sample["kind"],
                entry="fastq" if entry == "units" else entry,
                units=units,
                path=(sheet_dir / file).resolve() if file else None,
                vcf_sample=sample.get("vcf_sample"),
                caller=sample.get("caller"),
                purity=float(sample["purity"]) if "purity" in sample else None,
                normal=sample.get("normal"),
                panel=sample.get("panel"),
                sha256=sample["sha256"].lower() if "sha256" in sample else None,
                vaf_tags=tuple((key, sample["vaf_tags"][key]) for key in ("vaf", "depth", "alt_reads")
                               if key in (sample.get("vaf_tags") or {})),
                specimen=tuple((key, sample["specimen"][key]) for key in ("type", "collected", "received")
                               if key in (sample.get("specimen") or {}))))
        consent = fields["consent"]
        calls = tuple(OutsideCall(gene=gene, diplotype=call["diplotype"], method=call["method"],
                                  phenotype=call.get("phenotype"))
                      for gene, call in (fields.get("outside_calls") or {}).items())
        patients.append(Patient(
            id=pid, sex=fields["sex"], tumor_type=fields.get("tumor_type"),
            consent_pgx=consent["pharmacogenomics"],
            consent_secondary=consent["secondary_findings"],
            outside_calls=calls, samples=tuple(samples),
            indications=tuple(fields.get("indications") or ())))
    return SampleSheet(path=path, patients=tuple(patients))


def _entries(mapping):
    """(key, value) pairs of a mapping whose values are mappings; nothing for anything else."""
    if not isinstance(mapping, dict):
        return []
    return [(key, value) for key, value in mapping.items() if isinstance(value, dict)]


def _is_text(value):
    return isinstance(value, str) and value != ""


def _location(path):
    """`patient P1 / sample S1 / unit L001 / field r2` for a key path into the sheet."""
    parts, index = [], 0
    while index < len(path):
        key = path[index]
        if key in _COLLECTIONS and index + 1 < len(path):
            parts.append(f"{_COLLECTIONS[key]} {_printable(path[index + 1])}")
            index += 2
            continue
        parts.append(f"field {_printable(key)}" if index == len(path) - 1 else _printable(key))
        index += 1
    return " / ".join(parts) or "sheet"


def _printable(key):
    """A key as text on one line: one with a newline, tab or other control character is shown
    quoted, with the character escaped ("P1\\n")."""
    key = str(key)
    return key if key.isprintable() else json.dumps(key)


def _render(where, text):
    return f"{_location(where)}: {text}"


def _position(data, path):
    """Sort key placing a key path where it appears in the file."""
    key, node = [], data
    for part in path:
        if isinstance(node, dict) and part in node:
            key.append(list(node).index(part))
            node = node[part]
        else:
            key.append(len(node) if isinstance(node, dict) else 0)
            node = None
    return tuple(key)


def _choices(value, options, label):
    """`did you mean 'x'? <Label>: a, b` when a close option exists, else `<label>: a, b`."""
    listed = f"{label}: {', '.join(options)}"
    # A case slip (Female, illumina) is the most common typo; difflib is case-sensitive.
    by_case = {option.lower(): option for option in options}
    close = ([by_case[str(value).lower()]] if str(value).lower() in by_case
             else difflib.get_close_matches(str(value), options, n=1))
    if close:
        return f"did you mean '{close[0]}'? {listed[0].upper()}{listed[1:]}"
    return listed


def _example(schema, key, lead="write it like"):
    """How to write a field, from the schema's examples, enum or description."""
    if "examples" in schema:
        return f"{lead} {key}: {_inline(schema['examples'][0])}"
    if "enum" in schema:
        return f"use one of: {', '.join(schema['enum'])}"
    return f"use {schema['description']}"


def _inline(value):
    """A value as YAML flow text, for examples inside messages."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_inline(item)}" for key, item in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _scalar(str(value))


def _scalar(text):
    """`text` as a YAML scalar, quoted only when a plain scalar would read differently."""
    try:
        plain = yaml.safe_load(text) == text and "," not in text
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text)


def _show(value):
    """A value as a message shows it."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'" if value.isprintable() else json.dumps(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _plain(value):
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
