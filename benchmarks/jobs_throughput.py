"""Print how many job items per second one ``studio worker`` (local executor) finishes.

Run from the repository root::

    .venv/bin/python benchmarks/jobs_throughput.py [--items 200] [--renders 20] [--database-url URL]

On a fresh database (a temp SQLite file unless ``--database-url`` names an empty, migrated
PostgreSQL database), with the test accounts and the example brand halden-coffee:

1. queue overhead: ``--items`` reweight items (each a real decision on a 2-arm test with no
   delivery: a few queries and two rows), run by one in-process worker with the local executor,
   for claim sizes 1 and 8: items/s and milliseconds per item, claim + heartbeat + commit included;
2. render: ``--renders`` meta_feed variants rendered at 10 % of the platform sizes, images only
   (three PNGs per variant with the offline backend, compositor and brand QC): items/s.

The load average is printed alongside: wall time depends on who else uses the machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        os.environ["STUDIO_DATABASE_URL"] = url
        os.environ["STUDIO_ASSET_DIR"] = str(Path(scratch) / "assets")
        os.environ["STUDIO_BRAND_DIR"] = str(REPO / "brand_guidelines")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")

        from sqlmodel import Session

        from studio.core.database import get_engine, upgrade
        from studio.jobs import queue
        from studio.jobs.executors import get_executor
        from studio.jobs.worker import Worker
        from tests.factories import make_campaign, make_test, make_variant
        from tests.people import add_people

        upgrade(url)
        with Session(get_engine(url), expire_on_commit=False) as session:
            add_people(session)
            tests = [make_test(session, n=2).id for _ in range(2)]

        print(f"database: {url.split('://')[0]}; load average {os.getloadavg()[0]:.2f}")
        for claim_size in (1, 8):
            with Session(get_engine(url), expire_on_commit=False) as session:
                for _ in range(args.items // 2):
                    queue.submit(
                        session, kind="reweight", params={"experiment_ids": tests}, actor="mia"
                    )
                session.commit()
            worker = Worker(
                url, get_executor("local"), name=f"bench-{claim_size}", claim_size=claim_size
            )
            start = time.perf_counter()
            done = worker.run(once=True)
            seconds = time.perf_counter() - start
            print(
                f"reweight items, claim {claim_size}: {done} items in {seconds:.2f} s = "
                f"{done / seconds:.1f} items/s ({1000 * seconds / done:.1f} ms per item)"
            )

        with Session(get_engine(url), expire_on_commit=False) as session:
            campaign = make_campaign(session)
            ids = [
                make_variant(session, campaign_id=campaign, headline=f"Fresh beans {k}", seed=k).id
                for k in range(args.renders)
            ]
            queue.submit(
                session,
                kind="render",
                params={"variant_ids": ids, "options": {"scale": 0.1, "video": False}},
                actor="cara",
            )
            session.commit()
        worker = Worker(url, get_executor("local"), name="bench-render", claim_size=4)
        start = time.perf_counter()
        done = worker.run(once=True)
        seconds = time.perf_counter() - start
        print(
            f"render items (meta_feed, 3 PNGs each at 10 %, offline backend): {done} items in "
            f"{seconds:.2f} s = {done / seconds:.2f} items/s; load average {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
