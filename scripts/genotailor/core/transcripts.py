"""Transcript models (MANE Select GFF3) and HGVS c./p. computed from them and the reference.

`bcftools csq` gives the consequence and, for SNVs, a protein change in its own notation; HGVS
c. and the HGVS p. of indels come from here. Coordinates: GRCh38, 1-based. Indels are shifted to
their 3'-most position in the transcript's direction (HGVS rule) before they are named.

A base the reference does not know (N, as in the demo reference outside its real windows) is
never guessed through: a protein change that would need it is returned as None with the reason.
"""

from __future__ import annotations

import gzip
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

CODON_TABLE = dict(zip(
    (a + b + c for a in "TCAG" for b in "TCAG" for c in "TCAG"),
    "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG",
))
THREE = {
    "A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu", "G": "Gly",
    "H": "His", "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe", "P": "Pro", "S": "Ser",
    "T": "Thr", "W": "Trp", "Y": "Tyr", "V": "Val", "*": "Ter",
}
_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")
MARGIN_CODONS = 30  # codons either side translated around an indel (room for the 3' shift)
UNRESOLVED = "the reference has no sequence (N) at the codons this change needs: protein change not computed"


def revcomp(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


def translate(cds: str) -> str:
    """Codons to one-letter amino acids; a codon with a base other than ACGT gives X."""
    return "".join(CODON_TABLE.get(cds[i:i + 3], "X") for i in range(0, len(cds) - len(cds) % 3, 3))


_THREE_WORDS = re.compile(r"delins|del|ins|dup|fs|ext|[ARNDCQEGHILKMFPSTWYV*]")


def three_letter(protein: str) -> str:
    """`p.V600E` -> `p.Val600Glu` (`=`, `fs`, `del`, `ins`, `dup`, `ext` and digits kept)."""
    body = protein[2:] if protein.startswith("p.") else protein
    out = _THREE_WORDS.sub(lambda m: THREE.get(m.group(0), m.group(0)), body)
    return ("p." if protein.startswith("p.") else "") + out


@dataclass
class Transcript:
    """One transcript: exons and CDS segments in genomic order (the CDS includes the stop codon)."""

    gene: str
    transcript_id: str
    refseq: str | None
    chrom: str
    strand: str
    exons: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, rank)
    cds: list[tuple[int, int]] = field(default_factory=list)

    @property
    def plus(self) -> bool:
        return self.strand == "+"

    # The layout below is computed once per transcript (after the models are loaded) and looked up
    # by bisection: every variant asks for it several times.
    @cached_property
    def _genomic_exons(self) -> list[tuple[int, int, int]]:
        """Exons in genomic order, each with the spliced-transcript position of its first base in
        the transcript's direction minus one."""
        ordered = sorted(self.exons, key=lambda e: e[0], reverse=not self.plus)
        offsets, n = {}, 0
        for start, end, _ in ordered:
            offsets[start] = n
            n += end - start + 1
        return [(start, end, offsets[start]) for start, end, _ in sorted(self.exons)]

    @cached_property
    def _exon_starts(self) -> list[int]:
        return [start for start, _, _ in self._genomic_exons]

    def _tx_pos(self, pos: int) -> int | None:
        """1-based position in the spliced transcript, or None when `pos` is not exonic."""
        i = bisect_right(self._exon_starts, pos) - 1
        if i < 0:
            return None
        start, end, before = self._genomic_exons[i]
        if pos > end:
            return None
        return before + (pos - start + 1 if self.plus else end - pos + 1)

    @cached_property
    def cds_start_tx(self) -> int:
        first = min(s for s, _ in self.cds) if self.plus else max(e for _, e in self.cds)
        return self._tx_pos(first)

    @cached_property
    def cds_length(self) -> int:
        return sum(e - s + 1 for s, e in self.cds)

    @cached_property
    def _sorted_cds(self) -> list[tuple[int, int]]:
        return sorted(self.cds)

    def exon_rank(self, pos: int) -> int | None:
        return next((rank for s, e, rank in self.exons if s <= pos <= e), None)

    def in_cds(self, pos: int) -> bool:
        segs = self._sorted_cds
        i = bisect_right(segs, (pos, float("inf"))) - 1
        return i >= 0 and segs[i][0] <= pos <= segs[i][1]

    def _c_exonic(self, tx: int) -> str:
        c = tx - self.cds_start_tx + 1
        if c < 1:
            return f"-{1 - c}"
        if c > self.cds_length:
            return f"*{c - self.cds_length}"
        return str(c)

    def c_pos(self, pos: int) -> str | None:
        """HGVS c. position of a genomic position (`1799`, `1742-1`, `-15`, `*3`, `1860+25`), or None
        outside the transcript."""
        tx = self._tx_pos(pos)
        if tx is not None:
            return self._c_exonic(tx)
        exons = self._genomic_exons
        for (s1, e1, _), (s2, e2, _) in zip(exons, exons[1:]):
            if e1 < pos < s2:
                up, down = pos - e1, s2 - pos  # distances to the exon ends on the genome's left and right
                if self.plus:
                    return (f"{self._c_exonic(self._tx_pos(e1))}+{up}" if up <= down
                            else f"{self._c_exonic(self._tx_pos(s2))}-{down}")
                return (f"{self._c_exonic(self._tx_pos(s2))}+{down}" if down <= up
                        else f"{self._c_exonic(self._tx_pos(e1))}-{up}")
        return None

    def cds_genomic(self, c: int) -> int:
        """Genomic position of CDS base c (1-based)."""
        segs = sorted(self.cds, reverse=not self.plus)
        for s, e in segs:
            n = e - s + 1
            if c <= n:
                return s + c - 1 if self.plus else e - c + 1
            c -= n
        raise ValueError("c. position beyond the CDS")

    def cds_index(self, pos: int) -> int | None:
        """CDS base number (1-based) of a genomic position inside the CDS."""
        if not self.in_cds(pos):
            return None
        return self._tx_pos(pos) - self.cds_start_tx + 1

    def _cds_plus(self, fasta) -> str:
        """The whole CDS, plus strand, genomic order: read once per transcript and reference (one
        fetch per CDS segment), not one base at a time for every variant."""
        cache = self.__dict__.setdefault("_cds_by_reference", {})
        key = fasta.filename
        if key not in cache:
            cache[key] = "".join(fasta.fetch(self.chrom, s - 1, e).upper() for s, e in sorted(self.cds))
        return cache[key]

    def after_cds(self, fasta) -> str:
        """The spliced bases after the stop codon (the 3' UTR) in the transcript's direction."""
        last = self.cds_genomic(self.cds_length)
        if self.plus:
            parts = [(max(s, last + 1), e) for s, e, _ in sorted(self.exons) if e > last]
            return "".join(fasta.fetch(self.chrom, s - 1, e).upper() for s, e in parts)
        parts = [(s, min(e, last - 1)) for s, e, _ in sorted(self.exons, reverse=True) if s < last]
        return "".join(revcomp(fasta.fetch(self.chrom, s - 1, e).upper()) for s, e in parts)

    def cds_sequence(self, fasta, c_from: int, c_to: int) -> str:
        """CDS bases c_from..c_to (clipped to the CDS) in the transcript's direction."""
        c_from, c_to = max(1, c_from), min(self.cds_length, c_to)
        if c_to < c_from:
            return ""
        seq = self._cds_plus(fasta)
        if self.plus:
            return seq[c_from - 1:c_to]
        n = len(seq)  # CDS base c of a minus-strand transcript is plus-strand base n - c + 1
        return seq[n - c_to:n - c_from + 1][::-1].translate(_COMPLEMENT)


