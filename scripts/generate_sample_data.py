"""Generate the sample ledger history in sample_data/ledgers/ (fictional data shaped on the seed article).

    python scripts/generate_sample_data.py            # writes sample_data/ledgers/<YYYY-MM-DD>/...
    python scripts/generate_sample_data.py --out DIR  # somewhere else
    python scripts/generate_sample_data.py --check    # print the story figures of the in-memory model

Deterministic: a fixed seed, fixed workbook metadata, so two runs give byte-identical files.

The history, read through loaders.reader.read_ledger with report_date = folder date, tells the story of the
article (China Construction News, 2022-06-01) on Qingdao's 2022-2024 old-community renovation programme:
- weekly ledgers (every Friday 2021-01-08 .. 2022-05-27, every other month end, 2022-05-31) for the 2021 batch,
  and for the 2022 batch from October 2021 on;
- a plan workbook dated 2021-09-30 listing the 1,108 communities of 2022-2024;
- 2022 batch: 318 communities, 300 started by 2022-05-31 (莱西市's last ledger is 2022-05-20),
  273 consulted and 216 designed by 2021-12-31, 7.0亿元 completed by 2022-04-30 (2021 batch: 1.2亿元 by
  2021-04-30), 120 bundled projects, 100 elevators.

The steps are modules of scripts/sample_generator/ (see its __init__). Each district keeps one file style across weeks (title rows, merged two-row headers, header synonyms, units,
date spellings, subtotal rows, district aliases, coordinate systems, GBK / UTF-8-BOM CSV) so that the sample
history exercises the reader.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent, HERE):        # the project (loaders) and this folder (sample_generator)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from sample_generator.model import Model  # noqa: E402
from sample_generator.story import DEFAULT_OUT  # noqa: E402
from sample_generator.writers import generate  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="print the story figures of the model and exit")
    args = ap.parse_args(argv)
    model = Model()
    if args.check:
        for k, v in model.story().items():
            print(f"{k}: {v}")
        return 0
    if args.out.exists():
        for child in sorted(args.out.iterdir()):
            if child.is_dir() and len(child.name) == 10 and child.name[4] == "-":
                shutil.rmtree(child)
    files = generate(args.out, model=model)
    size = sum(p.stat().st_size for p in files)
    print(f"wrote {len(files)} files, {size / 1e6:.1f} MB, under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
