"""Alias of ``benchmarks.atlas_erjr`` (the ATLAS SUSY-2018-06 3L eRJR pool-scan benchmark)."""

from benchmarks.atlas_erjr import main

if __name__ == "__main__":
    main()
