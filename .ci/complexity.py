"""No function in csmetrics/ has a cyclomatic complexity above 15, as radon measures it.

A function may exceed the limit only when its ``def`` line (or the line above it) carries a
comment ``# complexity: <why>``. Exit 1 listing every other function over the limit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from radon.complexity import cc_visit

LIMIT = 15
ROOT = Path(__file__).resolve().parent.parent


def _explained(lines: list[str], lineno: int) -> bool:
    nearby = lines[max(lineno - 2, 0) : lineno]
    return any("# complexity:" in line for line in nearby)


def main() -> int:
    over = []
    for path in sorted((ROOT / "csmetrics").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for block in cc_visit(text):
            if block.complexity > LIMIT and not _explained(lines, block.lineno):
                over.append(
                    f"{path.relative_to(ROOT)}:{block.lineno} {block.fullname} has complexity {block.complexity}"
                )
    for line in over:
        print(line)
    if over:
        print(f"{len(over)} function(s) above complexity {LIMIT}: split them, or say why with '# complexity: ...'")
        return 1
    print(f"complexity: every function in csmetrics/ is at most {LIMIT} (radon)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
