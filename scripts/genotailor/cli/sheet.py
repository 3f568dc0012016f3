"""Sample-sheet commands: check-sheet, sheet (draft from FASTQs) and verify-checksums."""

from pathlib import Path

from genotailor.core.errors import InputError
from genotailor.core.samplesheet import draft_sheet, load_sheet, sha256_of


def register(subparsers):
    p = subparsers.add_parser(
        "check-sheet",
        help="check a sample sheet and list every problem in it",
        description="Check a sample sheet: structure, ids, files, tumour/normal pairs, consent "
        "and (by default) the sha256 checksums it declares. Prints a one-line summary, or "
        "every problem at once (exit code 2).",
    )
    p.add_argument("sheet", metavar="SHEET", help="the sample sheet (YAML)")
    p.add_argument("--no-checksums", action="store_true",
                   help="do not hash files to verify their declared sha256 (faster)")
    p.add_argument("--no-files", action="store_true",
                   help="do not look at the files at all: skip existence, readability and "
                   "checksum checks (e.g. when planning before the data arrives)")
    p.set_defaults(func=check_sheet)

    p = subparsers.add_parser(
        "sheet",
        help="draft a sample sheet from a folder of FASTQ files",
        description="Draft a sample sheet from FASTQ names such as SAMPLE_S1_L001_R1_001.fastq.gz, "
        "SAMPLE_L001_R1.fastq.gz, SAMPLE_R1.fastq.gz, SAMPLE_R1_001.fastq.gz or SAMPLE_1.fq.gz. "
        "Each sample becomes one patient with a germline sample; units are keyed by lane "
        "(L001) or run1 when the name has no lane. Sex is 'unknown' and both consent flags "
        "are false: set them from the patient's records. Only the folder itself is read (not "
        "sub-folders); hidden files, non-FASTQ files, index reads (_I1, _I2) and Undetermined_* "
        "reads are ignored. "
        "Fails, listing them, on FASTQ names it cannot read and on reads without their mate.",
    )
    p.add_argument("--fastq-dir", required=True, metavar="DIR", type=Path,
                   help="folder holding the FASTQ files")
    p.add_argument("--out", metavar="FILE", type=Path,
                   help="write the sheet here (never overwrites; paths are written relative "
                   "to FILE's folder). Without --out the sheet is printed, with paths relative "
                   "to the current directory: save it there.")
    p.set_defaults(func=sheet)

    p = subparsers.add_parser(
        "verify-checksums",
        help="verify the sha256 of one sample's files",
        description="Hash the files of one sample that declare a sha256 in the sheet and write "
        "a TSV (file, expected, actual, status). On any mismatch nothing is written and the "
        "command fails, so a workflow never treats the sample as verified.",
    )
    p.add_argument("--sheet", required=True, metavar="SHEET", help="the sample sheet (YAML)")
    p.add_argument("--sample", required=True, metavar="ID", help="sample id in the sheet")
    p.add_argument("--out", required=True, metavar="FILE", type=Path, help="TSV to write")
    p.set_defaults(func=verify_checksums)


def check_sheet(args):
    sheet = load_sheet(args.sheet, check_files=not args.no_files,
                       verify_checksums=not (args.no_checksums or args.no_files))
    samples = sheet.samples()
    units = sum(len(sample.units) for sample in samples)
    print(f"{args.sheet}: {_count(len(sheet.patients), 'patient')}, "
          f"{_count(len(samples), 'sample')}, {_count(units, 'sequencing unit')} — OK")
    return 0


def sheet(args):
    out = args.out
    text = draft_sheet(args.fastq_dir, relative_to=out.parent if out else None)
    if out is None:
        print(text, end="")
        return 0
    try:
        # Mode "x" refuses an existing file without a race between check and write.
        with open(out, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise InputError(f"{out}: already exists — choose another --out, or move the "
                         "existing sheet away first") from None
    except OSError as exc:
        raise InputError(f"{out}: cannot write ({exc.strerror}) — check that the folder "
                         "exists and is writable") from None
    print(f"wrote {out} — set sex and consent for each patient, then run: "
          f"genotailor check-sheet {out}")
    return 0


def verify_checksums(args):
    sheet = load_sheet(args.sheet, check_files=False)
    try:
        sample = sheet.sample(args.sample)
    except KeyError:
        known = ", ".join(s.id for s in sheet.samples())
        raise InputError(f"{args.sheet}: no sample '{args.sample}' — use one of: "
                         f"{known}") from None
    rows, mismatches = [], []
    for file, expected in sample.checksums():
        try:
            actual = sha256_of(file)
        except OSError as exc:
            raise InputError(f"{file}: cannot read ({exc.strerror}) — check the path in "
                             f"{args.sheet}") from None
        status = "ok" if actual == expected else "mismatch"
        rows.append(f"{file}\t{expected}\t{actual}\t{status}\n")
        if status == "mismatch":
            mismatches.append(f"  - {file}: expected {expected}, got {actual}")
    if mismatches:
        raise InputError(f"sample {sample.id}: checksum mismatch — copy the file(s) again, or "
                         f"correct sha256 in {args.sheet} if the recorded value is wrong\n"
                         + "\n".join(mismatches))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("file\texpected\tactual\tstatus\n" + "".join(rows), encoding="utf-8")
    return 0


def _count(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"
