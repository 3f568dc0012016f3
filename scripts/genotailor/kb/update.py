"""`genotailor kb-update`: a knowledge base brought up to date from its public release in one command.

The release file is downloaded (or taken from disk), verified before anything is built — by the
checksum its publisher puts beside it (NCBI's `clinvar.vcf.gz.md5`) or by a SHA-256 the user gives —
and checked to be what it claims (a ClinVar GRCh38 VCF); a file that cannot be verified is refused.
It is then compiled by the knowledge base's own builder in a scratch folder, and only a complete
build replaces the files of the target folder, so a failed update leaves the old knowledge base
whole. The input is never modified.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from genotailor.core.checksums import sha256_file
from genotailor.core.errors import InputError
from genotailor.core.paths import GERMLINE_KB
from genotailor.kb.germline import ACMG_SF, CLINVAR_TABLE, build_clinvar, header_lines
from genotailor.kb.manifest import dump_json

CLINVAR_RELEASE_URL = "https://ftp.ncbi.nlm.nih.gov/pub/clinvar/vcf_GRCh38/clinvar.vcf.gz"
_HEX = {"md5": re.compile(r"^[0-9a-fA-F]{32}$"), "sha256": re.compile(r"^[0-9a-fA-F]{64}$")}
_CHUNK = 1 << 20


def digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def download(url: str, dest: Path, timeout: float = 60) -> Path:
    """Stream `url` to `dest`."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as out:
            shutil.copyfileobj(resp, out, _CHUNK)
    except (urllib.error.URLError, OSError) as exc:
        raise InputError(f"{url}: download failed ({exc}) — check the address and the network, or download "
                         "the file yourself and give it with --file") from exc
    return dest


def _published_md5(url: str, timeout: float) -> str | None:
    """The MD5 NCBI publishes beside a release file (`<url>.md5`, "HEX  name"), or None when there is none."""
    try:
        with urllib.request.urlopen(url + ".md5", timeout=timeout) as resp:
            text = resp.read(4096).decode("ascii", "replace")
    except (urllib.error.URLError, OSError):
        return None
    token = text.split()[0] if text.split() else ""
    return token.lower() if _HEX["md5"].match(token) else None


def _md5_beside(path: Path) -> str | None:
    """The MD5 of a local release file's `.md5` companion (NCBI's "HEX  name" format), or None."""
    md5_file = Path(f"{path}.md5")
    tokens = md5_file.read_text(errors="replace").split() if md5_file.is_file() else []
    return tokens[0].lower() if tokens and _HEX["md5"].match(tokens[0]) else None


def verify(path: Path, what: str, sha256: str | None, md5: str | None, md5_source: str | None) -> str:
    """Check `path` against the given SHA-256 or the published MD5; returns how it was verified."""
    if sha256:
        if not _HEX["sha256"].match(sha256):
            raise InputError(f"--sha256 {sha256!r} is not a SHA-256 (64 hexadecimal digits)")
        got = digest(path, "sha256")
        if got != sha256.lower():
            raise InputError(f"{what}: SHA-256 {got} does not match the expected {sha256.lower()} — the file is "
                             "damaged or not the release you meant; refusing to build from it")
        return "sha256 given with --sha256"
    if md5:
        got = digest(path, "md5")
        if got != md5:
            raise InputError(f"{what}: MD5 {got} does not match {md5} published in {md5_source} — the download is "
                             "damaged or incomplete; refusing to build from it")
        return f"md5 published in {md5_source}"
    raise InputError(f"{what}: cannot be verified — no {md5_source or 'checksum'} was found beside it and no "
                     "--sha256 was given; refusing to build from an unverified file")


