"""GET /dashboard: a self-contained page; nothing is fetched from outside the app."""

import re

import pytest

URL = re.compile(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


async def page(client):
    return await client.get("/dashboard")


async def test_dashboard_page_is_served_as_html(client):
    response = await page(client)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


async def test_dashboard_assets_are_served(client):
    refs = REFERENCE.findall((await page(client)).text)
    statuses = [(await client.get(ref)).status_code for ref in refs]
    assert refs and statuses == [200] * len(refs)


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/dashboard.js",
                                  "/dashboard/dashboard.css"])
async def test_dashboard_references_no_outside_url(client, path):
    assert URL.search((await client.get(path)).text) is None


async def test_dashboard_reads_the_province_report(client):
    script = (await client.get("/dashboard/dashboard.js")).text
    assert '"/v1/reports/provinces"' in script


async def test_unknown_dashboard_asset_is_a_404_problem(client):
    response = await client.get("/dashboard/secrets.txt")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_dashboard_reads_the_progress_series_for_its_burn_down(client):
    script = (await client.get("/dashboard/dashboard.js")).text
    assert '"/v1/reports/progress?"' in script
    assert "days_left" in script


@pytest.mark.parametrize("font", ['"Noto Sans CJK SC"', '"WenQuanYi Micro Hei"',
                                  '"PingFang SC"', '"Microsoft YaHei"'])
async def test_dashboard_font_stack_renders_chinese_on_linux_macos_and_windows(client, font):
    assert font in (await client.get("/dashboard/dashboard.css")).text


async def test_every_chart_has_a_legend(client):
    html = (await client.get("/dashboard")).text
    for legend in ('id="burndown-legend"', 'id="legend"', 'id="rates-legend"'):
        assert legend in html


async def test_dashboard_shows_a_problems_detail_and_no_data_apart_from_zero(client):
    script = (await client.get("/dashboard/dashboard.js")).text
    assert "body.detail" in script
    assert 'NO_DATA = "no data' in script
