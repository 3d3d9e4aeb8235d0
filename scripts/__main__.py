"""Run the ClearPress command line: ``python -m scripts COMMAND``."""

from scripts.cli import main

if __name__ == "__main__":
    main()
