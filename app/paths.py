from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