def _attrs(text: str) -> dict:
    return dict(kv.split("=", 1) for kv in text.strip().split(";") if "=" in kv)


def _attr(text: str, key: str) -> str | None:
    """One attribute of a GFF3 column 9, without splitting the others (exon and CDS lines are
    most of the file and need one or two keys each)."""
    k = key + "="
    if text.startswith(k):
        i = len(k)
    else:
        i = text.find(";" + k)
        if i < 0:
            return None
        i += len(k) + 1
    j = text.find(";", i)
    return (text[i:] if j < 0 else text[i:j]).rstrip("\n")


@lru_cache(maxsize=4)
def load_models(gff_path) -> dict[str, Transcript]:
    """Transcripts of an Ensembl-style GFF3 (gene / mRNA / exon / CDS), keyed by transcript id."""
    opener = gzip.open if str(gff_path).endswith(".gz") else open
    genes, tx = {}, {}
    with opener(Path(gff_path), "rt") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            f = line.split("\t", 8)
            if len(f) < 9:
                continue
            kind = f[2]
            if kind == "exon" or kind == "CDS":
                t = tx.get((_attr(f[8], "Parent") or "").split(":", 1)[-1])
                if t is None:
                    continue
                if kind == "exon":
                    t.exons.append((int(f[3]), int(f[4]), int(_attr(f[8], "rank") or 0)))
                else:
                    t.cds.append((int(f[3]), int(f[4])))
            elif kind == "gene":
                a = _attrs(f[8])
                genes[a["ID"]] = a.get("Name")
            elif kind == "mRNA":
                a = _attrs(f[8])
                tid = a["ID"].split(":", 1)[1]
                tx[tid] = Transcript(genes.get(a["Parent"]), tid, a.get("refseq_nuc"), f[0], f[6])
    return {k: v for k, v in tx.items() if v.cds}


