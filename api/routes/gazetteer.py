"""The entity gazetteer, edited by an administrator (issue 13): places, agencies, officials and aliases.

GET returns the gazetteer in force (TOML text, as nlp/data/gazetteer.toml); PUT checks a new one and
writes it to nlp.gazetteer_file, or to `<data_dir>/nlp/gazetteer.toml` when that key is unset, and puts
it in force in this API process at once (entity watchlists resolve against it; no restart). Crawls read it
when they start (crawlers/pipelines/enrich.py), as does `vigil nlp classify`; other API processes read
it when they start.
"""

from __future__ import annotations

import os

from fastapi import APIRouter

from api.deps import AdminKey, SettingsDep
from api.errors import BadParameter
from api.schemas import GazetteerBody, GazetteerPublic
from nlp.entities import GAZETTEER_FILE, check_gazetteer, gazetteer_path, use_gazetteer
from nlp.errors import NlpError

router = APIRouter(prefix="/gazetteer", tags=["admin"])


@router.get("", response_model=GazetteerPublic, summary="The entity gazetteer in force")
def get_gazetteer(key: AdminKey, settings: SettingsDep) -> GazetteerPublic:
    path = gazetteer_path(settings.nlp.gazetteer_file, settings.data_dir) or GAZETTEER_FILE
    text = path.read_text(encoding="utf-8")
    return GazetteerPublic(file=str(path), toml=text, entries=check_gazetteer(text))


@router.put("", response_model=GazetteerPublic, summary="Replace the entity gazetteer (checked first)")
def put_gazetteer(key: AdminKey, settings: SettingsDep, body: GazetteerBody) -> GazetteerPublic:
    try:
        entries = check_gazetteer(body.toml)
    except NlpError as exc:
        raise BadParameter("toml", str(exc), location="body") from exc
    path = settings.nlp.gazetteer_file or settings.state_path("nlp", "gazetteer.toml")
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(body.toml, encoding="utf-8")
    os.replace(temporary, path)  # readers never see half a file
    use_gazetteer(path)  # in force here now: a new entity can be watched without a restart
    return GazetteerPublic(file=str(path), toml=body.toml, entries=entries)
