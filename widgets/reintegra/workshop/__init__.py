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

from ..i18n import LANGUAGE_NAMES, current_lang, messages
from ..paths import repo_root
from ..preheat import WARM_DIR_ENV, warm_kernels

HERE = Path(__file__).parent
TEMPLATE = "reintegra"

M = messages(
    "workshop",
    {
        "page_title": ("Workshop exercises", "Exercices de l’atelier"),
        "heading": ("Reintegration: the integrated approach", "Réintégration\u00a0: l’approche intégrée"),
        "intro": (
            "Choose an exercise. Each one opens in its own page; your answers stay on your device's page "
            "until you close it. All the data are fictional.",
            "Choisissez un exercice. Chacun s’ouvre dans sa propre page\u00a0; vos réponses restent sur la page "
            "de votre appareil jusqu’à ce que vous la fermiez. Toutes les données sont fictives.",
        ),
        "other_language": ("Version française", "English version"),
        "minutes": ("about {n} min", "environ {n}\u00a0min"),
        "three-dimensions_title": ("Sort needs into the three dimensions", "Classer les besoins selon les trois dimensions"),
        "three-dimensions_line": (
            "Module 1 · Twelve needs of a returnee to place in the economic, social or psychosocial dimension, with feedback on each.",
            "Module 1 · Douze besoins d’un migrant de retour à classer dans la dimension économique, sociale ou psychosociale, avec un commentaire pour chacun.",
        ),
        "case-assessment_title": ("Assess a returnee's situation", "Évaluer la situation d’un migrant de retour"),
        "case-assessment_line": (
            "Module 3 · Read a case, answer the assessment, compare with the reference, and draft a reintegration plan.",
            "Module 3 · Lire un dossier, remplir l’évaluation, comparer avec la référence et ébaucher un plan de réintégration.",
        ),
        "caseload-overview_title": ("The caseload at a glance", "Le portefeuille de dossiers en un coup d’œil"),
        "caseload-overview_line": (
            "Module 3 · Sustainability scores of the whole synthetic caseload, by dimension and region.",
            "Module 3 · Scores de durabilité de tout le portefeuille synthétique, par dimension et par région.",
        ),
        "referral-mapping_title": ("Refer a returnee to local services", "Orienter un migrant de retour vers les services locaux"),
        "referral-mapping_line": (
            "Module 4 · Find eligible services on the map of Morocco, record consent and share only the data needed.",
            "Module 4 · Trouver les services accessibles sur la carte du Maroc, recueillir le consentement et ne partager que les données nécessaires.",
        ),
        "referral-gaps_title": ("Gaps in the referral network", "Les lacunes du réseau d’orientation"),
        "referral-gaps_line": (
            "Module 4 · Where services are missing or too small for the needs of the cases, region by region.",
            "Module 4 · Où les services manquent ou sont trop petits pour les besoins des dossiers, région par région.",
        ),
        "other_exercise": ("Exercise", "Exercice"),
        "starting": ("Starting the workshop server…", "Démarrage du serveur de l’atelier…"),
        "local_only": (
            "The workshop is open on this computer only: {url}",
            "L’atelier est ouvert sur cet ordinateur uniquement\u00a0: {url}",
        ),
        "share": (
            "Participants join at this address (same Wi-Fi network): {url}",
            "Les participants se connectent à cette adresse (même réseau Wi-Fi)\u00a0: {url}",
        ),
        "qr_saved": ("QR code saved as {path}", "Code QR enregistré dans {path}"),
        "no_network": (
            "No network address found: is the computer connected to the Wi-Fi router? Listening on {ip}.",
            "Aucune adresse réseau trouvée\u00a0: l’ordinateur est-il connecté au routeur Wi-Fi\u00a0? Écoute sur {ip}.",
        ),
        "stop": ("Press Ctrl+C to stop the workshop.", "Ctrl+C pour arrêter l’atelier."),
        "warming": (
            "Preparing exercises in advance: {count} ({exercise}). Wait for the line saying they are ready before participants join.",
            "Préparation des exercices à l’avance : {count} ({exercise}). Attendez la ligne qui annonce qu’ils sont prêts avant de faire entrer les participants.",
        ),
        "warm": (
            "Exercises ready in advance: {count} ({exercise}). Participants can join.",
            "Exercices prêts à l’avance : {count} ({exercise}). Les participants peuvent entrer.",
        ),
        "all_exercises": ("all exercises", "tous les exercices"),
        "help": ("Serve the exercises to a workshop with Voila.", "Servir les exercices à un atelier avec Voila."),
        "help_lang": ("Language of the landing page and the dashboards.", "Langue de la page d’accueil et des tableaux de bord."),
        "help_lan": (
            "Listen on the network (Wi-Fi) address and require a token.",
            "Écouter sur l’adresse réseau (Wi-Fi) et exiger un jeton.",
        ),
        "help_ip": ("Address to listen on with --lan (default: found automatically).",
                    "Adresse d’écoute avec --lan (par défaut\u00a0: trouvée automatiquement)."),
        "help_token": ("Token participants need (default: random).", "Jeton exigé des participants (par défaut\u00a0: aléatoire)."),
        "help_port": ("Port (default 8866).", "Port (8866 par défaut)."),
        "help_pool": (
            "Preheated kernels kept ready per exercise (0 to disable).",
            "Noyaux préchauffés tenus prêts par exercice (0 pour désactiver).",
        ),
        "help_preheat": (
            "Keep the preheated kernels for this exercise only (e.g. the one of the session, with --pool 30).",
            "Réserver les noyaux préchauffés à cet exercice (par exemple celui de la séance, avec --pool 30).",
        ),
        "help_lite": (
            "Serve the book's in-browser exercises instead (static files only: each device runs Python itself; "
            "build them first with ./course book).",
            "Servir plutôt les exercices dans le navigateur du livre (fichiers statiques seulement : chaque "
            "appareil exécute Python lui-même ; construisez-les d’abord avec ./course book).",
        ),
        "help_cull": ("Minutes before an idle participant's kernel is stopped.",
                      "Minutes avant l’arrêt du noyau d’un participant inactif."),
    },
)

