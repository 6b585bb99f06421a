"""stored text in Unicode NFC: names, titles, labels, motion texts, e-mail addresses

Forms now store text in NFC (app/text_input.py); this brings rows written before into the same
form, so that comparisons and uniqueness checks see one spelling of each text. NFC changes no
character's meaning, only how an accented letter is encoded. An e-mail address whose NFC form is
already another account's is left as it is (the unique index would refuse it).

Revision ID: e3b8c1d4f5a6
Revises: e3b8c5a1f0d2
Create Date: 2026-12-02 19:30:00.000000

"""
import json
import unicodedata
from typing import Any

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b8c1d4f5a6'
down_revision = 'e3b8c5a1f0d2'
branch_labels = None
depends_on = None

TEXT_COLUMNS = {
    "member": ("name_en", "name_fr", "clusters"),
    "user_account": ("display_name", "email"),
    "meeting": ("title_en", "title_fr"),
    "motion": ("title_en", "title_fr", "text_en", "text_fr"),
}


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    return value


def upgrade():
    bind = op.get_bind()
    for table_name, columns in TEXT_COLUMNS.items():
        table = sa.table(table_name, sa.column("id"), *(sa.column(c) for c in columns))
        for row in bind.execute(sa.select(table)).mappings().all():
            changed = {c: _nfc(row[c]) for c in columns if row[c] is not None and _nfc(row[c]) != row[c]}
            if table_name == "user_account" and "email" in changed:
                taken = bind.execute(sa.select(table.c.id).where(table.c.email == changed["email"])).first()
                if taken is not None:
                    del changed["email"]
            if changed:
                bind.execute(table.update().where(table.c.id == row["id"]).values(**changed))
    motions = sa.table("motion", sa.column("id"), sa.column("options_json"))
    for row in bind.execute(sa.select(motions)).mappings().all():
        options = json.loads(row["options_json"])
        if _nfc(options) != options:
            bind.execute(motions.update().where(motions.c.id == row["id"])
                         .values(options_json=json.dumps(_nfc(options), ensure_ascii=False)))


def downgrade():
    pass  # NFC is the same text; there is nothing to undo