def models_by_gene(gff_path) -> dict[str, Transcript]:
    return {t.gene: t for t in load_models(gff_path).values()}


# ----------------------------------------------------------------------------- HGVS c.

def _shift_3prime(fasta, t: Transcript, start: int, seq: str, deletion: bool) -> tuple[int, str]:
    """Shift an indel to its 3'-most place in the transcript's direction.

    Deletion: `seq` occupies start..start+len-1. Insertion: `seq` goes between start-1 and start.
    Returns the new start and the (rotated) sequence, both on the plus strand.
    """
    limit = 500
    if t.plus:
        for _ in range(limit):
            nxt = start + len(seq) if deletion else start
            base = fasta.fetch(t.chrom, nxt - 1, nxt).upper()
            if base != seq[0] or base == "N":
                break
            seq, start = seq[1:] + base, start + 1
    else:
        for _ in range(limit):
            prev = start - 1
            base = fasta.fetch(t.chrom, prev - 1, prev).upper()
            if base != seq[-1] or base == "N":
                break
            seq, start = base + seq[:-1], start - 1
    return start, seq


def _range(t: Transcript, a: int, b: int) -> str:
    """c. range of genomic a..b (a <= b) written 5'→3' in the transcript."""
    ca, cb = t.c_pos(a), t.c_pos(b)
    if ca is None or cb is None:
        return None
    if not t.plus:
        ca, cb = cb, ca
    return ca if a == b else f"{ca}_{cb}"


def hgvs_c(fasta, t: Transcript, pos: int, ref: str, alt: str) -> str | None:
    """HGVS c. of a VCF allele on transcript `t` (None when it lies outside the transcript)."""
    strand = (lambda s: s) if t.plus else revcomp
    # trim the shared first base of a VCF indel, then any shared suffix/prefix
    while ref and alt and ref[-1] == alt[-1] and len(ref) > 1 and len(alt) > 1:
        ref, alt = ref[:-1], alt[:-1]
    while ref and alt and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    if ref and alt:
        if len(ref) == 1 and len(alt) == 1:
            c = t.c_pos(pos)
            return None if c is None else f"c.{c}{strand(ref)}>{strand(alt)}"
        r = _range(t, pos, pos + len(ref) - 1)
        return None if r is None else f"c.{r}delins{strand(alt)}"
    if ref:  # deletion of ref at pos..
        start, seq = _shift_3prime(fasta, t, pos, ref, deletion=True)
        r = _range(t, start, start + len(seq) - 1)
        return None if r is None else f"c.{r}del"
    # insertion of alt between pos-1 and pos
    start, seq = _shift_3prime(fasta, t, pos, alt, deletion=False)
    n = len(seq)
    if t.plus:
        before = fasta.fetch(t.chrom, start - 1 - n, start - 1).upper()
        if before == seq:
            r = _range(t, start - n, start - 1)
            return None if r is None else f"c.{r}dup"
    else:
        after = fasta.fetch(t.chrom, start - 1, start - 1 + n).upper()
        if after == seq:
            r = _range(t, start, start + n - 1)
            return None if r is None else f"c.{r}dup"
    r = _range(t, start - 1, start)
    return None if r is None else f"c.{r}ins{strand(seq)}"


