"""The command line: exit codes, one-line errors naming the file, and what import prints."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from scripts.cli import cli
from tests.helpers import FIXTURES, ROOT

TEXT = FIXTURES / "text"
GOOD = TEXT / "songkhoe24h-tiem-chung-soi.txt"


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_import_reports_each_capture_and_fails_when_one_is_quarantined(tmp_path):
    result = _run("import", str(TEXT), "--content-dir", str(tmp_path / "content"))
    assert result.exit_code == 3
    assert result.stdout.splitlines()[-1] == "3 wrote, 3 quarantined"
    wrote = [line for line in result.stdout.splitlines() if line.startswith("wrote")]
    assert len(wrote) == 3 and all(str(tmp_path) in line for line in wrote)
    problems = [line for line in result.stderr.splitlines() if line.startswith("quarantined")]
    assert len(problems) == 3
    assert any("binary-junk.txt: binary data" in line for line in problems)
    # Nothing from the bad captures reached content/.
    assert len(list((tmp_path / "content").rglob("*.md"))) == 3


def test_import_good_capture_exits_zero_and_honours_category_and_url(tmp_path):
    url = "https://songkhoe24h.vn/suc-khoe/tiem-chung-soi-123.html?utm_source=fb"
    result = _run(
        "import", str(GOOD), "--content-dir", str(tmp_path), "--category", "Y tế", "--url", url
    )
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.rglob("*.md")
    assert path.parent.parent.name == "y-te"
    text = path.read_text(encoding="utf-8")
    assert "Category: Y tế\n" in text
    assert "Via_URL: https://songkhoe24h.vn/suc-khoe/tiem-chung-soi-123.html\n" in text


def test_missing_file_is_one_line_naming_it(tmp_path):
    result = _run("import", str(tmp_path / "nope.txt"), "--content-dir", str(tmp_path))
    assert result.exit_code == 3
    assert result.stderr.strip() == f"quarantined  {tmp_path / 'nope.txt'}: no such file"


def test_import_needs_something_to_import():
    result = CliRunner().invoke(cli, ["import"])
    assert result.exit_code == 2 and "give capture files" in result.output


def test_extract_json_writes_nothing(tmp_path):
    result = _run("extract", str(GOOD), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["title"].startswith("Bộ Y tế đẩy nhanh")
    assert data["date"] == "2023-10-03T08:45:00+07:00"
    assert data["report"]["method"] == "text-capture"
    text = _run("extract", str(GOOD), "--format", "text").stdout
    assert "0912 345 678" not in text and "Phụ huynh đưa trẻ" in text


def test_extract_error_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(TEXT / "no-byline.txt")])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "no-byline.txt: no byline with a date" in result.output


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0
    for command in ("import", "extract", "build", "serve", "check"):
        assert command in result.stdout


def test_element_hiding_list_reaches_extraction(tmp_path):
    page = tmp_path / "trang.html"
    page.write_text(
        "<html lang='vi'><head><title>Giá lúa tăng</title></head><body><article>"
        "<h1>Giá lúa tăng mạnh ở đồng bằng sông Cửu Long</h1>"
        + "<p>Giá lúa tươi tại nhiều tỉnh đồng bằng sông Cửu Long tăng 300 đồng mỗi kg so với "
        "tuần trước, nông dân phấn khởi vì vụ thu đông được mùa.</p>"
        * 5
        + "<div class='khoi-uu-dai'>Ưu đãi độc quyền dành cho bạn đọc</div>"
        "</article></body></html>",
        encoding="utf-8",
    )
    url = "https://nongnghiep24.vn/gia-lua.html"
    plain = _run("extract", str(page), "--url", url, "--format", "text").stdout
    assert "Ưu đãi độc quyền" in plain
    hidden = _run(
        "extract", str(page), "--url", url, "--format", "text",
        "--element-hiding", str(FIXTURES / "easylist.txt"),
    ).stdout  # fmt: skip
    assert "Ưu đãi độc quyền" not in hidden and "Giá lúa tươi" in hidden
    result = _run(
        "import", str(page), "--url", url, "--content-dir", str(tmp_path / "c"),
        "--element-hiding", str(FIXTURES / "easylist.txt"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (md,) = (tmp_path / "c").rglob("*.md")
    assert "Ưu đãi độc quyền" not in md.read_text(encoding="utf-8")
