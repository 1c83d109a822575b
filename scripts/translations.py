"""Plugin translations: collect ``tr("...")`` strings into ``i18n/*.ts`` and compile them into ``.qm``.

    python scripts/translations.py            # compile every i18n/terrascope_*.ts into .qm (make translations)
    python scripts/translations.py --update   # first add new strings of terrascope_plugin/ to every .ts
    python scripts/translations.py --check    # exit 1 when a .ts lacks a string or a translation

Compiling uses Qt's ``lrelease`` when it is installed (Debian: qttools5-dev-tools) and otherwise writes the
``.qm`` file itself (:func:`write_qm`), so the command works on a machine without Qt's tools.
"""
from __future__ import annotations

import argparse
import ast
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "terrascope_plugin"
I18N = ROOT / "i18n"
CONTEXT = "TerraScope"  # terrascope_plugin/i18n.py translates every string in this one context


def collect_strings(source_dir: Path = SOURCES) -> dict[str, tuple[str, int]]:
    """Every literal passed to ``tr(...)`` or ``self.tr(...)``: text -> (file relative to the root, line)."""
    found: dict[str, tuple[str, int]] = {}
    for path in sorted(source_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            arg = node.args[0]
            if name == "tr" and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, (str(path.relative_to(ROOT)), node.lineno))
    return found


def read_ts(path: Path) -> dict[str, str | None]:
    """source -> translation (None when unfinished or empty) of the ``TerraScope`` context of a .ts file."""
    out: dict[str, str | None] = {}
    for context in ET.parse(path).getroot().iter("context"):
        if context.findtext("name") != CONTEXT:
            continue
        for message in context.iter("message"):
            translation = message.find("translation")
            kind = translation.get("type") if translation is not None else "unfinished"
            if kind in ("obsolete", "vanished"):
                continue
            text = translation.text if translation is not None else None
            out[message.findtext("source") or ""] = text if text and kind != "unfinished" else None
    return out


def write_ts(path: Path, language: str, strings: dict[str, tuple[str, int]],
             translations: dict[str, str | None]) -> None:
    """Write a Qt Linguist .ts file with the collected ``strings`` in source order and known ``translations``."""
    root = ET.Element("TS", version="2.1", language=language)
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source, (file, line) in sorted(strings.items(), key=lambda kv: (kv[1][0], kv[1][1])):
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "location", filename=f"../{file}", line=str(line))
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        text = translations.get(source)
        if text:
            translation.text = text
        else:
            translation.set("type", "unfinished")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8")


# ---- .qm writer (the subset of Qt's format QTranslator reads: hashes + messages) -----------------------
_QM_MAGIC = bytes([0x3C, 0xB8, 0x64, 0x18, 0xCA, 0xEF, 0x9C, 0x95, 0xCD, 0x21, 0x1C, 0xBF, 0x60, 0xA1, 0xBD, 0xDD])
_TAG_HASHES, _TAG_MESSAGES = 0x42, 0x69
_TAG_END, _TAG_TRANSLATION, _TAG_SOURCE, _TAG_CONTEXT, _TAG_COMMENT = 1, 3, 6, 7, 8


def elf_hash(data: bytes) -> int:
    """Qt's ``elfHash`` of source text + comment, the key of the .qm hash table (never 0)."""
    h = 0
    for byte in data:
        h = ((h << 4) + byte) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h or 1


def write_qm(path: Path, messages: dict[str, str], context: str = CONTEXT) -> None:
    """Compile ``messages`` (source -> translation, one context, no comments or plurals) into a .qm file."""
    def field(tag: int, data: bytes) -> bytes:
        return struct.pack(">BI", tag, len(data)) + data

    entries = sorted((elf_hash(src.encode("utf-8")), src, tr_) for src, tr_ in messages.items() if tr_)
    blob, table = bytearray(), bytearray()
    for key, source, translation in entries:
        table += struct.pack(">II", key, len(blob))
        blob += field(_TAG_TRANSLATION, translation.encode("utf-16-be"))
        blob += field(_TAG_SOURCE, source.encode("utf-8"))
        blob += field(_TAG_CONTEXT, context.encode("utf-8"))
        blob += field(_TAG_COMMENT, b"")
        blob += bytes([_TAG_END])
    path.write_bytes(_QM_MAGIC + field(_TAG_HASHES, bytes(table)) + field(_TAG_MESSAGES, bytes(blob)))


def compile_ts(ts: Path, use_lrelease: bool = True) -> Path:
    """``i18n/x.ts`` -> ``i18n/x.qm``; through lrelease when present, else :func:`write_qm`."""
    qm = ts.with_suffix(".qm")
    lrelease = shutil.which("lrelease") or shutil.which("lrelease-qt5") if use_lrelease else None
    if lrelease:
        subprocess.run([lrelease, "-silent", str(ts), "-qm", str(qm)], check=True)
    else:
        write_qm(qm, {s: t for s, t in read_ts(ts).items() if t})
    return qm


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="add new tr() strings to every .ts first")
    parser.add_argument("--check", action="store_true", help="fail when a .ts misses a string or translation")
    parser.add_argument("--no-lrelease", action="store_true", help="always use the built-in .qm writer")
    args = parser.parse_args(argv)
    ts_files = sorted(I18N.glob("terrascope_*.ts"))
    if not ts_files:
        print(f"no i18n/terrascope_*.ts files in {I18N}", file=sys.stderr)
        return 1
    strings = collect_strings()
    status = 0
    for ts in ts_files:
        known = read_ts(ts)
        if args.update:
            language = ET.parse(ts).getroot().get("language") or ts.stem.split("_", 1)[1]
            write_ts(ts, language, strings, known)
            known = read_ts(ts)
        missing = [s for s in strings if not known.get(s)]
        if missing:
            print(f"{ts.name}: {len(missing)} string(s) without translation, e.g. {missing[0]!r}", file=sys.stderr)
            status = 1 if args.check else status
        if not args.check:
            qm = compile_ts(ts, use_lrelease=not args.no_lrelease)
            print(f"{ts.name} -> {qm.name} ({len(strings) - len(missing)}/{len(strings)} translated)")
    return status


if __name__ == "__main__":
    sys.exit(main())
