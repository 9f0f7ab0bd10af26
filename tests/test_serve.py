"""A real `wenda serve` process on a free port, reached over HTTP by httpx and the official openai client."""

from __future__ import annotations

import os
import shutil

import httpx
import pytest

from tests.servers import running_wenda

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(seeded_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("serve") / "data"
    shutil.copytree(seeded_dir, data)
    with running_wenda(data) as base:
        yield base


def test_rest_and_ui_are_served_by_one_process(server):
    body = httpx.post(
        f"{server}/api/ask", json={"question": "国家生物制造产业创新中心在哪里启动建设?"}, timeout=60
    ).json()
    assert "深圳" in body["answer"] and body["citations"]
    page = httpx.get(f"{server}/", timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_official_openai_client_works_unchanged(server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{server}/v1", api_key="unused")
    reply = client.chat.completions.create(
        model="wenda", messages=[{"role": "user", "content": "2008年全国生物产业总产值是多少?"}]
    )
    assert "11340亿元" in reply.choices[0].message.content
    assert "来源 Sources:" in reply.choices[0].message.content
    assert reply.model_extra["citations"][0]["source"] == "000_841085c0cc8188e6.txt"

    stream = client.chat.completions.create(
        model="wenda",
        stream=True,
        messages=[{"role": "user", "content": "重庆到2027年生物制造产业规模目标是多少?"}],
    )
    pieces, finish = [], None
    for chunk in stream:
        pieces.append(chunk.choices[0].delta.content or "")
        finish = chunk.choices[0].finish_reason or finish
    text = "".join(pieces)
    assert "1000亿元" in text and "来源 Sources:" in text and finish == "stop"


def test_binds_loopback_only_by_default(server):
    """The listening socket's local address, read from the kernel's table, is 127.0.0.1."""
    port = int(server.rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # 0A = LISTEN
                listening.append(address)
    if not listening:
        pytest.skip("/proc/net/tcp is not readable here")
    assert listening == ["0100007F"], listening  # 127.0.0.1, little-endian hex
