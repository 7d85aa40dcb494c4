"""A byte-comparable transcript of the ``stylist`` command line on the sample wardrobe.

    python -m bench.cli_snapshot > cli_before.txt      # at one commit
    python -m bench.cli_snapshot > cli_after.txt       # at another
    diff cli_before.txt cli_after.txt                  # empty when the command line did not change

A fixed script of commands (every command group, plain and ``--json``, and bad input of every kind) runs on a
fresh temporary data folder, each as its own process through the console-script entry point
(``bot.cli:main``), offline (``STYLIST_WEATHER_URL`` empty, ``HF_HUB_OFFLINE=1``) and with every day given
(``--date``), so nothing depends on the clock. For each command it prints the arguments, the exit status,
stdout and stderr. What is random per run is replaced by stable placeholders: item ids (10 hex) by
``<item:FILE>`` (learnt from ``add``'s output), look ids (12 hex, a hash of item ids) by ``<look:N>`` in order
of first appearance, the temporary folder by ``<tmp>`` and this checkout by ``<repo>``. Collages written with
``--out`` are listed with a hash of their bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = "samples/wardrobe"
BAD = "samples/bad"
DAY = "2026-11-27"
_ENTRY = "import sys; from bot.cli import main; sys.exit(main())"
_ITEM = re.compile(r"(?<![0-9a-f])[0-9a-f]{10}(?![0-9a-f])")
_LOOK = re.compile(r"(?<![0-9a-f])[0-9a-f]{12}(?![0-9a-f])")
_ADDED_TEXT = re.compile(r"^(?:added|already have) ([0-9a-f]{10}): .*?(?:  <- (\S+))?(?:  \(|$)")
_LOOK_TEXT = re.compile(r"^Look \d+ \(([0-9a-f]{12}),")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")


class Transcript:
    """Runs ``stylist`` commands on one data folder and prints each one's normalised result."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.data = tmp / "data"
        self.items: dict[str, str] = {}  # item id -> <item:FILE>
        self.by_file: dict[tuple[str, str], str] = {}  # (user, FILE) -> the latest item id added from it
        self.looks: dict[str, str] = {}  # look id -> <look:N>
        self.last_looks: list[str] = []

    def run(self, *args: str, env: dict[str, str] | None = None, data_dir: bool = True) -> tuple[int, str]:
        """Run one command, learn the ids it prints, print its normalised transcript; return (status, stdout)."""
        argv = (["--data-dir", str(self.data)] if data_dir else []) + list(args)
        proc = subprocess.run([sys.executable, "-c", _ENTRY, *argv], cwd=REPO, env=self._env(env or {}),
                              capture_output=True, text=True, timeout=600)
        self._learn(proc.stdout, args[args.index("--user") + 1] if "--user" in args else "")
        shown = " ".join(_quote(a) for a in args) + "".join(f"  [{k}={v}]" for k, v in (env or {}).items())
        print(f"$ stylist {self._normal(shown)}")
        print(f"exit {proc.returncode}")
        for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            if text:
                print(f"--- {name}")
                print(self._normal(text), end="" if text.endswith("\n") else "\n(no newline at end)\n")
        print()
        return proc.returncode, proc.stdout

    def item(self, file: str, user: str = "alice") -> str:
        """Return the real id of the item last added to a user's wardrobe from a sample file name."""
        return self.by_file[(user, file)]

    def show_folder(self, folder: Path) -> None:
        """List the files in a folder with a hash of their bytes."""
        print(f"# files in {self._normal(str(folder))}")
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            print(f"  {self._normal(path.name)}  {path.stat().st_size} bytes  sha256 {digest}")
        print()

    def _env(self, extra: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STYLIST_")}
        env.update({"HF_HUB_OFFLINE": "1", "STYLIST_WEATHER_URL": "", "PYTHONPATH": str(REPO), "COLUMNS": "100",
                    "PYTHONHASHSEED": "0"})
        env.update(extra)
        return env

    def _learn(self, stdout: str, user: str) -> None:
        self.last_looks = []
        for line in stdout.splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            if isinstance(obj, dict):
                if "items" in obj and isinstance(obj.get("id"), str):
                    self._look(obj["id"])
                elif obj.get("status") in ("added", "duplicate") and obj.get("source"):
                    self._item(user, obj["id"], obj["source"])
                continue
            if match := _ADDED_TEXT.match(line):
                if match.group(2):
                    self._item(user, match.group(1), match.group(2))
            elif match := _LOOK_TEXT.match(line):
                self._look(match.group(1))

    def _item(self, user: str, item_id: str, source: str) -> None:
        name = Path(source).name
        self.items.setdefault(item_id, f"<item:{name}>")
        self.by_file[(user, name)] = item_id

    def _look(self, look_id: str) -> None:
        self.looks.setdefault(look_id, f"<look:{len(self.looks) + 1}>")
        self.last_looks.append(look_id)

    def _normal(self, text: str) -> str:
        text = text.replace(str(self.tmp), "<tmp>").replace(str(REPO), "<repo>")
        text = _TIME.sub("<time>", text)
        text = _LOOK.sub(lambda m: self.looks.get(m.group(0), m.group(0)), text)
        return _ITEM.sub(lambda m: self.items.get(m.group(0), m.group(0)), text)


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w./:=,+-]+", arg) else repr(arg)


