"""Benchmark inputs: the sample-data model at enterprise size, written once and cached.

The respondents come from :func:`sample_data.generate.generate_large` (teams, roles, 21 items,
eNPS, 3 comment columns about 70% filled), so the benchmark analyses the same shape as the
committed sample. XLSX files are Microsoft Forms exports (shared strings, one header row), CSV
files Qualtrics exports (three header rows), both written by the sample generator itself.

Files are cached in ``benchmarks/data/`` (git-ignored) under a name holding the size, the seed
and a hash of the generator's source, so editing the generator never reuses a stale file.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
FORMATS = ("xlsx", "csv")


def generator_version() -> str:
    """Short hash of the sample generator's source: part of every cached file name."""
    import sample_data.comments
    import sample_data.generate

    h = hashlib.sha256()
    for mod in (sample_data.generate, sample_data.comments):
        h.update(Path(str(mod.__file__)).read_bytes())
    return h.hexdigest()[:10]


def dataset_path(n: int, seed: int, fmt: str, data_dir: Path = DATA_DIR) -> Path:
    if fmt not in FORMATS:
        raise ValueError(f"Unknown benchmark format {fmt!r}; use one of {', '.join(FORMATS)}.")
    return Path(data_dir) / f"survey_{n}_seed{seed}_{generator_version()}.{fmt}"


def dataset(
    n: int, seed: int, fmt: str, data_dir: Path = DATA_DIR, *, verbose: bool = True
) -> Path:
    """Path of the cached export with ``n`` respondents, generating it first if needed."""
    path = dataset_path(n, seed, fmt, data_dir)
    if path.exists():
        return path
    from sample_data.generate import generate_large, ms_forms_xlsx, qualtrics_csv

    t0 = time.perf_counter()
    if verbose:
        print(f"generating {n:,} respondents (seed {seed}) as {fmt.upper()} ...", flush=True)
    frame = generate_large(n, seed)
    data = ms_forms_xlsx(frame) if fmt == "xlsx" else qualtrics_csv(frame)
    del frame
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # atomic: an interrupted run never leaves a half-written cache file
    if verbose:
        print(
            f"  wrote {path.name} ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description="Write a cached benchmark export."
    )
    parser.add_argument("n", type=int, help="number of respondents")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=FORMATS, default="xlsx")
    args = parser.parse_args(argv)
    print(dataset(args.n, args.seed, args.format))
    return 0


if __name__ == "__main__":
    sys.exit(main())