def check_clinvar_vcf(path: Path, what: str):
    """A gzipped ClinVar VCF of GRCh38, as NCBI publishes it; anything else is refused."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic != b"\x1f\x8b":
        raise InputError(f"{what}: not a gzipped VCF — expected NCBI's clinvar.vcf.gz (bgzip-compressed)")
    try:
        meta = header_lines(path)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(f"{what}: cannot be read as a gzipped VCF ({exc})") from exc
    if not meta or not meta[0].startswith("##fileformat=VCF"):
        raise InputError(f"{what}: no ##fileformat=VCF header line — not a VCF")
    if "##source=ClinVar" not in meta:
        raise InputError(f"{what}: no ##source=ClinVar header line — not NCBI's ClinVar VCF")
    reference = next((line for line in meta if line.startswith("##reference=")), None)
    if reference != "##reference=GRCh38":
        raise InputError(f"{what}: header {reference or 'has no ##reference= line'!r}, not ##reference=GRCh38 — "
                         f"use the GRCh38 file ({CLINVAR_RELEASE_URL})")


def update_clinvar(kb_dir: Path = GERMLINE_KB, url: str | None = None, file: Path | None = None,
                   sha256: str | None = None, timeout: float = 60) -> dict:
    """Download (or take) a ClinVar GRCh38 release, verify it, compile it into `kb_dir`; returns the
    manifest's `clinvar` entry. A local file is verified by --sha256 or by the `.md5` beside it."""
    if (url is None) == (file is None):
        raise InputError("kb-update clinvar: give either --url or --file")
    kb_dir = Path(kb_dir)
    with tempfile.TemporaryDirectory(prefix="genotailor-kb-update-") as tmp:
        tmp = Path(tmp)
        if url is not None:
            name = url.rstrip("/").rsplit("/", 1)[-1] or "clinvar.vcf.gz"
            source = download(url, tmp / name, timeout)
            md5 = None if sha256 else _published_md5(url, timeout)
            checked = verify(source, url, sha256, md5, url + ".md5")
        else:
            source = Path(file)
            if not source.is_file():
                raise InputError(f"{source}: file not found")
            checked = verify(source, str(source), sha256, None if sha256 else _md5_beside(source), f"{source}.md5")
        check_clinvar_vcf(source, url or str(source))
        staging = tmp / "kb"
        staging.mkdir()
        if (kb_dir / "manifest.json").is_file():
            shutil.copy(kb_dir / "manifest.json", staging / "manifest.json")
        build_clinvar(source, staging)
        manifest = json.loads((staging / "manifest.json").read_text())
        manifest["clinvar"]["update"] = {"from": url or "local file " + source.name, "verified_by": checked}
        manifest["clinvar"] = dict(sorted(manifest["clinvar"].items()))
        _complete(kb_dir, staging, manifest)
        dump_json(dict(sorted(manifest.items())), staging / "manifest.json")
        kb_dir.mkdir(parents=True, exist_ok=True)
        for name in (CLINVAR_TABLE, CLINVAR_TABLE + ".tbi", "manifest.json"):
            shutil.copy(staging / name, kb_dir / name)
    return manifest["clinvar"]


def _complete(kb_dir: Path, staging: Path, manifest: dict):
    """A new folder gets the shipped panels and ACMG SF list beside the ClinVar table, so it is a whole
    germline knowledge base (`genotailor germline --kb DIR`)."""
    if kb_dir.resolve() == GERMLINE_KB.resolve():
        return
    shipped = json.loads((GERMLINE_KB / "manifest.json").read_text())
    kb_dir.mkdir(parents=True, exist_ok=True)
    for name in ("panels.yaml", ACMG_SF):
        if not (kb_dir / name).exists():
            shutil.copy(GERMLINE_KB / name, kb_dir / name)
            if name == ACMG_SF and "acmg_sf" not in manifest:
                manifest["acmg_sf"] = shipped["acmg_sf"]


CIVIC_COLUMNS = ("molecular_profile", "disease", "therapies", "evidence_type", "evidence_direction", "evidence_level",
                 "significance", "evidence_id")
_CIVIC_NAME = re.compile(r"^(\d{2}-[A-Z][a-z]{2}-\d{4})-ClinicalEvidenceSummaries\.tsv$")
ONCOLOGY_OUTPUTS = ("actionability.json", "oncotree.json", "build_report.json", "disease_oncotree_crosswalk.tsv",
                    "manifest.json")


