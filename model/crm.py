"""Clients and deals from Salesforce: Account, Contact, Opportunity (Deal)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from model.base import SyncedRecord, record_keys


class Account(SyncedRecord, table=True):
    __tablename__ = "account"
    __table_args__ = record_keys("account")

    name: str = Field(max_length=512)
    owner_external_id: str | None = Field(default=None, max_length=255)


class Contact(SyncedRecord, table=True):
    __tablename__ = "contact"
    __table_args__ = (*record_keys("contact"), sa.Index("ix_contact_email", "email"))

    name: str = Field(default="", max_length=512)
    email: str | None = Field(default=None, max_length=320)
    account_external_id: str | None = Field(default=None, max_length=255)
    owner_external_id: str | None = Field(default=None, max_length=255)


class Deal(SyncedRecord, table=True):
    """A Salesforce Opportunity; `is_won` only means something when `is_closed`."""

    __tablename__ = "deal"
    __table_args__ = (*record_keys("deal"), sa.Index("ix_deal_won_close", "is_won", "close_on"))

    name: str = Field(max_length=512)
    account_external_id: str | None = Field(default=None, max_length=255)
    stage: str = Field(default="", max_length=255)
    is_closed: bool = False
    is_won: bool = False
    close_on: date | None = None
    amount: float | None = None
    owner_external_id: str | None = Field(default=None, max_length=255)
