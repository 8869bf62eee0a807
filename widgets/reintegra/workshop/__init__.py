"""Workshop mode: one command turns a laptop into the server of the exercises.

``reintegra workshop`` starts Voila on the exercises with the course's own
template (every asset served locally), a landing page in the chosen language,
preheated kernels and culling of idle ones. By default it listens on this
machine only; ``--lan`` listens on the machine's network address, requires a
token, and prints the address to share with a QR code.

Participants can only see the dashboards: Voila strips the code from the page
and its kernel websocket lets through widget messages only (comm messages,
kernel information, shutdown), never an ``execute_request``.
"""
from __future__ import annotations

import html
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..i18n import LANGUAGE_NAMES, current_lang, messages, plural
from ..paths import repo_root
from ..preheat import WARM_DIR_ENV, warm_kernels

HERE = Path(__file__).parent
TEMPLATE = "reintegra"
ROLE_ENV = "REINTEGRA_WORKSHOP_ROLE"  # "participant" in every kernel that the workshop starts
HOSTS_ENV = "REINTEGRA_ALLOWED_HOSTS"  # comma-separated names for the Host header; empty: any
LIMITS_ENV = "REINTEGRA_WORKSHOP_LIMITS"  # JSON: per_device, total, release_s, unused_s
LOG_ENV = "REINTEGRA_SERVER_LOG"  # where Voila's and the kernels' own messages go
TRAINER_ENV = "REINTEGRA_TRAINER_TOKEN"  # the trainer's view's own token: the server keeps it from the kernels

