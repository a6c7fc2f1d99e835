"""Offline rendering: plotly figures to PNG through kaleido and the system Chromium; .docx to PDF through
LibreOffice in headless mode (for the tests and for looking at the result)."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

FONTCONFIG_FILE = Path(__file__).resolve().parent / "fontconfig" / "fonts.conf"
PRINT_SCALE = 3   # a 1000 px wide figure becomes 3000 px: ~490 dpi across the 156 mm text width

# The project installs Chromium through apt; kaleido must use it and never download its own.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

# kaleido's Chromium only draws a local page, yet on its own it resolves accounts.google.com and
# clients2.google.com (sign-in, extension and variations checks). These flags switch those services off, and the
# resolver rule answers every host name "not found" without asking any DNS server (a page that tried to fetch
# anything would fail, which is what an offline intranet needs). What remains is Chromium's IPv6 reachability
# check: a UDP connect() to 2001:4860:4860::8888 that only asks the kernel for a route and sends no packet; no
# switch turns it off.
# tests/test_offline_bulletin.py traces the network calls of a bulletin render.
OFFLINE_CHROMIUM_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-background-networking",
    "--disable-client-side-phishing-detection",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-features=OptimizationHints,MediaRouter,DialMediaRouteProvider,Translate,NetworkTimeServiceQuerying,"
    "AutofillServerCommunication,CertificateTransparencyComponentUpdater,CalculateNativeWinOcclusion",
    "--disable-quic",
    "--dns-prefetch-disable",
    "--no-pings",
    "--no-proxy-server",
)


class RenderError(RuntimeError):
    """A chart or PDF could not be produced; str() is a Chinese sentence for the user."""


def chromium_path() -> str | None:
    env = os.environ.get("BROWSER_PATH")
    if env and Path(env).is_file():
        return env
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def figures_to_png(figures: dict, scale: int = PRINT_SCALE, sizes: dict | None = None) -> dict[str, bytes]:
    """PNG bytes for each figure (key -> go.Figure), all in one Chromium session. sizes: key -> (width, height)."""
    if not figures:
        return {}
    path = chromium_path()
    if path is None:
        raise RenderError("未找到系统 Chromium 浏览器，无法导出图表图片（请安装 chromium）。")
    sizes = sizes or {}

    async def render() -> dict[str, bytes]:
        import kaleido

        out = {}
        # mathjax=False: kaleido would otherwise point the page at a CDN; the plotly.js bundled with plotly is used.
        # browser_cls and enable_extensions go through kaleido to choreographer.Browser.
        async with kaleido.Kaleido(path=path, mathjax=False, timeout=60, browser_cls=_offline_chromium(),
                                   enable_extensions=False) as k:
            for key, fig in figures.items():
                w, h = sizes.get(key, (1000, 560))
                out[key] = await k.calc_fig(fig, opts={"format": "png", "scale": scale, "width": w, "height": h})
        return out

    return _run_async(render)


def _offline_chromium():
    """choreographer's Chromium with OFFLINE_CHROMIUM_FLAGS added to its command line."""
    from choreographer.browsers.chromium import Chromium

    class OfflineChromium(Chromium):
        def get_cli(self):
            return [*super().get_cli(), *OFFLINE_CHROMIUM_FLAGS]

    return OfflineChromium


def _run_async(factory):
    """Run a coroutine to completion even when the caller already runs an event loop (Streamlit, Jupyter)."""
    result: dict = {}

    def target():
        try:
            result["value"] = asyncio.run(factory())
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target, name="bulletin-kaleido")
    thread.start()
    thread.join()
    if "error" in result:
        exc = result["error"]
        if isinstance(exc, RenderError):
            raise exc
        raise RenderError(f"图表图片导出失败：{exc}") from exc
    return result["value"]


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: Path, out_dir: Path | None = None, timeout: float = 180) -> Path:
    """Convert with `soffice --headless --convert-to pdf`, a private profile (so a running LibreOffice or a
    parallel conversion does not block it) and the bulletin's fontconfig aliases for 黑体/仿宋."""
    exe = soffice_path()
    if exe is None:
        raise RenderError("未找到 LibreOffice（soffice），无法转换为 PDF。")
    docx = Path(docx).resolve()
    out_dir = Path(out_dir or docx.parent).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bulletin-lo-") as profile:
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTCONFIG_FILE), HOME=profile)
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(out_dir), str(docx)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    pdf = out_dir / (docx.stem + ".pdf")
    if proc.returncode != 0 or not pdf.is_file():
        raise RenderError(f"LibreOffice 转换 PDF 失败：{(proc.stderr or proc.stdout).strip()[:300]}")
    return pdf


def pdf_to_pngs(pdf: Path, out_prefix: Path, dpi: int = 80) -> list[Path]:
    """Page images with poppler's pdftoppm (for looking at the layout)."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise RenderError("未找到 pdftoppm（poppler-utils）。")
    subprocess.run([exe, "-png", "-r", str(dpi), str(pdf), str(out_prefix)], check=True, capture_output=True)
    return sorted(Path(out_prefix).parent.glob(Path(out_prefix).name + "-*.png"))


def pdf_text(pdf: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        raise RenderError("未找到 pdftotext（poppler-utils）。")
    proc = subprocess.run([exe, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return proc.stdout


def pdf_page_count(pdf: Path) -> int:
    exe = shutil.which("pdfinfo")
    if exe is None:
        raise RenderError("未找到 pdfinfo（poppler-utils）。")
    proc = subprocess.run([exe, str(pdf)], check=True, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise RenderError("无法读取 PDF 页数。")