def update_civic(kb_dir: Path, url: str | None = None, file: Path | None = None, sha256: str | None = None,
                 cgi: Path | None = None, civic_release: str | None = None, cgi_release: str | None = None,
                 timeout: float = 60) -> dict:
    """Rebuild the oncology knowledge base in `kb_dir` from a CIViC ClinicalEvidenceSummaries.tsv with the
    CGI table given and the OncoTree release and crosswalk the folder already holds. CIViC publishes no
    checksum beside its files, so a download needs --sha256; a local file is verified by --sha256 or a
    `.md5` beside it. Returns the build report."""
    from genotailor.kb.oncology import build_oncology_kb

    if (url is None) == (file is None):
        raise InputError("kb-update civic: give either --url or --file")
    kb_dir = Path(kb_dir)
    manifest_path = kb_dir / "manifest.json"
    if not manifest_path.is_file() or not (kb_dir / "oncotree.json").is_file():
        raise InputError(f"{kb_dir}: not an oncology knowledge base (manifest.json and oncotree.json needed: "
                         "the update reuses its OncoTree release) — build one with genotailor kb-build-oncology")
    old = json.loads(manifest_path.read_text())
    sources = {s["name"]: s for s in old.get("sources", [])}
    if cgi is None:
        raise InputError("kb-update civic: the oncology knowledge base merges CIViC with the Cancer Genome "
                         "Interpreter table — give it with --cgi (cgi_biomarkers_per_variant.tsv, release "
                         f"{sources.get('Cancer Genome Interpreter biomarkers', {}).get('release', '?')} in "
                         f"{manifest_path})")
    cgi_release = cgi_release or sources.get("Cancer Genome Interpreter biomarkers", {}).get("release")
    with tempfile.TemporaryDirectory(prefix="genotailor-kb-update-") as tmp:
        tmp = Path(tmp)
        if url is not None:
            name = url.rstrip("/").rsplit("/", 1)[-1]
            source = download(url, tmp / name, timeout)
            checked = verify(source, url, sha256, None, None)
        else:
            source = Path(file)
            if not source.is_file():
                raise InputError(f"{source}: file not found")
            checked = verify(source, str(source), sha256, None if sha256 else _md5_beside(source), f"{source}.md5")
        what = url or str(source)
        with open(source, encoding="utf-8", errors="replace") as fh:
            header = fh.readline().rstrip("\n").split("\t")
        missing = [c for c in CIVIC_COLUMNS if c not in header]
        if missing:
            raise InputError(f"{what}: not a CIViC ClinicalEvidenceSummaries.tsv (no column {', '.join(missing)})")
        m = _CIVIC_NAME.match(source.name)
        civic_release = civic_release or (m.group(1) if m else None)
        if not civic_release:
            raise InputError(f"{what}: the CIViC release is not in the file name (DD-Mon-YYYY-ClinicalEvidence"
                             "Summaries.tsv) — give it with --civic-release")
        civic_dir = tmp / "civic"
        civic_dir.mkdir()
        shutil.copy(source, civic_dir / f"{civic_release}-ClinicalEvidenceSummaries.tsv")
        tree = json.loads((kb_dir / "oncotree.json").read_text())
        oncotree = tmp / "oncotree.tsv"
        oncotree.write_text("code\tname\tparent\tmain_type\n" + "".join(
            f"{code}\t{name}\t{parent or ''}\t{main or ''}\n" for code, (name, parent, main) in tree["nodes"].items()))
        staging = tmp / "kb"
        result = build_oncology_kb(civic_dir, Path(cgi), oncotree, kb_dir / "disease_oncotree_crosswalk.tsv",
                                   staging, civic_release, cgi_release, tree["release"])
        manifest = result["manifest"]
        for s in manifest["sources"]:
            if s["name"] == "OncoTree":  # taken from the folder's own compiled tree, not a release file
                s["file"] = "oncotree.json (the release the knowledge base already held)"
                s["sha256"] = sha256_file(kb_dir / "oncotree.json")
        manifest["update"] = {"from": url or "local file " + source.name, "verified_by": checked}
        dump_json(manifest, staging / "manifest.json")
        for name in ONCOLOGY_OUTPUTS:
            shutil.copy(staging / name, kb_dir / name)
    return result["report"]

