from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, db, enum_column, utcnow
from lms.hospitals.network import PROVINCES_BY_CODE, Tier


class Hospital(db.Model):
    __tablename__ = "hospitals"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The network's own code for the hospital, used by imports and exports.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    tier: Mapped[Tier] = mapped_column(enum_column(Tier, "tier"), index=True)
    #: GB/T 2260 code of the province (``lms.hospitals.network.PROVINCES``).
    province_code: Mapped[str] = mapped_column(sa.String(2), index=True)
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users = relationship("User", back_populates="hospital", lazy="dynamic")

    __table_args__ = (
        sa.CheckConstraint("length(code) > 0", name="code_not_empty"),
        sa.CheckConstraint("length(province_code) = 2", name="province_code_length"),
    )

    @property
    def province(self):
        return PROVINCES_BY_CODE.get(self.province_code)

    def display_name(self, language):
        """The name in the interface language (Chinese when no English name)."""
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def __repr__(self):
        return f"<Hospital {self.id} {self.code} {self.name_zh!r} {self.tier.value}>"