M = messages(
    "workshop",
    {
        "page_title": "Workshop exercises",
        "heading": "Reintegration: the integrated approach",
        "intro": ("Choose an exercise. Each one opens in its own page; your answers stay on your device's page "
            "until you close it. All the data are fictional."),
        "other_language": "Version française",
        "minutes": "about {n} min",
        "three-dimensions_title": "Sort needs into the three dimensions",
        "three-dimensions_line": "Module 1 · Twelve needs of a returnee to place in the economic, social or psychosocial dimension, with feedback on each.",
        "case-assessment_title": "Assess a returnee's situation",
        "case-assessment_line": "Module 3 · Read a case, answer the assessment, compare with the reference, and draft a reintegration plan.",
        "caseload-overview_title": "The caseload at a glance",
        "caseload-overview_line": "Module 3 · Sustainability scores of the whole synthetic caseload, by dimension and region.",
        "referral-mapping_title": "Refer a returnee to local services",
        "referral-mapping_line": "Module 4 · Find eligible services on the map of Morocco, record consent and share only the data needed.",
        "referral-gaps_title": "Gaps in the referral network",
        "referral-gaps_line": "Module 4 · Where services are missing or too small for the needs of the cases, region by region.",
        "business-plan_title": "Review a microbusiness plan",
        "business-plan_line": "Module 8 · Check each budget line against the market sheet, spot the risks, and approve, change or refer.",
        "pre-post-test_title": "Pre-test and post-test",
        "pre-post-test_line": "Before the first module and at the end · Twelve questions, one answer each: your score, and after the post-test the right answers.",
        "other_exercise": "Exercise",
        "starting": "Starting the workshop server…",
        "local_only": "The workshop is open on this computer only: {url}",
        "share": "Participants join at this address (same Wi-Fi network): {url}",
        "qr_saved": "QR code saved as {path}",
        "no_network": "No network address found: is the computer connected to the Wi-Fi router? Listening on {ip}.",
        "stop": "Press Ctrl+C to stop the workshop.",
        "warming": "Preparing exercises in advance: {count} ({exercise}). Wait for the line saying they are ready before participants join.",
        "warm": "Exercises ready in advance: {count} ({exercise}). Participants can join.",
        "all_exercises": "all exercises",
        "help": "Serve the exercises to a workshop with Voila.",
        "help_lang": "Language of the landing page and the dashboards.",
        "help_lan": "Listen on the network (Wi-Fi) address and require a token.",
        "help_ip": "Address to listen on with --lan (default: found automatically).",
        "help_token": "Token participants need (default: random).",
        "help_port": "Port (default 8866).",
        "help_pool": "Preheated kernels kept ready per exercise (0 to disable).",
        "help_preheat": "Keep the preheated kernels for this exercise only (e.g. the one of the session, with --pool 30).",
        "help_cull": "Minutes before an idle participant's kernel is stopped.",
        "help_max_kernels": "Exercise pages open at once in the whole room (default 60).",
        "help_per_device": "Exercise pages open at once on one participant's device (default 4).",
        "refuse_ip": ("--ip {ip} would open the workshop to other devices without a token. Add --lan (participants then "
            "need the link with its token), or leave out --ip to keep the workshop on this computer."),
        "port_moved": "Port {port} is busy: the workshop uses port {used}.",
        "no_port": "No free port from {port} to {last}: close the program that uses them, or choose another port with --port.",
        "stopping": "Stopping the workshop…",
        "crashed": "The workshop server stopped unexpectedly: its messages are in {path}",
        "back": "The list of exercises",
        "no_token_title": "This workshop opens with its link",
        "no_token_text": "Ask your trainer for the link or the QR code of the workshop, and open it on this device.",
        "device_full_title": "Too many exercises open on this device",
        "device_full_text": ("This device has reached the limit of exercise pages open at once in the workshop ({count}). "
            "Close one of their tabs, then reload this page."),
        "full_title": "The workshop is full for now",
        "full_text": ("The room has reached the limit of exercise pages that the trainer's computer serves at once ({count}). "
            "Wait a minute and reload this page, or ask your trainer."),
        "error_title": "This page could not be shown",
        "error_text": "Something went wrong on the workshop's computer. Go back to the list of exercises, or ask your trainer.",
        "not_found_title": "This page does not exist",
        "not_found_text": "Check the address, or go back to the list of exercises.",
        "wrong_host_title": "This is not the workshop's address",
        "wrong_host_text": "The workshop answers only at the address its trainer shares. Ask your trainer for the link or the QR code.",
        "trainer_only_title": "This page is the trainer's",
        "trainer_only_text": "The room's answers open with the trainer's own link only, not with the participants' link.",
        "cell_error": "This part of the exercise could not be shown. Tell your trainer.",
        "trainer_view": "The room's answers, for you only (do not share this link): {url}",
        "help_wipe": "Erase the room's answers (the store in _build/workshop) and stop.",
        "wiped": "The room's answers are erased ({count}).",
        "nothing_to_wipe": "There are no room's answers to erase in {path}.",
        "files": plural("{n} file", "{n} files"),
        "help_lite": ("Serve the book's in-browser exercises instead (static files only: each device runs Python itself; "
            "build them first with ./course book)."),
    },
)

NOTICES = ("no_token", "device_full", "full", "error", "not_found", "wrong_host", "trainer_only")


def notice_page(kind: str, lang: str, base_url: str = "/", **values) -> str:
    """One of the course's short pages for participants (no token, caps reached, errors):
    in ``lang``, then in the other language."""
    other = "fr" if lang == "en" else "en"
    sections = []
    for code in (lang, other):
        back = "" if kind in ("no_token", "wrong_host", "trainer_only") else (
            f'<p><a href="{html.escape(base_url)}?lang={code}">{html.escape(M("back", code))}</a></p>')
        sections.append(
            f'<section lang="{code}"><h1>{html.escape(M(f"{kind}_title", code))}</h1>'
            f'<p>{html.escape(M(f"{kind}_text", code, **values))}</p>{back}</section>')
    return NOTICE.format(lang=lang, title=html.escape(M(f"{kind}_title", lang)), sections="\n".join(sections))


