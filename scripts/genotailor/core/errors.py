"""User-facing errors: raised anywhere, turned into a clear message (no traceback) at the CLI."""


class GenotailorError(Exception):
    """A problem the user can fix (bad input, bad config). The message says what and how."""

    exit_code = 2


class InputError(GenotailorError):
    """A problem in one input file; the message names the file."""


class SheetError(GenotailorError):
    """One or more problems in a sample sheet; all of them are listed, each on its own line."""

    def __init__(self, path, problems):
        self.path = str(path)
        self.problems = list(problems)
        lines = [f"sample sheet {self.path}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