def _tagging(t: Transcript) -> None:
    four = [f"{SAMPLES}/{n}" for n in ("dress-3.jpg", "hat-1.jpg", "pants-3.jpg", "shirt-2.jpg")]
    t.run("tag", *four)
    t.run("tag", "--json", *four, f"{BAD}/empty.jpg")
    t.run("tag", BAD)
    t.run("tag", "no/such/photo.jpg", f"{SAMPLES}/hat-2.jpg")
    t.run("tag", "--json", "samples")  # a folder with a README and labels.csv beside the photos


def _wardrobe(t: Transcript) -> None:
    t.run("add", "--user", "alice", SAMPLES)
    t.run("add", "--user", "alice", f"{SAMPLES}/hat-1.jpg")
    t.run("add", "--user", "alice", "--json", f"{SAMPLES}/hat-1.jpg", f"{BAD}/truncated.jpg")
    t.run("add", "--user", "alice", BAD)
    bobs = [f"{SAMPLES}/{n}" for n in ("shoes-1.jpg", "pants-1.jpg", "t-shirt-2.jpg")]
    t.run("add", "--user", "bob", "--json", *bobs)
    t.run("add", "--user", "bob", "no/such/folder")
    t.run("wardrobe", "--user", "alice")
    t.run("wardrobe", "--user", "bob", "--json")
    t.run("wardrobe", "--user", "nobody")
    t.run("wardrobe", "--user", "nobody", "--json")
    t.run("similar", "--user", "alice", f"{SAMPLES}/shoes-2.jpg", "--k", "3")
    t.run("similar", "--user", "alice", t.item("dress-1.jpg"), "--json", "--k", "4")
    t.run("similar", "--user", "alice", "/no/such/photo.jpg")
    t.run("similar", "--user", "alice", "ffffffffff")
    t.run("similar", "--user", "alice", t.item("dress-1.jpg"), "--k", "0")
    t.run("search", "--user", "alice", "something warm and navy")
    t.run("search", "--user", "alice", "--json", "black shoes", "--k", "3")
    t.run("search", "--user", "alice", "   ")
    t.run("search", "--user", "nobody", "a red dress")
    t.run("correct", "--user", "alice", t.item("pants-1.jpg"), "type=jeans", "colors=navy,white")
    t.run("correct", "--user", "alice", "--json", t.item("shirt-3.jpg"), "pattern=checked", "formality=formal")
    t.run("correct", "--user", "alice", t.item("pants-1.jpg"), "type=spaceship")
    t.run("correct", "--user", "alice", t.item("pants-1.jpg"), "nonsense")
    t.run("correct", "--user", "alice", "ffffffffff", "type=jeans")
    t.run("laundry", "--user", "alice", t.item("shirt-1.jpg"))
    t.run("laundry", "--user", "alice", "--json", t.item("t-shirt-1.jpg"))
    t.run("wardrobe", "--user", "alice")
    t.run("laundry", "--user", "alice", "--clean", t.item("t-shirt-1.jpg"))