NOTICE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
 body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f4f7fa; color: #1d2a35; }}
 main {{ max-width: 40rem; margin: 0 auto; padding: 2rem 1rem; }}
 section {{ background: #fff; border: 1px solid #d5dde5; border-left: .35rem solid #0072b2; border-radius: .4rem;
           padding: .5rem 1.2rem; margin: 0 0 1.2rem; }}
 section + section {{ border-left-color: #8a9aa8; }}
 h1 {{ font-size: 1.3rem; }}
 p {{ line-height: 1.5; }}
 a {{ color: #005a8c; }}
</style>
</head>
<body>
<main>
{sections}
</main>
</body>
</html>
"""

# The exercises in the order of the course; their minutes come from each
# notebook's metadata ("exercises"), the same figure the book shows.
EXERCISES = ("pre-post-test", "three-dimensions", "case-assessment", "caseload-overview", "referral-mapping",
             "referral-gaps", "business-plan")


def exercise_minutes(path: Path) -> int:
    import json

    try:
        return int(json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("exercises", 0))
    except (OSError, ValueError, TypeError):
        return 0


def exercise_notebooks(root: Path | None = None) -> list[Path]:
    folder = (root or repo_root()) / "exercises"
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def landing_entries(lang: str, root: Path | None = None) -> list[dict]:
    """The exercises present on disk, each with its title and one line, in ``lang``."""
    notebooks = {p.stem: p for p in exercise_notebooks(root)}
    present = set(notebooks)
    entries = []
    known = list(EXERCISES)
    for name in EXERCISES:
        if name in present:
            entries.append({
                "name": name, "minutes": exercise_minutes(notebooks[name]),
                "title": M(f"{name}_title", lang), "line": M(f"{name}_line", lang),
            })
    for name in sorted(present - set(known)):
        entries.append({"name": name, "minutes": exercise_minutes(notebooks[name]),
                        "title": f'{M("other_exercise", lang)}\u00a0: {name}' if lang == "fr" else f'{M("other_exercise", lang)}: {name}',
                        "line": ""})
    return entries


def landing_section(lang: str, root: Path | None = None, default: bool = True) -> str:
    """The landing page's content in one language: the exercises, no code, no files."""
    other = "fr" if lang == "en" else "en"
    items = []
    for entry in landing_entries(lang, root):
        minutes = f' <span class="minutes">· {html.escape(M("minutes", lang, n=entry["minutes"]))}</span>' if entry["minutes"] else ""
        items.append(
            f'<li><a href="{{{{ base_url }}}}voila/render/{entry["name"]}.ipynb?lang={lang}">'
            f'<span class="title">{html.escape(entry["title"])}</span>{minutes}'
            f'<span class="line">{html.escape(entry["line"])}</span></a></li>'
        )
    # The other language is a link to its section (#lang-xx): no script needed.
    switch = f"#lang-{other}" if default else "#"
    return SECTION.format(
        lang=lang,
        kind="default" if default else "other",
        title=html.escape(M("page_title", lang)),
        heading=html.escape(M("heading", lang)),
        intro=html.escape(M("intro", lang)),
        items="\n".join(items),
        other=other,
        switch=switch,
        other_label=html.escape(M("other_language", lang)),
    )


def landing_page(lang: str, root: Path | None = None) -> str:
    """Voila's tree page: the exercises in ``lang``, and in the other language on request."""
    other = "fr" if lang == "en" else "en"
    # The other language comes first so that `:target ~ .default` can hide the default.
    return LANDING.format(
        lang=lang, title=html.escape(M("page_title", lang)),
        sections=landing_section(other, root, default=False) + landing_section(lang, root, default=True),
    )


SECTION = """<section id="lang-{lang}" class="{kind}" lang="{lang}">
 <a class="lang" href="{switch}" hreflang="{other}" lang="{other}">{other_label}</a>
 <h1>{heading}</h1>
 <h2>{title}</h2>
 <p>{intro}</p>
 <ul class="exercises">
{items}
 </ul>
</section>
"""

LANDING = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
 body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f4f7fa; color: #1d2a35; }}
 main {{ max-width: 48rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }}
 h1 {{ font-size: 1.5rem; margin: .5rem 0; }}
 h2 {{ font-size: 1.1rem; color: #0072b2; margin: 0 0 1rem; font-weight: 600; }}
 p {{ line-height: 1.5; }}
 ul {{ list-style: none; padding: 0; }}
 li a {{ display: block; background: #fff; border: 1px solid #d5dde5; border-left: .35rem solid #0072b2;
        border-radius: .4rem; padding: .9rem 1rem; margin: .7rem 0; color: inherit; text-decoration: none; }}
 li a:hover, li a:focus {{ border-color: #0072b2; box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
 .title {{ font-weight: 700; font-size: 1.05rem; color: #005a8c; }}
 .minutes {{ color: #555; font-size: .9rem; }}
 .line {{ display: block; margin-top: .3rem; line-height: 1.4; }}
 .lang {{ float: right; font-size: .9rem; }}
 section.other {{ display: none; }}
 section.other:target {{ display: block; }}
 section.other:target ~ section.default {{ display: none; }}
</style>
</head>
<body>
<main>
{sections}
</main>
<script>
/* The participant's random identifier (no name), kept by this browser so that a reloaded exercise finds
   its answers again in the room's store; added to each exercise's link. */
(function () {{
  var key = "reintegra-participant", pid = null;
  try {{ pid = localStorage.getItem(key); }} catch (e) {{}}
  if (!pid || !/^[A-Za-z0-9_-]{{16,64}}$/.test(pid)) {{
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    pid = Array.prototype.map.call(bytes, function (b) {{ return ("0" + b.toString(16)).slice(-2); }}).join("");
    try {{ localStorage.setItem(key, pid); }} catch (e) {{}}
  }}
  document.querySelectorAll('a[href*="voila/render/"]').forEach(function (a) {{
    a.href += (a.href.indexOf("?") < 0 ? "?" : "&") + "pid=" + pid;
  }});
}})();
</script>
</body>
</html>
"""


def prepare_template(out_dir: Path, lang: str, root: Path | None = None) -> Path:
    """Write the Voila template folder (static assets + landing page) under ``out_dir``.

    Returns the folder to add to ``JUPYTER_PATH``.
    """
    data_dir = out_dir / "jupyter"
    target = data_dir / "voila" / "templates" / TEMPLATE
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(HERE / "template", target)
    (out_dir / "landing.html").write_text(landing_page(lang, root), encoding="utf-8")
    # Voila's error pages and a failed cell, in the course's words: no traceback, no path of this laptop.
    for name, kind in (("error.html", "error"), ("404.html", "not_found")):
        (target / name).write_text(notice_page(kind, lang, base_url="{{ base_url }}"), encoding="utf-8")
    index = target / "index.html.j2"
    other = "fr" if lang == "en" else "en"
    notice = "".join(f'<p lang="{code}">{html.escape(M("cell_error", code))}</p>' for code in (lang, other))
    index.write_text(index.read_text(encoding="utf-8").replace("__CELL_ERROR__", notice), encoding="utf-8")
    return data_dir


@dataclass
class Settings:
    lang: str = "en"
    lan: bool = False
    ip: str | None = None
    token: str | None = None
    port: int = 8866
    pool: int = 1
    cull_minutes: int = 30
    preheat: str | None = None  # only this exercise gets the pool of preheated kernels
    fill_delay: float = 20.0  # seconds before a used preheated kernel is replaced
    max_kernels: int = 60  # participants' exercise pages open at once, in the whole room
    per_device: int = 4  # ... and on one device (one network address)
    release_s: float = 300.0  # a page disconnected this long has gone: its kernel is freed
    trainer_token: str | None = None  # the trainer's view's token (default: random, different from the room's)

    def kernels_to_preheat(self) -> int:
        """How many kernels the pool holds: ``pool`` for the session's exercise, or for each exercise."""
        return self.pool * (1 if self.preheat else len(EXERCISES))


def _announce_when_warm(warm_dir: Path, settings: "Settings", exercise: str, process) -> None:
    """Print one line when the pool is first full, so the trainer knows when the room can join
    (the pool's later refills, after participants take kernels, are not news)."""
    wanted = settings.kernels_to_preheat()
    while process.poll() is None:
        count = warm_kernels(warm_dir)
        if count >= wanted:
            print(M("warm", settings.lang, count=count, exercise=exercise), flush=True)
            return
        time.sleep(1)


def descendants(pid: int) -> list[int]:
    """The processes started by ``pid`` and by them (Linux)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            kids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            kids = []
        for kid in map(int, kids):
            found.append(kid)
            frontier.append(kid)
    return found


def lan_address() -> str | None:
    """This machine's address on the local network, or None."""
    candidates: list[str] = []
    try:
        candidates += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
        candidates += out.split()
    except (OSError, subprocess.SubprocessError):
        pass
    for address in candidates:
        if "." in address and not address.startswith("127.") and not address.startswith("169.254."):
            return address
    return None


def is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return ip == "localhost"


class ScopeError(ValueError):
    """Settings that would open the workshop wider than the trainer asked."""


def listen_ip(settings: Settings) -> str:
    """The address to listen on. Without ``--lan``, only this computer: an address that other devices
    reach would serve them without a token while the terminal says "this computer only"."""
    if settings.lan:
        return settings.ip or lan_address() or "0.0.0.0"
    ip = settings.ip or "127.0.0.1"
    if not is_loopback(ip):
        raise ScopeError(M("refuse_ip", settings.lang, ip=ip))
    return ip


def free_port_from(ip: str, port: int, tries: int = 20) -> int | None:
    """The first port from ``port`` on which ``ip`` can listen (chosen before the server starts, so
    that the address and the QR code printed are the ones that work)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    for candidate in range(port, port + tries):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((ip.strip("[]"), candidate))
            except OSError:
                continue
            return candidate
    return None


def allowed_hosts(ip: str) -> str:
    """The names the server answers to (the ``Host`` header, against DNS rebinding): this computer's,
    and the network address with ``--lan``. Empty when it listens on every address (no address found)."""
    if ip in ("0.0.0.0", "::"):
        return ""
    return ",".join(dict.fromkeys(["localhost", "127.0.0.1", "::1", ip]))


def voila_command(settings: Settings, root: Path, out_dir: Path) -> tuple[list[str], dict, str, str | None]:
    """The Voila command line, its environment, the address to share and the token."""
    ip = listen_ip(settings)
    data_dir = prepare_template(out_dir, settings.lang, root)
    token = (settings.token or secrets.token_urlsafe(6)) if settings.lan else settings.token
    args = [
        sys.executable, "-m", "reintegra.workshop.server", str(root / "exercises"),
        "--no-browser", f"--port={settings.port}", "--Voila.port_retries=0", f"--Voila.ip={ip}",
        f"--template={TEMPLATE}", "--theme=light", "--strip_sources=True",
        "--show_tracebacks=False", "--Voila.log_level=WARN",
        f"--MappingKernelManager.cull_idle_timeout={settings.cull_minutes * 60}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=True",
    ]
    # Under load (thirty participants arriving at once on two cores) a kernel's outputs can
    # come seconds after its reply; nbclient's default 4 s wait would drop the exercise from the page.
    voila_config: dict = {"VoilaExecutor": {"iopub_timeout": 60}}
    # A trainer's directory travels to the kernel in one websocket message: above tornado's 10 MiB
    # default the dashboard would reset with no word. With room to spare over the loader's own limit,
    # a file that is too big reaches the loader, which says so in the participant's language.
    from ..loader import MAX_UPLOAD_BYTES

    voila_config["Voila"] = {"tornado_settings": {"websocket_max_message_size": 4 * MAX_UPLOAD_BYTES}}
    if os.name == "posix":
        # Kernels talk to the server over local sockets in the server's own folder, not over TCP
        # ports that anyone on this computer could reach (and each kernel would warn about it).
        voila_config["KernelManager"] = {"transport": "ipc"}
    if settings.pool > 0:
        args += ["--preheat_kernel=True", f"--pool_size={settings.pool}"]
        manager: dict = {"fill_delay": settings.fill_delay}
        if settings.preheat:
            # Kernels only for the exercise of the session: the others start on demand.
            manager["kernel_pools_config"] = {
                "default": {"pool_size": 0},
                f"{settings.preheat}.ipynb": {"pool_size": settings.pool},
            }
        voila_config["VoilaKernelManager"] = manager
    args.append(f"--token={token}" if token else "--token=")
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(data_dir), env.get("JUPYTER_PATH", "")]))
    env[ROLE_ENV] = "participant"  # every kernel of the workshop serves a participant (the widgets hide trainer-only tools)
    env[HOSTS_ENV] = allowed_hosts(ip)
    # Without --lan every page comes from this computer: one device, so the room's cap is its cap.
    per_device = settings.per_device if settings.lan else settings.max_kernels
    env[LIMITS_ENV] = json.dumps({"per_device": per_device, "total": settings.max_kernels,
                                  "release_s": settings.release_s})
    env.pop("REINTEGRA_QUERY_SECRET", None)  # the server makes its own
    env[LOG_ENV] = str(out_dir / "server.log")
    env["REINTEGRA_DEFAULT_LANG"] = settings.lang
    env["REINTEGRA_LANDING"] = str(out_dir / "landing.html")
    # The room's store (answers as codes, pseudonyms) in the workshop's folder, on this laptop only.
    env["REINTEGRA_ROOM_DIR"] = str(out_dir)
    trainer = settings.trainer_token or secrets.token_urlsafe(12)
    while token and trainer == token:
        trainer = secrets.token_urlsafe(12)
    env[TRAINER_ENV] = trainer
    env.pop("REINTEGRA_LANG", None)  # each page's ?lang= decides
    env["MPLBACKEND"] = "Agg"
    # Preheated kernels fetch their participant's request from the server's own address.
    env["VOILA_APP_IP"] = "127.0.0.1" if ip in ("0.0.0.0", "::") else ip
    env["REINTEGRA_VOILA_CONFIG"] = json.dumps(voila_config)
    if settings.pool > 0:
        warm_dir = out_dir / "warm"
        shutil.rmtree(warm_dir, ignore_errors=True)
        warm_dir.mkdir(parents=True)
        env[WARM_DIR_ENV] = str(warm_dir)
    url = f"http://{ip}:{settings.port}/"
    if token:
        url += f"?token={token}"
    return args, env, url, token


def trainer_url(url: str, trainer_token: str, lang: str = "en") -> str:
    """The trainer's view of the room, from the workshop's address (never in the participants' link)."""
    root = url.split("?", 1)[0]
    return f"{root}room?trainer={trainer_token}&lang={lang}"


def wipe_room(out_dir: Path, lang: str) -> int:
    """``--wipe``: erase the room's store and say what was done, in both languages."""
    from .store import wipe

    removed = wipe(out_dir)
    for code in dict.fromkeys([lang, "fr" if lang == "en" else "en"]):
        if removed:
            print(M("wiped", code, count=M.n("files", len(removed), code)))
        else:
            print(M("nothing_to_wipe", code, path=out_dir))
    return 0


def qr_code(url: str, path: Path) -> str:
    """Save a QR code of ``url`` as a PNG and return it drawn for the terminal."""
    import io

    import segno

    code = segno.make(url, error="m")
    path.parent.mkdir(parents=True, exist_ok=True)
    code.save(str(path), scale=10, border=4)
    buffer = io.StringIO()
    code.terminal(out=buffer, compact=True)
    return buffer.getvalue()


def stop_server(process: subprocess.Popen, timeout: float = 20) -> int:
    """Stop the Voila child and every kernel it started (SIGTERM lets Voila shut its kernels down;
    what is still there after ``timeout`` seconds is killed)."""
    kernels = descendants(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    deadline = time.monotonic() + 5
    for pid in kernels:
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.1)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return process.returncode or 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    lang = current_lang()
    parser = argparse.ArgumentParser(prog="reintegra workshop", description=M("help", lang))
    parser.add_argument("--lang", choices=list(LANGUAGE_NAMES), default=lang, help=M("help_lang", lang))
    parser.add_argument("--lan", action="store_true", help=M("help_lan", lang))
    parser.add_argument("--ip", help=M("help_ip", lang))
    parser.add_argument("--token", help=M("help_token", lang))
    parser.add_argument("--port", type=int, default=8866, help=M("help_port", lang))
    parser.add_argument("--pool", type=int, default=1, help=M("help_pool", lang))
    parser.add_argument("--cull-minutes", type=int, default=30, help=M("help_cull", lang))
    parser.add_argument("--preheat", choices=list(EXERCISES), help=M("help_preheat", lang))
    parser.add_argument("--max-kernels", type=int, default=60, help=M("help_max_kernels", lang))
    parser.add_argument("--kernels-per-device", type=int, default=4, help=M("help_per_device", lang))
    parser.add_argument("--lite", action="store_true", help=M("help_lite", lang))
    parser.add_argument("--wipe", action="store_true", help=M("help_wipe", lang))
    args = parser.parse_args(argv)
    if args.wipe:
        return wipe_room(repo_root() / "_build" / "workshop", args.lang)
    settings = Settings(lang=args.lang, lan=args.lan, ip=args.ip, token=args.token, port=args.port,
                        pool=args.pool, cull_minutes=args.cull_minutes, preheat=args.preheat,
                        max_kernels=max(1, args.max_kernels), per_device=max(1, args.kernels_per_device))
    lang = settings.lang
    try:
        ip = listen_ip(settings)
    except ScopeError as refused:
        print(refused, file=sys.stderr)
        return 2
    port = free_port_from(ip, settings.port)
    if port is None:
        print(M("no_port", lang, port=settings.port, last=settings.port + 19), file=sys.stderr)
        return 1
    if port != settings.port:
        print(M("port_moved", lang, port=settings.port, used=port))
        settings.port = port
    root = repo_root()
    if args.lite:
        from ..lite.serve import serve_workshop

        return serve_workshop(settings, root)
    out_dir = root / "_build" / "workshop"
    command, env, url, token = voila_command(settings, root, out_dir)
    print(M("starting", lang), flush=True)
    if settings.lan:
        if not (settings.ip or lan_address()):
            print(M("no_network", lang, ip="0.0.0.0"))
        print(M("share", lang, url=url))
        path = out_dir / "workshop-qr.png"
        print(qr_code(url, path))
        print(M("qr_saved", lang, path=path))
    else:
        print(M("local_only", lang, url=url))
    print(M("trainer_view", lang, url=trainer_url(url, env[TRAINER_ENV], lang)))
    print(M("stop", lang), flush=True)

    stopping = threading.Event()

    def stop(signum, frame):  # Ctrl+C, SIGTERM (kill, a service manager), SIGHUP (the terminal closed)
        stopping.set()
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    process = None
    try:
        process = subprocess.Popen(command, env=env, cwd=root)
        if settings.pool > 0:
            exercise = settings.preheat or M("all_exercises", lang)
            print(M("warming", lang, count=settings.kernels_to_preheat(), exercise=exercise), flush=True)
            threading.Thread(target=_announce_when_warm, args=(Path(env[WARM_DIR_ENV]), settings, exercise, process),
                             daemon=True).start()
        code = process.wait()
        if code:
            print(M("crashed", lang, path=env[LOG_ENV]), file=sys.stderr)
        return code
    except KeyboardInterrupt:
        if process is None:
            return 130
        print(M("stopping", lang), flush=True)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C does not leave kernels behind
        stop_server(process)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