# ----------------------------------------------------------------------------- HGVS p.

@dataclass(frozen=True)
class ProteinChange:
    hgvs_p: str | None  # one-letter, `p.V600E`
    hgvs_p3: str | None  # three-letter, `p.Val600Glu`
    codon: int | None  # first affected amino-acid position
    note: str | None = None  # why there is no protein change


def _none(note, codon=None) -> ProteinChange:
    return ProteinChange(None, None, codon, note)


def _done(one: str, codon: int) -> ProteinChange:
    return ProteinChange(one, three_letter(one), codon)


def _extension(fasta, t: Transcript, n: int, aa: str) -> ProteinChange:
    """HGVS p. of stop codon `n` changed to amino acid `aa`: the protein runs on into the 3' UTR to
    its first in-frame stop, numbered from the codon after the old stop (`p.*1069Cext*4`); `ext*?`
    when the UTR has no stop in frame or a base before it is unknown (HGVS: new stop not known)."""
    tail = translate(t.after_cds(fasta))
    stop = next((k for k, x in enumerate(tail, 1) if x in "*X"), None)
    known = stop is not None and tail[stop - 1] == "*"
    return _done(f"p.*{n}{aa}ext*{stop if known else '?'}", n)


def _snv_p(fasta, t: Transcript, pos: int, ref: str, alt: str) -> ProteinChange:
    """The single-base substitution case of `hgvs_p` (most somatic variants): its one codon only,
    named exactly as the general path below names it."""
    c = t.cds_index(pos)
    if c is None:
        return _none("the change leaves the coding sequence (splice region or UTR): no protein change computed")
    n = (c - 1) // 3 + 1
    codon = t.cds_sequence(fasta, (n - 1) * 3 + 1, n * 3)
    k = (c - 1) % 3
    new = codon[:k] + (alt if t.plus else revcomp(alt)) + codon[k + 1:]
    ref_aa, alt_aa = translate(codon), translate(new)
    if "X" in ref_aa or "X" in alt_aa or not ref_aa:
        return _none(UNRESOLVED, n)
    if ref_aa == alt_aa:
        return _done(f"p.{ref_aa}{n}=", n)
    if ref_aa == "M" and n == 1:
        return _done("p.M1?", 1)
    if ref_aa == "*":
        return _extension(fasta, t, n, alt_aa)
    return _done(f"p.{ref_aa}{n}{alt_aa}", n)


