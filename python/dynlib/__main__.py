"""`python3 -m dynlib ...`: the same command line as the `dynlib` executable (docs/cli.md)."""
import sys

from ._dynlib import run_cli


def main(argv=None):
    args = sys.argv[1:] if argv is None else list(argv)
    # CLI11 names the program after argv[0]; the executable's name keeps help and errors identical.
    return run_cli(["dynlib"] + args)


if __name__ == "__main__":
    sys.exit(main())
