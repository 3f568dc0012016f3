"""`genotailor somatic-annotate`: a tumour's somatic calls against the cancer knowledge base."""

from __future__ import annotations


def register(sub):
    p = sub.add_parser("somatic-annotate", help="match a tumour's somatic calls to the cancer hotspot knowledge base")
    p.add_argument("--vcf", required=True, help="normalized tumour VCF")
    p.add_argument("--hotspots", required=True)
    p.add_argument("--json", required=True)
    p.set_defaults(func=_somatic_annotate)


def _somatic_annotate(args):
    import json
    from pathlib import Path

    from genotailor.oncology.hotspots import annotate

    Path(args.json).write_text(json.dumps(annotate(args.vcf, args.hotspots), indent=1, sort_keys=True) + "\n")
    return 0