# The exercises in the order of the course; their minutes come from each
# notebook's metadata ("exercises"), the same figure the book shows.
EXERCISES = ("three-dimensions", "case-assessment", "caseload-overview", "referral-mapping", "referral-gaps")


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

    def kernels_to_preheat(self) -> int:
        """How many kernels the pool holds: ``pool`` for the session's exercise, or for each exercise."""
        return self.pool * (1 if self.preheat else len(EXERCISES))


def _announce_when_warm(warm_dir: Path, settings: "Settings", exercise: str, process) -> None:
    """Print a line each time the pool becomes full, so the trainer knows when the room can join."""
    wanted, full = settings.kernels_to_preheat(), False
    while process.poll() is None:
        count = warm_kernels(warm_dir)
        if count >= wanted and not full:
            print(M("warm", settings.lang, count=count, exercise=exercise), flush=True)
        full = count >= wanted
        time.sleep(1)


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


def voila_command(settings: Settings, root: Path, out_dir: Path) -> tuple[list[str], dict, str, str | None]:
    """The Voila command line, its environment, the address to share and the token."""
    data_dir = prepare_template(out_dir, settings.lang, root)
    if settings.lan:
        ip = settings.ip or lan_address() or "0.0.0.0"
        token = settings.token or secrets.token_urlsafe(6)
    else:
        ip = settings.ip or "127.0.0.1"
        token = settings.token
    args = [
        sys.executable, "-m", "reintegra.workshop.server", str(root / "exercises"),
        "--no-browser", f"--port={settings.port}", f"--Voila.ip={ip}",
        f"--template={TEMPLATE}", "--theme=light", "--strip_sources=True",
        "--show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={settings.cull_minutes * 60}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=True",
    ]
    # Under load (thirty participants arriving at once on two cores) a kernel's outputs can
    # come seconds after its reply; nbclient's default 4 s wait would drop the exercise from the page.
    voila_config: dict = {"VoilaExecutor": {"iopub_timeout": 60}}
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
    env["REINTEGRA_DEFAULT_LANG"] = settings.lang
    env["REINTEGRA_LANDING"] = str(out_dir / "landing.html")
    env.setdefault("REINTEGRA_PLANS_DIR", str(out_dir / "plans"))  # draft plans saved by participants
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
    parser.add_argument("--lite", action="store_true", help=M("help_lite", lang))
    args = parser.parse_args(argv)
    settings = Settings(lang=args.lang, lan=args.lan, ip=args.ip, token=args.token, port=args.port,
                        pool=args.pool, cull_minutes=args.cull_minutes, preheat=args.preheat)
    root = repo_root()
    if args.lite:
        from ..lite.serve import serve_workshop

        return serve_workshop(settings, root)
    out_dir = root / "_build" / "workshop"
    command, env, url, token = voila_command(settings, root, out_dir)
    lang = settings.lang
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
    print(M("stop", lang), flush=True)
    process = subprocess.Popen(command, env=env, cwd=root)
    if settings.pool > 0:
        exercise = settings.preheat or M("all_exercises", lang)
        print(M("warming", lang, count=settings.kernels_to_preheat(), exercise=exercise), flush=True)
        threading.Thread(target=_announce_when_warm, args=(Path(env[WARM_DIR_ENV]), settings, exercise, process),
                         daemon=True).start()
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            return 1