def _outfits(t: Transcript) -> None:
    looks = t.tmp / "looks"
    t.run("outfit", "--user", "alice", "--date", DAY)
    t.run("outfit", "--user", "alice", "--occasion", "work", "--temp", "8", "--rain", "--date", DAY)
    t.run("outfit", "--user", "alice", "--occasion", "party", "--temp", "24", "--json", "--n", "2", "--date", DAY)
    t.run("outfit", "--user", "alice", "--occasion", "date", "--temp", "18", "--date", DAY, "--another", "1")
    t.run("outfit", "--user", "alice", "--with", t.item("skirt-2.jpg"), "--temp", "20", "--date", DAY, "--json")
    t.run("outfit", "--user", "alice", "--occasion", "casual", "--temp", "12", "--n", "2", "--date", DAY,
          "--out", str(looks))
    t.show_folder(looks)
    t.run("outfit", "--user", "alice", "--occasion", "wedding", "--temp", "22", "--date", DAY)
    t.run("outfit", "--user", "alice", "--occasion", "gym", "--temp", "15", "--date", DAY)
    t.run("outfit", "--user", "alice", "--temp", "-15", "--date", DAY)
    t.run("outfit", "--user", "alice", "--occasion", "moon-landing", "--date", DAY)
    t.run("outfit", "--user", "alice", "--with", "ffffffffff", "--date", DAY)
    t.run("outfit", "--user", "alice", "--n", "0", "--date", DAY)
    t.run("outfit", "--user", "nobody", "--date", DAY)
    t.run("today", "--user", "alice", "--date", DAY)
    _, out = t.run("today", "--user", "alice", "--date", DAY, "--json")
    t.run("today", "--user", "alice", "--date", DAY, "--another", "1")
    t.run("today", "--user", "alice", "--date", DAY, "--out", str(t.tmp / "today"))
    t.show_folder(t.tmp / "today")
    first = json.loads(out.splitlines()[0])["id"]
    t.run("location", "--user", "alice", "52.52", "13.405", "--tz", "Europe/Berlin", "--place", "Berlin")
    t.run("location", "--user", "alice", "--json", "40.71", "-74.0", "--tz", "America/New_York")
    t.run("location", "--user", "alice", "52.5", "13.4", "--tz", "Mars/Olympus")
    t.run("location", "--user", "alice", "123", "13.4")
    t.run("today", "--user", "alice", "--date", "2026-07-01")
    t.run("feedback", "--user", "alice", first, "like")
    t.run("feedback", "--user", "alice", "--json", first, "wore", "--date", DAY)
    t.run("today", "--user", "alice", "--date", "2026-11-28")
    t.run("feedback", "--user", "alice", "ffffffffffff", "dislike")
    t.run("feedback", "--user", "alice", first, "love")
    t.run("train-compat", "--json")
    t.run("train-compat", "--polyvore", "no/such/folder")


def _maintenance(t: Transcript) -> None:
    t.run("remove", "--user", "alice", t.item("hat-2.jpg"))
    removed = t.item("hat-2.jpg")
    t.run("remove", "--user", "alice", removed)
    t.run("remove", "--user", "alice", "--json", t.item("hat-3.jpg"))
    t.run("reindex")
    t.run("reindex", "--json")
    t.run("forget", "--user", "bob")
    t.run("forget", "--user", "bob", "--json")
    t.run("wardrobe", "--user", "bob")


def _bad_input(t: Transcript) -> None:
    t.run("wardrobe", "--user", "../../etc")
    t.run("add", "--user", "", f"{SAMPLES}/hat-1.jpg")
    t.run("wardrobe", "--user", "alice", env={"STYLIST_DEVICE": "tpu"})
    t.run("wardrobe", "--user", "alice", env={"STYLIST_DATABASE_URL": "nonsense"})
    t.run("wardrobe")
    t.run("today", "--user", "alice", "--date", "27/11/2026")
    t.run("outfit", "--user", "alice", "--temp", "warm")
    t.run("fly", "--user", "alice")
    t.run(data_dir=False)
    t.run("--help", data_dir=False)
    t.run("outfit", "--help")


def main() -> None:
    """Print the whole transcript on stdout."""
    with tempfile.TemporaryDirectory(prefix="stylist-snapshot-") as tmp:
        t = Transcript(Path(tmp))
        for part in (_tagging, _wardrobe, _outfits, _maintenance, _bad_input):
            print(f"######## {part.__name__.strip('_')}\n")
            part(t)


if __name__ == "__main__":
    main()