def hgvs_p(fasta, t: Transcript, pos: int, ref: str, alt: str) -> ProteinChange:
    """HGVS p. of a VCF allele whose changed bases all lie in the CDS (other cases: `_none`)."""
    while ref and alt and ref[-1] == alt[-1] and len(ref) > 1 and len(alt) > 1:
        ref, alt = ref[:-1], alt[:-1]
    while ref and alt and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    if len(ref) == 1 and len(alt) == 1:
        return _snv_p(fasta, t, pos, ref, alt)
    span = range(pos, pos + len(ref)) if ref else range(pos - 1, pos + 1)
    idx = [t.cds_index(p) for p in span]
    if any(i is None for i in idx) and ref:
        return _none("the change leaves the coding sequence (splice region or UTR): no protein change computed")
    if not ref and (idx[0] is None or idx[1] is None):
        return _none("insertion at a coding-sequence edge: no protein change computed")
    c_lo, c_hi = min(idx), max(idx)
    first_codon = (c_lo - 1) // 3 + 1
    if not ref:  # insertion after c_lo (transcript order) -> new bases between c_lo and c_lo+1
        ins = alt if t.plus else revcomp(alt)
        c_lo, c_hi = min(idx), min(idx)  # insert after CDS base c_lo
        del_len, ins_seq = 0, ins
        first_codon = (c_lo) // 3 + 1
    else:
        del_len, ins_seq = len(ref), (alt if t.plus else revcomp(alt))
    margin = 0 if ref and len(ref) == len(alt) else MARGIN_CODONS  # substitutions need only their codons
    w_from = max(1, (first_codon - margin - 1) * 3 + 1)
    w_to = min(t.cds_length, ((c_hi - 1) // 3 + 1 + margin) * 3)
    window = t.cds_sequence(fasta, w_from, w_to)
    off = w_from - 1  # CDS base number before the window
    if ref:
        a = c_lo - 1 - off
        mutated = window[:a] + ins_seq + window[a + del_len:]
    else:
        a = c_lo - off
        mutated = window[:a] + ins_seq + window[a:]
    ref_aa, alt_aa = translate(window), translate(mutated)
    codon0 = off // 3  # amino acids before the window
    frameshift = (len(ins_seq) - del_len) % 3 != 0
    # the first amino acid that differs
    i = 0
    while i < min(len(ref_aa), len(alt_aa)) and ref_aa[i] == alt_aa[i]:
        i += 1
    if frameshift:
        if i >= len(ref_aa) or "X" in ref_aa[: i + 1] or "X" in alt_aa[: i + 1]:
            return _none(UNRESOLVED, first_codon)
        if ref_aa[i] == "*":
            return _none("frameshift at the stop codon: not named", first_codon)
        return _done(f"p.{ref_aa[i]}{codon0 + i + 1}fs", codon0 + i + 1)
    if ref_aa == alt_aa:
        k = (c_lo - 1) // 3 - codon0
        if "X" in ref_aa[k:k + 1]:
            return _none(UNRESOLVED, first_codon)
        return _done(f"p.{ref_aa[k]}{codon0 + k + 1}=", codon0 + k + 1)
    # trim the common suffix too: ref_aa[i:j_r] became alt_aa[i:j_a]
    j_r, j_a = len(ref_aa), len(alt_aa)
    while j_r > i and j_a > i and ref_aa[j_r - 1] == alt_aa[j_a - 1]:
        j_r, j_a = j_r - 1, j_a - 1
    removed, added = ref_aa[i:j_r], alt_aa[i:j_a]
    if "X" in removed or "X" in added or "X" in ref_aa[max(0, i - 1): j_r + 1]:
        return _none(UNRESOLVED, first_codon)
    n = codon0 + i + 1  # protein position of ref_aa[i]

    def aa(k):  # one-letter amino acid at window index k, with its protein number
        return f"{ref_aa[k]}{codon0 + k + 1}"

    if len(removed) == 1 and len(added) == 1:
        if removed == "M" and n == 1:
            return _done("p.M1?", 1)
        if removed == "*":
            return _extension(fasta, t, n, added)
        return _done(f"p.{removed}{n}{added}", n)
    if added and "*" in added and added.index("*") == 0 and removed:
        return _done(f"p.{removed[0]}{n}*", n)
    if removed and not added:  # in-frame deletion: shift to the 3'-most equivalent place
        s, e = i, j_r - 1
        while e + 1 < len(ref_aa) and ref_aa[e + 1] == ref_aa[s] and ref_aa[e + 1] not in "X*":
            s, e = s + 1, e + 1
        text = f"p.{aa(s)}del" if s == e else f"p.{aa(s)}_{aa(e)}del"
        return _done(text, codon0 + s + 1)
    if added and not removed:  # in-frame insertion between ref_aa[i-1] and ref_aa[i]
        k, seq = i, added
        while k < len(ref_aa) and ref_aa[k] == seq[0] and ref_aa[k] not in "X*":
            seq, k = seq[1:] + seq[0], k + 1
        m = len(seq)
        if k - m >= 0 and ref_aa[k - m:k] == seq:
            text = f"p.{aa(k - m)}dup" if m == 1 else f"p.{aa(k - m)}_{aa(k - 1)}dup"
            return _done(text, codon0 + k - m + 1)
        if k == 0 or k >= len(ref_aa):
            return _none(UNRESOLVED, first_codon)
        return _done(f"p.{aa(k - 1)}_{aa(k)}ins{seq}", codon0 + k)
    first, last = aa(i), aa(j_r - 1)
    text = f"p.{first}delins{added}" if i == j_r - 1 else f"p.{first}_{last}delins{added}"
    return _done(text, n)
