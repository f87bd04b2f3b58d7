"""A page of review cards asks what a person may do with one query per kind, not two per card,
and gets exactly what :func:`choices_for` says card by card."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import Session

from studio.brand.guidelines import BrandCatalog
from studio.core.models import VariantStatus
from studio.review import workflow as review

S = VariantStatus


def test_choices_for_a_page_match_choices_card_by_card(
    session: Session, variant_factory, catalog: BrandCatalog
):
    variants = [
        variant_factory(status=S.in_review),
        variant_factory(status=S.in_review, created_by="bea"),  # four-eyes: bea may not approve
        variant_factory(status=S.draft),
        variant_factory(status=S.approved),
    ]
    edited = variant_factory(status=S.changes_requested)
    review.edit_variant(
        session,
        variant_id=edited.id,
        actor="cara",
        fields={"headline": "A new headline"},
        guideline=catalog.get("halden-coffee").guideline,
    )
    session.commit()
    cards = [*variants, edited]
    for actor in ("bea", "cara", "ada"):
        one_by_one = {
            v.id: review.choices_for(session, variant=v, actor=actor, four_eyes=True) for v in cards
        }
        statements: list[str] = []

        def listener(*args: object, statements: list[str] = statements) -> None:
            statements.append(str(args[2]))

        event.listen(session.get_bind(), "before_cursor_execute", listener)
        try:
            page = review.choices_for_many(session, variants=cards, actor=actor, four_eyes=True)
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", listener)
        assert page == one_by_one
        # one for the person, one for newer revisions, one per four-eyes revision chain
        assert len(statements) <= 2 + len(cards), statements
    assert "four-eyes" in " ".join(
        review.choices_for_many(session, variants=cards, actor="bea", four_eyes=True)[
            variants[1].id
        ].notes
    )
    assert (
        review.choices_for_many(session, variants=[edited], actor="cara")[edited.id]
        .notes[0]
        .startswith("edited into variant")
    )
