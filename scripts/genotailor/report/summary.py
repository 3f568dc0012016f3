"""The report's first page: what to do differently for this patient, what could not be assessed,
and the quality-control status. Each section contributes its own lines (`Section.summarize`);
this module adds the QC lines, ranks actionable lines across sections and groups the rest."""

from __future__ import annotations

from genotailor.report import words
from genotailor.report.sections import SECTIONS
from genotailor.report.sections.base import SUMMARY_KINDS, anchor, line


def qc_lines(report: dict) -> list[dict]:
    """One line per sample that failed QC (with the failed gates in words), one per sample whose
    QC could not be assessed, and one overall QC status line."""
    out = []
    statuses = []
    for s in report["samples"]:
        q = report["qc"][s["id"]]
        statuses.append(q["status"])
        if q["status"] == "fail":
            gates = [g for g in q.get("gates", []) if g["status"] == "fail"]
            detail = "; ".join(f"{words.word(words.METRIC, g['metric'])} {words.metric_value(g['metric'], g['value'])} "
                               f"({words.gate_threshold(g)})" for g in gates)
            out.append(line("qc", "not_assessed", f"Sample {s['id']} failed quality control — {detail}. Its results "
                            "must not guide treatment without review or re-sequencing.", 0, anchor("sample", s["id"])))
        elif q["status"] == "not_assessed":
            out.append(line("qc", "not_assessed", f"Sample {s['id']}: read-level quality control not assessed — "
                            "it was entered as a VCF called elsewhere.", 90, anchor("sample", s["id"])))
    return out


def qc_status(report: dict) -> str:
    counts = {}
    for s in report["samples"]:
        st = report["qc"][s["id"]]["status"]
        counts[st] = counts.get(st, 0) + 1
    n = len(report["samples"])
    if counts.get("fail"):
        return f"Quality control: {counts['fail']} of {n} sample{'s' if n > 1 else ''} FAILED (see below)."
    if counts.get("warn"):
        return f"Quality control: passed with warnings for {counts['warn']} of {n} sample{'s' if n > 1 else ''}."
    if counts.get("pass") == n:
        return f"Quality control: {'both samples' if n == 2 else f'all {n} samples' if n > 2 else 'the sample'} passed."
    return "Quality control: " + "; ".join(f"{s['id']}: {words.word(words.QC_STATUS, report['qc'][s['id']]['status']).lower()}"
                                          for s in report["samples"]) + "."


def failed_samples(report: dict) -> list[str]:
    """The samples of the report that failed quality control, in the sheet's order."""
    return [s["id"] for s in report["samples"] if report["qc"][s["id"]]["status"] == "fail"]


# Said only when every result was assessed and none changes standard practice.
NOTHING_TO_CHANGE = "No result in this report calls for a change from standard practice."


def conclusion(report: dict, unsettled: list[str], actionable: bool, not_assessed: bool) -> str | None:
    """The sentence above the actionable lines: what cannot be concluded and why. A failed sample
    or a result that is indeterminate or not assessed is named, and the report never says then
    that nothing calls for a change; None when actionable lines say it all."""
    failed = failed_samples(report)
    unsettled_text = words.and_list(unsettled) if unsettled else ""
    if failed:
        who = f"Sample {failed[0]}" if len(failed) == 1 else f"Samples {words.and_list(failed)}"
        text = f"{who} failed quality control: {'its' if len(failed) == 1 else 'their'} results are not reliable"
        if unsettled_text:
            text += f"; {unsettled_text}"
        return text + "; no conclusion about standard practice can be drawn."
    if unsettled_text:
        text = f"Not settled: {unsettled_text} — no conclusion can be drawn for what depends on them."
        if not actionable:
            text = "None of the results that were assessed calls for a change from standard practice. " + text
        return text
    if actionable:
        return None
    if not_assessed:
        return ("None of the results that were assessed calls for a change from standard practice; what was not "
                "assessed is listed below.")
    return NOTHING_TO_CHANGE


def build_summary(report: dict, patient) -> dict:
    """{conclusion, actionable, result, standard, not_assessed: [lines], qc_status: text};
    actionable lines ranked across sections, the others in section order."""
    lines, unsettled = [], []
    for section in SECTIONS:
        lines += section.summarize(report, patient)
        unsettled += section.unsettled(report, patient)
    lines += qc_lines(report)
    summary = {kind: [dict(ln) for ln in lines if ln["kind"] == kind] for kind in SUMMARY_KINDS}
    summary["actionable"].sort(key=lambda ln: (ln["rank"], ln["text"]))
    summary["not_assessed"].sort(key=lambda ln: ln["rank"])
    for kind in SUMMARY_KINDS:
        for ln in summary[kind]:
            del ln["kind"]
    summary["qc_status"] = qc_status(report)
    summary["conclusion"] = conclusion(report, unsettled, bool(summary["actionable"]), bool(summary["not_assessed"]))
    return summary
