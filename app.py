"""Hugging Face Space entry point: ``python app.py`` launches the SkeletonContext demo."""

from demo.app import main

if __name__ == "__main__":
    raise SystemExit(main())
