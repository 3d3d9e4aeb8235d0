"""Images kept with the archive: hashed names, downscaled, shared, original URL remembered."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from scripts.convert import article_to_markdown
from scripts.images import ImageSettings, keep_images, store_image
from scripts.models import Article, ConfigError
from tests.helpers import render_like_pelican


def _jpeg(width: int, height: int, color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


BIG = _jpeg(2400, 1600)
SMALL = _jpeg(300, 200, (10, 120, 60))
IMAGES = {
    "https://cdn.vn/a.jpg": BIG,
    "https://cdn.vn/b.jpg": SMALL,
    "https://cdn.vn/copy.jpg": BIG,
}


def _article(body: str, image: str | None = "https://cdn.vn/a.jpg") -> Article:
    return Article(title="Ảnh hội nghị", body_html=body, image=image)


FIGURES = (
    '<p>Mở đầu.</p><figure><img src="https://cdn.vn/a.jpg" alt="Hội nghị">'
    "<figcaption>Toàn cảnh hội nghị</figcaption></figure>"
    '<figure><img src="https://cdn.vn/missing.jpg" alt="x"><figcaption>Ảnh thiếu</figcaption></figure>'
    '<figure><img src="https://cdn.vn/copy.jpg" alt="Bản sao"><figcaption>Cùng ảnh</figcaption></figure>'
)


def test_localise_writes_one_downscaled_file_per_distinct_image(tmp_path):
    article, dropped = keep_images(_article(FIGURES), IMAGES.get, tmp_path, ImageSettings())
    files = sorted((tmp_path / "images").iterdir())
    assert len(files) == 1  # a.jpg and copy.jpg are the same bytes
    with Image.open(files[0]) as stored:
        assert stored.size == (1200, 800)
    assert dropped == ("https://cdn.vn/missing.jpg",)
    assert article.image == f"images/{files[0].name}"
    markdown = article_to_markdown(article)
    assert markdown.count(f'src="{{static}}/images/{files[0].name}"') == 2
    assert 'data-origin="https://cdn.vn/a.jpg"' in markdown
    # The caption stays; the image is not loaded from its site, only its address remembered.
    assert '<figure data-origin="https://cdn.vn/missing.jpg">\n<figcaption>Ảnh thiếu' in markdown
    assert 'src="https://cdn.vn/missing.jpg"' not in markdown
    assert f"Image: images/{files[0].name}" in markdown
    html = render_like_pelican(markdown.split("\n\n", 1)[1])
    assert html.count("<figure") == 3 and 'width="1200" height="800"' in html


def test_store_is_deterministic_and_idempotent(tmp_path):
    first = store_image(BIG, tmp_path / "a", ImageSettings())
    second = store_image(BIG, tmp_path / "b", ImageSettings())
    assert first and second and first.name == second.name
    a = (tmp_path / "a/images" / first.name).read_bytes()
    assert a == (tmp_path / "b/images" / second.name).read_bytes()
    again = store_image(BIG, tmp_path / "a", ImageSettings())
    assert again is not None and again.bytes_written == 0


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, _jpeg(2, 2)],
)
def test_unusable_bytes_are_refused(tmp_path, data):
    assert store_image(data, tmp_path, ImageSettings()) is None
    assert not (tmp_path / "images").exists()


def test_decompression_bomb_is_refused(tmp_path):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")  # tiny file, 100 megapixels
    assert len(buffer.getvalue()) < 100_000
    assert store_image(buffer.getvalue(), tmp_path, ImageSettings()) is None


def test_hotlink_and_drop_policies(tmp_path):
    hot, dropped = keep_images(
        _article(FIGURES), IMAGES.get, tmp_path, ImageSettings(policy="hotlink")
    )
    assert hot.body_html == FIGURES and dropped == ()
    gone, dropped = keep_images(
        _article(FIGURES), IMAGES.get, tmp_path, ImageSettings(policy="drop")
    )
    assert "<img" not in gone.body_html and len(dropped) == 3 and gone.image is None
    assert "Toàn cảnh hội nghị" in gone.body_html
    assert not (tmp_path / "images").exists()


def test_bad_settings_name_the_key():
    with pytest.raises(ConfigError, match="images: unknown policy"):
        ImageSettings(policy="keep")
    with pytest.raises(ConfigError, match="image_max_width"):
        ImageSettings(max_width=5)
