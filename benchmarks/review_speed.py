"""Print how long sign-in hashing and review decisions take (SQLite in a temp folder; or the
database at STUDIO_BENCH_DATABASE_URL, e.g. a PostgreSQL server's empty database).

    .venv/bin/python benchmarks/review_speed.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from studio.copy import variants as variant_queries
from studio.core.database import get_engine, upgrade
from studio.core.models import Role, Variant, VariantStatus
from studio.review import account_queries as user_queries
from studio.review import accounts as auth
from studio.review import workflow as review

N_VARIANTS = 300


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    url = (
        os.environ.get("STUDIO_BENCH_DATABASE_URL")
        or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    )
    upgrade(url)
    hashes = timed(lambda: auth.hash_password("a long enough passphrase"), 10)
    stored = auth.hash_password("a long enough passphrase")
    verifies = timed(lambda: auth.verify_password(stored, "a long enough passphrase"), 10)
    print(f"argon2id hash:   median {statistics.median(hashes) * 1000:.0f} ms (10 runs)")
    print(f"argon2id verify: median {statistics.median(verifies) * 1000:.0f} ms (10 runs)")

    with Session(get_engine(url), expire_on_commit=False) as session:
        for name, role in (("cara", Role.creative), ("bea", Role.brand_manager)):
            user_queries.add_user(
                session, username=name, display_name=name, role=role, password_hash=stored
            )
        campaign = variant_queries.create_campaign(
            session,
            brand="halden-coffee",
            name="bench",
            objective="traffic",
            landing_url="https://haldencoffee.example",
            created_by="cara",
        )
        rows = [
            Variant(
                campaign_id=campaign.id,
                brand="halden-coffee",
                persona="home-baristas",
                channel="meta_feed",
                fields={"headline": f"Roast {i}"},
                status=VariantStatus.in_review,
                backend="offline",
                model="m",
                seed=i,
                prompt_template="t",
                prompt_hash="0" * 64,
                created_by="cara",
            )
            for i in range(2 * N_VARIANTS)
        ]
        session.add_all(rows)
        session.commit()
        ids = [r.id for r in rows]

        start = time.perf_counter()
        for vid in ids[:N_VARIANTS]:
            review.approve(session, variant_id=vid, actor="bea", expected_lock_version=1)
            session.commit()
        one_by_one = time.perf_counter() - start

        start = time.perf_counter()
        result = review.bulk_act(
            session, action="approve", actor="bea", variants=dict.fromkeys(ids[N_VARIANTS:], 1)
        )
        session.commit()
        bulk = time.perf_counter() - start
    assert not result.failed
    print(
        f"approve one at a time, commit each: {N_VARIANTS / one_by_one:.0f} variants/s "
        f"({one_by_one / N_VARIANTS * 1000:.1f} ms each) on {url.split(':')[0]}"
    )
    print(
        f"bulk approve {N_VARIANTS} in one transaction: {bulk:.2f} s ({N_VARIANTS / bulk:.0f} variants/s)"
    )


if __name__ == "__main__":
    main()
