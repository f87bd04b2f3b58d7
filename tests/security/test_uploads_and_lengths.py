"""Class 10: uploads and long text.

Before: file names had no length limit; a decompression-bomb image raised an uncaught error; any
bytes were accepted as ``music.mp3`` (and that brand's videos then failed); a long campaign name
or landing URL was stored on SQLite but crashed PostgreSQL after the whole generation had run.
Now upload names are capped, images are sized from their header before they are decoded, music
must decode, and every text is checked against its column before any flush, on both databases
alike, and before generation starts.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session

from studio.brand import store
from studio.copy import variants as variant_queries
from studio.core.models import TextTooLong
from studio.core.uploads import MAX_NAME_CHARS, UploadRejected, check_upload
from tests.imaging.test_video import _tone


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _upload(session: Session, brand_dir: Path, name: str, data: bytes) -> str:
    return store.save_brand_asset(
        session, root=brand_dir, brand="ledgerly", name=name, data=data, max_mb=5, author="bea"
    )


def test_a_long_or_odd_file_name_is_refused() -> None:
    with pytest.raises(UploadRejected, match=f"at most {MAX_NAME_CHARS}"):
        check_upload("a" * 300 + ".png", b"x", max_mb=1, allowed_suffixes={".png"})
    with pytest.raises(UploadRejected, match="control characters"):
        check_upload("logo\n.png", b"x", max_mb=1, allowed_suffixes={".png"})


def test_a_decompression_bomb_is_refused_before_it_expands(
    session: Session, people, brand_dir: Path
) -> None:
    bomb = _png(20_000, 20_000)  # 400 megapixels in a few dozen kilobytes
    assert len(bomb) < 1_000_000
    with pytest.raises(UploadRejected, match=r"megapixels|too many pixels"):
        _upload(session, brand_dir, "bomb.png", bomb)
    session.commit()
    assert not (brand_dir / "ledgerly" / "bomb.png").exists()


def test_music_must_be_real_audio(
    session: Session, people, brand_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(UploadRejected, match="not a playable mp3 file"):
        _upload(session, brand_dir, "music.mp3", b"ID3" + b"\x00" * 2000)
    with pytest.raises(UploadRejected, match="not a playable wav file"):
        _upload(session, brand_dir, "music.wav", _png(10, 10))
    real = _tone(tmp_path / "tone.wav", seconds=1.0).read_bytes()
    assert _upload(session, brand_dir, "music.wav", real) == "music.wav"
    session.commit()
    assert (brand_dir / "ledgerly" / "music.wav").read_bytes() == real
    assert [p.name for p in (brand_dir / "ledgerly").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Spring " * 100), ("landing_url", "https://example.com/?" + "q" * 3000)],
)
def test_long_text_is_refused_alike_on_both_databases(
    session: Session, people, field: str, value: str
) -> None:
    values = {
        "brand": "halden-coffee",
        "name": "Spring",
        "objective": "traffic",
        "landing_url": "https://haldencoffee.example",
        "created_by": "cara",
    }
    values[field] = value
    with pytest.raises(TextTooLong, match=rf"campaign\.{field} is [\d,]+ characters; at most"):
        variant_queries.create_campaign(session, **values)
    session.rollback()
    assert variant_queries.list_campaigns(session) == []


def test_generation_refuses_a_long_campaign_name_before_generating(
    session: Session, people, catalog
) -> None:  # type: ignore[no-untyped-def]
    from studio.copy.generation import run_generation

    class Writer:
        called = False

        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            Writer.called = True
            raise AssertionError("generation ran before the lengths were checked")

    brand = catalog.get("halden-coffee")
    request = _request(brand, name="Spring " * 100)
    with pytest.raises(TextTooLong, match=r"campaign\.name"):
        run_generation(session, request=request, writer=Writer(), created_by="cara")  # type: ignore[arg-type]
    assert not Writer.called


def _request(brand, *, name: str):  # type: ignore[no-untyped-def]
    from studio.copy.generation import GenerationRequest
    from studio.copy.writing import CampaignBrief

    return GenerationRequest(
        brand=brand,
        brief=CampaignBrief(
            name=name, objective="traffic", offer="", landing_url="https://haldencoffee.example"
        ),
        personas=("home-baristas",),
        channels=("meta_feed",),
        n=1,
    )
